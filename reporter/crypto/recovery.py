"""Organisation recovery keys and invitation tokens: secrets from which a keypair is derived."""

from __future__ import annotations

import base64
import secrets

from reporter.crypto.errors import InvalidRecoveryKeyFormat
from reporter.crypto.sealing import OrgKeypair, keypair_from_secret

_GROUP = 4


def new_recovery_key() -> str:
    """240 random bits in base32 (no 0/1/8 confusion), grouped for writing down."""
    text = base64.b32encode(secrets.token_bytes(30)).decode("ascii")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def recovery_keypair(recovery_key: str) -> OrgKeypair:
    """The keypair a recovery key stands for; slots are sealed to its public half."""
    cleaned = recovery_key.replace("-", "").replace(" ", "").strip().upper()
    try:
        raw = base64.b32decode(cleaned)
    except ValueError as exc:
        raise InvalidRecoveryKeyFormat("not a recovery key") from exc
    if len(raw) != 30:
        raise InvalidRecoveryKeyFormat("not a recovery key")
    return keypair_from_secret(raw, b"recovery")


def new_token() -> str:
    """A random URL-safe token (invitations, staff sessions)."""
    return secrets.token_urlsafe(32)


def token_keypair(token: str) -> OrgKeypair:
    """The keypair an invitation token stands for."""
    return keypair_from_secret(token.encode("ascii"), b"invitation")
