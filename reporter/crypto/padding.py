"""Length hiding: what someone holding the database learns from the size of a ciphertext.

Cleaning an upload is deterministic, so the exact size of a stored file would let someone who holds
the original photo find the report it belongs to; the exact size of a sealed text tells how long a
story is. Plaintexts are padded before encryption to the Padmé length (Nikitin et al., "Reducing
Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019): at most about
12 % larger, and a size then leaks O(log log n) bits instead of O(log n). Short texts are padded to
a floor as well, so every short message looks alike.
"""

from __future__ import annotations

from reporter.crypto.errors import DecryptionFailed

# Sealed texts (a story, a message, a note) are never shorter than this once padded.
TEXT_FLOOR = 1024
# Small records (a case's contribution to the statistics) are never shorter than this.
RECORD_FLOOR = 256
# Stored files are never shorter than one encryption chunk.
FILE_FLOOR = 64 * 1024
# A padded text starts with this byte (never the first byte of the JSON or text we seal, which
# refuses control characters), then its length in four bytes, then the text, then zeros.
_PADDED_TEXT = b"\x00"
_LENGTH_BYTES = 4


def padme_length(length: int) -> int:
    """The Padmé bucket of a length: its lowest bits cleared, rounding up."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    size_bits = exponent.bit_length()
    mask = (1 << (exponent - size_bits)) - 1
    return (length + mask) & ~mask


def padded_length(length: int, floor: int) -> int:
    return max(floor, padme_length(length))


def pad_text(plaintext: bytes, floor: int = TEXT_FLOOR) -> bytes:
    """Frame and pad a text before it is sealed."""
    framed = _PADDED_TEXT + len(plaintext).to_bytes(_LENGTH_BYTES, "big") + plaintext
    return framed + b"\x00" * (padded_length(len(framed), floor) - len(framed))


def unpad_text(padded: bytes) -> bytes:
    """The text inside pad_text's frame; a text sealed before padding existed comes back as is."""
    if not padded.startswith(_PADDED_TEXT):
        return padded
    header = len(_PADDED_TEXT) + _LENGTH_BYTES
    length = int.from_bytes(padded[len(_PADDED_TEXT) : header], "big")
    if header + length > len(padded) or padded[header + length :].strip(b"\x00"):
        raise DecryptionFailed("padding is damaged")
    return padded[header : header + length]


def pad_file(data: bytes) -> bytes:
    """Zeros after a file; its true length travels inside the encrypted report."""
    return data + b"\x00" * (padded_length(len(data), FILE_FLOOR) - len(data))
