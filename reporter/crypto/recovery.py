"""Organisation recovery keys: random, shown once, printable, typed back in to restore access."""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reporter.crypto.errors import InvalidRecoveryKeyFormat

_GROUP = 4


def new_recovery_key() -> str:
    """32 random bytes in base32 (no 0/1/8 confusion), grouped for writing down."""
    text = base64.b32encode(secrets.token_bytes(30)).decode("ascii")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def recovery_wrapping_key(recovery_key: str) -> bytes:
    """The key that wraps an organisation's private key under its recovery key."""
    cleaned = recovery_key.replace("-", "").replace(" ", "").upper()
    try:
        raw = base64.b32decode(cleaned)
    except ValueError as exc:
        raise InvalidRecoveryKeyFormat("not a recovery key") from exc
    if len(raw) != 30:
        raise InvalidRecoveryKeyFormat("not a recovery key")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"reporter/recovery/v1"
    ).derive(raw)


def token_wrapping_key(token: str) -> bytes:
    """The key that wraps an organisation's private key in an invitation slot."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"reporter/invitation/v1"
    ).derive(token.encode("ascii"))
