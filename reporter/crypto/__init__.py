"""The only place that touches keys and ciphers. Everything else calls these functions."""

from reporter.crypto.aead import (
    decrypt,
    decrypt_text,
    derive_subkey,
    encrypt,
    encrypt_text,
    mac,
    new_key,
)
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
    new_draft,
    new_receipt,
    new_salt,
    normalise_receipt,
    receipt_for_draft,
    verifier_matches,
)
from reporter.crypto.padding import pad_file, padme_length
from reporter.crypto.recovery import new_recovery_key, new_token, recovery_keypair, token_keypair
from reporter.crypto.sealing import (
    OrgKeypair,
    generate_keypair,
    keypair_from_secret,
    public_key_of,
    seal,
    unseal,
)
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
    "decrypt_text",
    "derive_password_keys",
    "derive_receipt_keys",
    "derive_subkey",
    "encrypt",
    "encrypt_chunks",
    "encrypt_text",
    "format_receipt",
    "generate_keypair",
    "keypair_from_secret",
    "mac",
    "new_draft",
    "new_key",
    "new_receipt",
    "new_recovery_key",
    "new_salt",
    "new_token",
    "normalise_receipt",
    "pad_file",
    "padme_length",
    "public_key_of",
    "receipt_for_draft",
    "recovery_keypair",
    "seal",
    "token_keypair",
    "unseal",
    "verifier_matches",
]
