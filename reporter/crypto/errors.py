"""Named errors of the crypto package."""


class CryptoError(Exception):
    """Base class for every error raised by reporter.crypto."""


class DecryptionFailed(CryptoError):
    """A ciphertext was tampered with, or the key is wrong."""


class InvalidReceiptFormat(CryptoError):
    """The text given is not 16 digits."""


class InvalidRecoveryKeyFormat(CryptoError):
    """The text given is not a recovery key."""
