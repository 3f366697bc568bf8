"""Keys derived for one purpose from a secret held elsewhere: the search key from an
organisation's index key, the contact key from the instance's secret key."""

from __future__ import annotations

from reporter.crypto.aead import derive_subkey


def search_key(index_key: bytes) -> bytes:
    """The organisation's key for its cases' search texts. Derived from the blind-index key, so
    only logged-in staff hold it, and a key rotation (which keeps the index key) keeps it too."""
    return derive_subkey(index_key, b"search-text")


def contact_key(secret_key: str) -> bytes:
    """The instance's key for staff email addresses. The secret key lives in the instance
    folder or the environment, never in the database: a copy of the database alone opens none."""
    return derive_subkey(secret_key.encode("utf-8"), b"staff-contact")
