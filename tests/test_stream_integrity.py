"""Encrypted attachment streams: the stored format stays readable, every chunk boundary
round-trips exactly, and a damaged stream is refused with a reason that says what went wrong."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from reporter import crypto

CHUNK = crypto.CHUNK_BYTES
FILE_ID = bytes(range(16))


def _format_v1(key: bytes, attachment_id: bytes, data: bytes) -> list[bytes]:
    """The chunk format every stored attachment is written in, spelt out independently of the
    code under test: ChaCha20-Poly1305, nonce = the chunk index as 12 big-endian bytes, associated
    data = b"reporter/chunk/v1" || attachment id || index as 8 big-endian bytes || 1 if last."""
    cipher = ChaCha20Poly1305(key)
    pieces = [data[start : start + CHUNK] for start in range(0, len(data), CHUNK)] or [b""]
    chunks = []
    for index, piece in enumerate(pieces):
        last = b"\x01" if index == len(pieces) - 1 else b"\x00"
        aad = b"reporter/chunk/v1" + attachment_id + index.to_bytes(8, "big") + last
        chunks.append(cipher.encrypt(index.to_bytes(12, "big"), piece, aad))
    return chunks


@pytest.mark.parametrize("size", [0, 1, 2 * CHUNK + 17])
def test_attachments_stored_in_format_v1_still_open(size: int) -> None:
    """Every attachment already in the database was written in format v1: a change to the nonce
    or associated-data layout would make all of them unreadable, and new files unreadable by
    older servers still running during an upgrade."""
    key = bytes(range(32))
    data = bytes((n * 7) % 251 for n in range(size))
    stored = _format_v1(key, FILE_ID, data)
    assert b"".join(crypto.decrypt_chunks(key, FILE_ID, stored, len(stored))) == data
    # And what is written today is format v1, byte for byte (the nonce is a counter).
    assert list(crypto.encrypt_chunks(key, FILE_ID, data)) == stored


@pytest.mark.parametrize(
    ("size", "chunks"),
    [
        (0, 1),
        (1, 1),
        (CHUNK - 1, 1),
        (CHUNK, 1),
        (CHUNK + 1, 2),
        (2 * CHUNK, 2),
        (2 * CHUNK + 1, 3),
    ],
)
def test_files_round_trip_exactly_at_chunk_boundaries(size: int, chunks: int) -> None:
    """A file of exactly one or two chunks, or one byte either side, comes back byte for byte,
    with no empty trailing chunk and no byte lost at the seam."""
    key = crypto.new_key()
    data = bytes((n * 31 + 5) % 256 for n in range(size))
    encrypted = list(crypto.encrypt_chunks(key, FILE_ID, data))
    assert len(encrypted) == chunks
    assert b"".join(crypto.decrypt_chunks(key, FILE_ID, encrypted, chunks)) == data


def test_a_file_cut_at_a_chunk_boundary_is_reported_as_truncated() -> None:
    """Rows lost from storage (the stream ends early, every chunk present is genuine) are told
    apart from tampering, so an operator looks for missing rows, not for an attacker."""
    key = crypto.new_key()
    encrypted = list(crypto.encrypt_chunks(key, FILE_ID, b"x" * (2 * CHUNK + 1)))
    assert len(encrypted) == 3
    with pytest.raises(crypto.DecryptionFailed, match=r"^attachment is truncated$"):
        b"".join(crypto.decrypt_chunks(key, FILE_ID, encrypted[:2], 3))


def test_a_refused_chunk_is_named_by_its_position() -> None:
    """A chunk that does not authenticate (altered, out of place or from another file) is named
    by its index, so the damaged row can be found; the chunks before it were genuine."""
    key = crypto.new_key()
    data = b"a" * CHUNK + b"b" * CHUNK + b"c"
    encrypted = list(crypto.encrypt_chunks(key, FILE_ID, data))
    other_file = list(crypto.encrypt_chunks(key, bytes(16), data))
    altered = encrypted[1][:-1] + bytes([encrypted[1][-1] ^ 1])
    for broken in (
        [encrypted[0], altered, encrypted[2]],
        [encrypted[0], encrypted[2], encrypted[1]],
        [encrypted[0], other_file[1], encrypted[2]],
    ):
        opened: list[bytes] = []
        with pytest.raises(crypto.DecryptionFailed, match=r"^chunk 1 failed authentication$"):
            opened.extend(crypto.decrypt_chunks(key, FILE_ID, broken, 3))
        assert opened == [b"a" * CHUNK]
