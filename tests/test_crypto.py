"""The crypto package: sealing, wrapping, receipts, chunked streams; tampering is detected."""

from __future__ import annotations

import pytest

from reporter import crypto

FAST = crypto.Cost(time_cost=1, memory_kib=1024)


def test_sealed_key_opens_only_with_the_right_private_key_and_context() -> None:
    alice, bob = crypto.generate_keypair(), crypto.generate_keypair()
    key = crypto.new_key()
    sealed = crypto.seal(alice.public_key, key, b"report-1")
    assert crypto.unseal(alice.private_key, sealed, b"report-1") == key
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(bob.private_key, sealed, b"report-1")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(alice.private_key, sealed, b"report-2")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(alice.private_key, tampered, b"report-1")
    assert (
        crypto.seal(alice.public_key, key, b"report-1") != sealed
    )  # fresh ephemeral key each time


def test_receipts_are_sixteen_digits_and_normalise() -> None:
    receipts = {crypto.new_receipt() for _ in range(200)}
    assert len(receipts) == 200
    assert all(len(r) == 16 and r.isdigit() for r in receipts)
    assert crypto.format_receipt("1234567812345678") == "1234 5678 1234 5678"
    assert crypto.normalise_receipt(" 1234-5678.1234 5678 ") == "1234567812345678"
    for bad in ("123", "12345678123456789", "abcdabcdabcdabcd", "１２３４５６７８１２３４５６７８"):
        with pytest.raises(crypto.InvalidReceiptFormat):
            crypto.normalise_receipt(bad)


def test_receipt_derivation_depends_on_receipt_salt_and_pepper() -> None:
    salt, pepper = crypto.new_salt(), b"pepper"
    keys = crypto.derive_receipt_keys("1234567812345678", salt, pepper, FAST)
    assert keys == crypto.derive_receipt_keys("1234 5678 1234 5678", salt, pepper, FAST)
    assert keys.lookup_id != keys.reporter_key
    assert keys != crypto.derive_receipt_keys("1234567812345679", salt, pepper, FAST)
    assert keys != crypto.derive_receipt_keys("1234567812345678", crypto.new_salt(), pepper, FAST)
    assert keys != crypto.derive_receipt_keys("1234567812345678", salt, b"other", FAST)


def test_password_keys_separate_verifier_from_wrapping_key() -> None:
    salt = crypto.new_salt()
    keys = crypto.derive_password_keys("correct horse battery staple", salt, FAST)
    assert keys.verifier != keys.wrapping_key
    again = crypto.derive_password_keys("correct horse battery staple", salt, FAST)
    assert crypto.verifier_matches(keys.verifier, again.verifier)
    assert not crypto.verifier_matches(
        keys.verifier, crypto.derive_password_keys("wrong", salt, FAST).verifier
    )


def test_recovery_key_round_trip_and_format() -> None:
    recovery = crypto.new_recovery_key()
    assert len(recovery.replace("-", "")) == 48
    keypair = crypto.recovery_keypair(recovery)
    assert keypair == crypto.recovery_keypair(recovery.lower().replace("-", " "))
    assert crypto.public_key_of(keypair.private_key) == keypair.public_key
    assert keypair != crypto.recovery_keypair(crypto.new_recovery_key())
    with pytest.raises(crypto.InvalidRecoveryKeyFormat):
        crypto.recovery_keypair("not-a-key")


def test_chunk_stream_detects_reorder_truncation_and_swaps() -> None:
    key, other_key = crypto.new_key(), crypto.new_key()
    data = bytes(range(256)) * 700  # three chunks
    chunks = list(crypto.encrypt_chunks(key, b"a" * 16, data))
    assert len(chunks) == 3
    assert b"".join(crypto.decrypt_chunks(key, b"a" * 16, chunks, 3)) == data
    for broken, count in (([chunks[1], chunks[0], chunks[2]], 3), (chunks[:2], 3), (chunks[:2], 2)):
        with pytest.raises(crypto.DecryptionFailed):
            b"".join(crypto.decrypt_chunks(key, b"a" * 16, broken, count))
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(crypto.decrypt_chunks(key, b"b" * 16, chunks, 3))
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(crypto.decrypt_chunks(other_key, b"a" * 16, chunks, 3))
    assert list(crypto.encrypt_chunks(key, b"a" * 16, b"")) != []
