"""Small crypto and flood-control guarantees that mutation testing found unguarded.

- A statistics record is padded to the record floor, not the text floor: every small record is
  sealed to the same small size, and a larger one to its Padmé bucket.
- Unpadding refuses a damaged frame (a length that overruns the text, bytes other than zeros after
  it) with DecryptionFailed, and gives back a text whose frame fills its bucket exactly.
- A new token carries 256 random bits in unpadded URL-safe base64.
- A name's flood-control hash is the keyed HMAC of the name (never the name itself): 128 bits in
  hex, different per name and per secret key.
"""

from __future__ import annotations

import base64
import ipaddress
import math
import re
from typing import Any

import pytest
from flask import Flask

from reporter import crypto
from reporter.crypto import kdf
from reporter.crypto.aead import NONCE_BYTES, decrypt_text, encrypt_record, encrypt_text
from reporter.crypto.errors import DecryptionFailed
from reporter.crypto.padding import RECORD_FLOOR, TEXT_FLOOR, pad_text, padme_length, unpad_text
from reporter.crypto.recovery import new_token
from reporter.flood import FloodControl, flood_control
from reporter.settings import Settings

TAG_BYTES = 16  # Poly1305
FRAME_BYTES = 5  # marker byte + four length bytes
AD = b"statistics|case-1"


# Records ----------------------------------------------------------------------------------------


def test_small_records_are_all_sealed_to_the_record_floor() -> None:
    key = crypto.new_key()
    records = [b"", b"{}", b'{"country":"BR","types":["police"]}', b"r" * (RECORD_FLOOR - 5)]
    for record in records:
        sealed = encrypt_record(key, record, AD)
        assert len(sealed) == NONCE_BYTES + RECORD_FLOOR + TAG_BYTES
        assert decrypt_text(key, sealed, AD) == record
    # Far smaller than a text, which is padded to the text floor.
    assert len(encrypt_text(key, b"{}", AD)) == NONCE_BYTES + TEXT_FLOOR + TAG_BYTES
    assert RECORD_FLOOR < TEXT_FLOOR


def test_a_record_above_the_floor_is_sealed_to_its_padme_bucket() -> None:
    key = crypto.new_key()
    record = b"x" * 700
    sealed = encrypt_record(key, record, AD)
    bucket = padme_length(len(record) + FRAME_BYTES)
    assert RECORD_FLOOR < bucket < TEXT_FLOOR
    assert len(sealed) == NONCE_BYTES + bucket + TAG_BYTES
    assert decrypt_text(key, sealed, AD) == record


# Unpadding --------------------------------------------------------------------------------------


def _frame(text: bytes, length: int | None = None) -> bytes:
    return b"\x00" + (len(text) if length is None else length).to_bytes(4, "big") + text


@pytest.mark.parametrize(
    ("text", "floor"),
    [
        (b"r" * (RECORD_FLOOR - FRAME_BYTES), RECORD_FLOOR),
        (b"t" * (TEXT_FLOOR - FRAME_BYTES), TEXT_FLOOR),
        (b"s" * (2048 - FRAME_BYTES), TEXT_FLOOR),
    ],
)
def test_a_text_that_fills_its_bucket_exactly_comes_back(text: bytes, floor: int) -> None:
    padded = pad_text(text, floor)
    assert padded == _frame(text)  # no zeros after it: the frame is the whole bucket
    assert unpad_text(padded) == text
    key = crypto.new_key()
    assert decrypt_text(key, crypto.encrypt(key, padded, AD), AD) == text


def test_a_text_ending_in_zeros_keeps_them() -> None:
    text = b"ends in zeros\x00\x00"
    assert unpad_text(pad_text(text)) == text


def test_a_length_that_overruns_the_padded_text_is_refused() -> None:
    padded = pad_text(b"hello")
    damaged = padded[:1] + (len(padded)).to_bytes(4, "big") + padded[5:]
    with pytest.raises(DecryptionFailed):
        unpad_text(damaged)
    with pytest.raises(DecryptionFailed):
        unpad_text(_frame(b"short", length=6))


def test_bytes_other_than_zeros_after_the_text_are_refused() -> None:
    padded = pad_text(b"hello")
    for position in (FRAME_BYTES + 5, len(padded) - 1):
        damaged = padded[:position] + b"\x01" + padded[position + 1 :]
        with pytest.raises(DecryptionFailed):
            unpad_text(damaged)


# Tokens -----------------------------------------------------------------------------------------


def test_a_new_token_is_256_random_bits_in_urlsafe_base64() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32


# Name hashes ------------------------------------------------------------------------------------


def _name_hashes(app: Flask, *names: str) -> list[str]:
    with app.app_context():
        return [flood_control().name_hash(name) for name in names]


def test_a_name_hash_is_128_bits_of_hex_and_never_the_name(app: Flask) -> None:
    names = ["moderator", "deadbeef", "José", ""]
    hashes = _name_hashes(app, *names)
    assert len(set(hashes)) == len(names)
    for name, hashed in zip(names, hashes, strict=True):
        assert re.fullmatch(r"[0-9a-f]{32}", hashed)
        if name:
            assert name not in hashed
    assert _name_hashes(app, *names) == hashes  # stable: the same name meets the same counter


def test_a_name_hash_is_the_keyed_hmac_of_the_name(app_factory: Any) -> None:
    secret = "s" * 48
    app: Flask = app_factory(secret_key=secret)
    key = crypto.derive_subkey(secret.encode("utf-8"), b"flood-client")
    for name in ("moderator", "José"):
        expected = crypto.mac(key, b"name|" + name.encode("utf-8")).hex()[:32]
        assert _name_hashes(app, name) == [expected]


def test_a_name_hash_depends_on_the_secret_key(app_factory: Any) -> None:
    first: Flask = app_factory(secret_key="a" * 48)
    second: Flask = app_factory(secret_key="b" * 48)
    assert _name_hashes(first, "moderator") != _name_hashes(second, "moderator")


# The AEAD's edges ---------------------------------------------------------------------------------


def test_an_empty_plaintext_is_sealed_and_opened() -> None:
    """The shortest ciphertext there is: a nonce and a tag, nothing else."""
    key = crypto.new_key()
    sealed = crypto.encrypt(key, b"", b"context")
    assert len(sealed) == NONCE_BYTES + 16
    assert crypto.decrypt(key, sealed, b"context") == b""


@pytest.mark.parametrize("size", [0, 1, 5, NONCE_BYTES, NONCE_BYTES + 15])
def test_a_ciphertext_too_short_to_hold_a_nonce_and_tag_says_so(size: int) -> None:
    with pytest.raises(DecryptionFailed) as refused:
        crypto.decrypt(crypto.new_key(), b"\x01" * size, b"context")
    assert str(refused.value) == "ciphertext too short"


def test_a_ciphertext_that_fails_authentication_says_so() -> None:
    key = crypto.new_key()
    sealed = crypto.encrypt(key, b"secret", b"context")
    with pytest.raises(DecryptionFailed) as refused:
        crypto.decrypt(key, sealed, b"another context")
    assert str(refused.value) == "authentication failed"


# Padmé, pinned -------------------------------------------------------------------------------------


def _padme(length: int) -> int:
    """Padmé as its paper defines it: E = floor(log2 L), S = floor(log2 E) + 1, the lowest
    E - S bits of L cleared, rounding up."""
    if length < 2:
        return length
    exponent = math.floor(math.log2(length))
    size_bits = math.floor(math.log2(exponent)) + 1 if exponent else 0
    step = 2 ** (exponent - size_bits)
    return -(-length // step) * step


@pytest.mark.parametrize("length", [*range(0, 70), 255, 256, 257, 300, 1000, 1025, 70_000, 10**7])
def test_the_padme_bucket_of_a_length_is_the_papers(length: int) -> None:
    assert padme_length(length) == _padme(length)
    assert padme_length(length) >= length


def test_known_padme_buckets() -> None:
    assert [padme_length(n) for n in (0, 1, 2, 3, 9, 300, 1000, 70_000)] == [
        0,
        1,
        2,
        3,
        10,
        304,
        1024,
        71_680,
    ]


def test_padding_bytes_other_than_zero_are_refused_whatever_they_are() -> None:
    padded = pad_text(b"hello")
    for other in (b"X", b"\xff", b" "):
        damaged = padded[:-1] + other
        with pytest.raises(DecryptionFailed) as refused:
            unpad_text(damaged)
        assert str(refused.value) == "padding is damaged"


# Sealed keys --------------------------------------------------------------------------------------


def test_a_sealed_key_too_short_for_its_ephemeral_key_says_so() -> None:
    private = crypto.generate_keypair().private_key
    with pytest.raises(DecryptionFailed) as refused:
        crypto.unseal(private, b"\x09" * 31, b"context")
    assert str(refused.value) == "sealed key too short"
    # 32 bytes hold the ephemeral key; what follows is then too short to be a ciphertext.
    ephemeral = crypto.generate_keypair().public_key
    with pytest.raises(DecryptionFailed) as refused:
        crypto.unseal(private, ephemeral, b"context")
    assert str(refused.value) == "ciphertext too short"


def test_a_sealed_key_with_an_impossible_ephemeral_key_says_so() -> None:
    """An all-zero X25519 public key gives an all-zero shared secret, which is refused."""
    private = crypto.generate_keypair().private_key
    with pytest.raises(DecryptionFailed) as refused:
        crypto.unseal(private, b"\x00" * 32 + b"\x01" * 40, b"context")
    assert str(refused.value) == "invalid ephemeral key"


# Client buckets and waits -----------------------------------------------------------------------


def test_a_client_bucket_is_the_keyed_hmac_of_its_packed_address(app_factory: Any) -> None:
    secret = "c" * 48
    app: Flask = app_factory(secret_key=secret)
    key = crypto.derive_subkey(secret.encode("utf-8"), b"flood-client")
    with app.app_context():
        for address in ("203.0.113.5", "2001:db8::7"):
            expected = crypto.mac(key, b"client|" + ipaddress.ip_address(address).packed)
            assert flood_control().client(address, None) == expected.hex()[:32]


def test_a_refusal_says_how_long_until_the_window_ends(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reporter.flood

    with app.app_context():
        control = flood_control()
        window_ends = 1_000_000.0
        monkeypatch.setattr(control.strategy, "test", lambda *_args: False)
        monkeypatch.setattr(control.strategy, "get_window_stats", lambda *_a: (window_ends, 0))
        clock = type("Clock", (), {"time": staticmethod(lambda: window_ends - 41.5)})
        monkeypatch.setattr(reporter.flood, "time", clock)
        verdict = control.spend("submit", control.client("203.0.113.5", None))
    # 41.5 seconds left: asked to wait 42, never less than what is left.
    assert not verdict.allowed and verdict.retry_after_seconds == 42


# A sealed key written by an earlier release --------------------------------------------------------

# Sealed by this release to the keypair whose private half is bytes 1..32, with the associated data
# b"reporter/test-vector": every org key slot in every database is made this way, so any change to
# the key agreement or its key derivation (HKDF, its info string, the public keys bound into it)
# would lock them all away.
SEALED_VECTOR = bytes.fromhex(
    "cdcd176699b738c8e658eb9fd13fee40e2c9ac2b627b28b05032e301c8ef1612dc4648a00f3e933667bea9bf"
    "5ed1f4133de054f1d797eeb36c5a56f8baac774f737ef67adc9e156b02303acf705bd2db4d7e2c4646dafa88"
    "860d84ee"
)


def test_a_key_sealed_by_an_earlier_release_still_opens() -> None:
    private = bytes(range(1, 33))
    assert crypto.unseal(private, SEALED_VECTOR, b"reporter/test-vector") == b"\x22" * 32
    with pytest.raises(DecryptionFailed):
        crypto.unseal(private, SEALED_VECTOR, b"reporter/other")


def test_a_salt_is_16_random_bytes() -> None:
    assert len(kdf.new_salt()) == kdf.SALT_BYTES == 16
    assert kdf.new_salt() != kdf.new_salt()


@pytest.mark.parametrize(
    "text", ["1234", "1234 5678 9012 345x", "１２３４５６７８９０１２３４５６"]
)
def test_a_receipt_of_the_wrong_shape_is_refused_with_its_reason(text: str) -> None:
    with pytest.raises(kdf.InvalidReceiptFormat, match=r"^a receipt is 16 digits$"):
        kdf.normalise_receipt(text)


def test_an_asynchronous_rate_limit_storage_is_refused_by_name() -> None:
    """The counters are read from synchronous views: an asyncio storage would never count."""
    with pytest.raises(ValueError, match=r"^ratelimit_storage_url names an asynchronous storage$"):
        FloodControl(Settings(ratelimit_storage_url="async+memory://"))


@pytest.mark.parametrize("draft", ["", "ab" * 15, "AB" * 16, "zz" * 16])
def test_a_draft_id_of_the_wrong_shape_is_refused_by_name(draft: str) -> None:
    with pytest.raises(kdf.InvalidReceiptFormat, match=r"^not a draft$"):
        kdf.receipt_for_draft(b"k" * 32, draft)
