"""Chunked encryption of attachments, so a stored file is never one large plaintext blob.

Each attachment has its own random key; chunk i is sealed with nonce i and associated data binding
the attachment id, the index and whether it is the last chunk, so chunks cannot be reordered,
swapped between files or cut off without detection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from reporter.crypto.errors import DecryptionFailed

CHUNK_BYTES = 64 * 1024


def _aad(attachment_id: bytes, index: int, last: bool) -> bytes:
    return (
        b"reporter/chunk/v1"
        + attachment_id
        + index.to_bytes(8, "big")
        + (b"\x01" if last else b"\x00")
    )


def _nonce(index: int) -> bytes:
    # The key is unique to one attachment, so a counter nonce never repeats under a key.
    return index.to_bytes(12, "big")


def encrypt_chunks(key: bytes, attachment_id: bytes, data: bytes) -> Iterator[bytes]:
    """Yield the encrypted chunks of data (at least one, even for an empty file)."""
    cipher = ChaCha20Poly1305(key)
    view = memoryview(data)
    count = max(1, -(-len(data) // CHUNK_BYTES))
    for index in range(count):
        piece = bytes(view[index * CHUNK_BYTES : (index + 1) * CHUNK_BYTES])
        yield cipher.encrypt(_nonce(index), piece, _aad(attachment_id, index, index == count - 1))


def decrypt_chunks(
    key: bytes, attachment_id: bytes, chunks: Iterable[bytes], count: int
) -> Iterator[bytes]:
    """Yield the plaintext of each chunk in order; a missing or altered chunk raises."""
    cipher = ChaCha20Poly1305(key)
    seen = 0
    for index, chunk in enumerate(chunks):
        try:
            yield cipher.decrypt(
                _nonce(index), chunk, _aad(attachment_id, index, index == count - 1)
            )
        except InvalidTag as exc:
            raise DecryptionFailed(f"chunk {index} failed authentication") from exc
        seen += 1
    if seen != count:
        raise DecryptionFailed("attachment is truncated")
