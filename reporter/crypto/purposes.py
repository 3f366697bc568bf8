"""Keys derived for one purpose from a secret held elsewhere: the search key from an
organisation's private key, the contact key from the instance's secret key."""

from __future__ import annotations

from reporter.crypto.aead import derive_subkey


def search_key(private_key: bytes) -> bytes:
    """The key of the search texts of an organisation's cases on one key version: derived from
    that version's private key, so only its holders (logged-in staff) have it, and a rotation,
    which encrypts the texts again under the new version's, leaves a former holder nothing."""
    return derive_subkey(private_key, b"search-text")


def contact_key(secret_key: str) -> bytes:
    """The instance's key for staff email addresses. The secret key lives in the instance
    folder or the environment, never in the database: a copy of the database alone opens none."""
    return derive_subkey(secret_key.encode("utf-8"), b"staff-contact")
