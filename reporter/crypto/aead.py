"""Authenticated encryption with ChaCha20-Poly1305; every ciphertext is nonce || sealed bytes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from reporter.crypto.errors import DecryptionFailed
from reporter.crypto.padding import RECORD_FLOOR, pad_text, unpad_text

KEY_BYTES = 32
NONCE_BYTES = 12


def new_key() -> bytes:
    """A fresh random 256-bit symmetric key."""
    return ChaCha20Poly1305.generate_key()


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt with a random nonce; the associated data binds the ciphertext to its record."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, associated_data)


def decrypt(key: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """Decrypt what encrypt() produced, or raise DecryptionFailed."""
    return _open(ChaCha20Poly1305(key), ciphertext, associated_data)


def _open(cipher: ChaCha20Poly1305, ciphertext: bytes, associated_data: bytes) -> bytes:
    if len(ciphertext) < NONCE_BYTES + 16:
        raise DecryptionFailed("ciphertext too short")
    nonce, sealed = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
    try:
        return cipher.decrypt(nonce, sealed, associated_data)
    except InvalidTag as exc:
        raise DecryptionFailed("authentication failed") from exc


def decrypt_records(records: Iterable[tuple[bytes, bytes, bytes]]) -> Iterator[bytes]:
    """decrypt_text() of many (key, ciphertext, associated data) records, each key's cipher set
    up once: opening the statistics reads 100,000 small records under one or two keys."""
    ciphers: dict[bytes, ChaCha20Poly1305] = {}
    for key, ciphertext, associated_data in records:
        cipher = ciphers.get(key)
        if cipher is None:
            cipher = ciphers[key] = ChaCha20Poly1305(key)
        yield unpad_text(_open(cipher, ciphertext, associated_data))


class RecordOpener:
    """decrypt_text() of many records under one key, its cipher set up once: a search reads a
    record of every case of an organisation."""

    def __init__(self, key: bytes) -> None:
        self._cipher = ChaCha20Poly1305(key)

    def __call__(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        return unpad_text(_open(self._cipher, ciphertext, associated_data))


def encrypt_text(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt a text or JSON document padded to its size bucket (see padding.py)."""
    return encrypt(key, pad_text(plaintext), associated_data)


def decrypt_text(key: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """Decrypt what encrypt_text() or encrypt_record() produced."""
    return unpad_text(decrypt(key, ciphertext, associated_data))


def encrypt_record(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt a small record padded to its size bucket, with a lower floor than a text: there
    are many records, and each must stay cheap to store and to open."""
    return encrypt(key, pad_text(plaintext, RECORD_FLOOR), associated_data)


def derive_subkey(secret: bytes, purpose: bytes) -> bytes:
    """An independent 256-bit key for one purpose, derived from a secret (HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=b"reporter/subkey/v1|" + purpose,
    ).derive(secret)


def mac(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256."""
    import hmac
    from hashlib import sha256

    return hmac.new(key, data, sha256).digest()


def key_check_value(secret: bytes) -> str:
    """A short value that tells two secrets apart and reveals nothing of either (an HMAC of a
    fixed label under the secret), as a backup records which secrets it needs."""
    return mac(secret, b"reporter/key-check-value/v1").hex()[:16]
