"""The only place that touches keys and ciphers. Everything else calls these functions."""

from reporter.crypto.aead import decrypt, encrypt, new_key
from reporter.crypto.errors import (
    CryptoError,
    DecryptionFailed,
    InvalidReceiptFormat,
    InvalidRecoveryKeyFormat,
)
from reporter.crypto.kdf import (
    Cost,
    PasswordKeys,
    ReceiptKeys,
    derive_password_keys,
    derive_receipt_keys,
    format_receipt,
    new_receipt,
    new_salt,
    normalise_receipt,
    verifier_matches,
)
from reporter.crypto.recovery import new_recovery_key, recovery_wrapping_key, token_wrapping_key
from reporter.crypto.sealing import OrgKeypair, generate_keypair, public_key_of, seal, unseal
from reporter.crypto.streams import CHUNK_BYTES, decrypt_chunks, encrypt_chunks

__all__ = [
    "CHUNK_BYTES",
    "Cost",
    "CryptoError",
    "DecryptionFailed",
    "InvalidReceiptFormat",
    "InvalidRecoveryKeyFormat",
    "OrgKeypair",
    "PasswordKeys",
    "ReceiptKeys",
    "decrypt",
    "decrypt_chunks",
    "derive_password_keys",
    "derive_receipt_keys",
    "encrypt",
    "encrypt_chunks",
    "format_receipt",
    "generate_keypair",
    "new_key",
    "new_receipt",
    "new_recovery_key",
    "new_salt",
    "normalise_receipt",
    "public_key_of",
    "recovery_wrapping_key",
    "seal",
    "token_wrapping_key",
    "unseal",
    "verifier_matches",
]
