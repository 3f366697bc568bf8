"""Organisation X25519 keypairs and sealing a symmetric key to a public key.

Sealing needs only the public key, so the public server accepts reports without holding any secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from reporter.crypto import aead
from reporter.crypto.errors import DecryptionFailed

_SEAL_INFO = b"reporter/seal/v1"


@dataclass(frozen=True)
class OrgKeypair:
    private_key: bytes
    public_key: bytes


def generate_keypair() -> OrgKeypair:
    """A new X25519 keypair as raw 32-byte strings."""
    private = X25519PrivateKey.generate()
    return OrgKeypair(
        private_key=private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        public_key=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def public_key_of(private_key: bytes) -> bytes:
    """The public half of a raw private key."""
    private = X25519PrivateKey.from_private_bytes(private_key)
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=aead.KEY_BYTES,
        salt=None,
        info=_SEAL_INFO + ephemeral_public + recipient_public,
    ).derive(shared)


def seal(recipient_public: bytes, key: bytes, associated_data: bytes) -> bytes:
    """Seal a symmetric key: ephemeral X25519 + HKDF-SHA256 + AEAD. Returns eph_pub || ciphertext."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    kek = _kek(shared, ephemeral_public, recipient_public)
    return ephemeral_public + aead.encrypt(kek, key, associated_data)


def unseal(recipient_private: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Open what seal() produced with the recipient's private key."""
    if len(sealed) < 32:
        raise DecryptionFailed("sealed key too short")
    ephemeral_public, ciphertext = sealed[:32], sealed[32:]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as exc:
        raise DecryptionFailed("invalid ephemeral key") from exc
    kek = _kek(shared, ephemeral_public, public_key_of(recipient_private))
    return aead.decrypt(kek, ciphertext, associated_data)


def keypair_from_secret(secret: bytes, purpose: bytes) -> OrgKeypair:
    """A keypair derived from a secret (recovery key, invitation token): its holder can rebuild it,
    and anything may be sealed to its public half without knowing the secret."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"reporter/keypair/v1|" + purpose
    ).derive(secret)
    private = X25519PrivateKey.from_private_bytes(seed)
    return OrgKeypair(
        private_key=seed,
        public_key=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )
