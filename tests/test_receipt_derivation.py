"""Receipts and passphrases: a receipt is accepted however it is typed and refused when it is not
one; the Argon2id derivations run with exactly the configured cost; every draft has its own
receipt; and what earlier releases derived is derived the same way now."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from argon2.low_level import Type, hash_secret_raw

from reporter import crypto

COSTS = [crypto.Cost(1, 1024), crypto.Cost(2, 2048), crypto.Cost(1, 4096, parallelism=2)]
SALT = bytes(range(16))

# Known answers, made by an earlier release with KNOWN_COST: a receipt written down then must
# find the same report now, a passphrase chosen then must still log in, and a report being
# written while the site is upgraded keeps the receipt its check page showed and is still
# recognised once sent.
KNOWN_COST = crypto.Cost(2, 2048, parallelism=2)
KNOWN_PASSPHRASE = "correct horse battery staple orbit ☂"
KNOWN_VERIFIER = "26fedfd146f2d92838f9df32863f77e9557346d7dadedb918a17b225f77a3fb3"
KNOWN_WRAPPING_KEY = "42acd4fe02e00b1d314a72e7f036e34d92d06ebd141a793b3223da159604dd8c"
KNOWN_RECEIPT = "0042 1234 5678 9999"
KNOWN_PEPPER = b"known pepper"
KNOWN_LOOKUP_ID = "db8e93f589a5606fdf6273891d229bd96376dfd114c1c46f3659a098d7d67fb8"
KNOWN_REPORTER_KEY = "7a76c6e6178728c3322983f65b11b4a1334a8ec81c237321fa7329fb4be18239"
KNOWN_SECRET = b"known server secret"
KNOWN_DRAFT = "0123456789abcdef0123456789abcdef"
KNOWN_DRAFT_RECEIPT = "2449049916868800"
KNOWN_SENT_TAG = "868ee94882817234ff6b89e0d223d7741a71ca234a103f01fbc0821bfb183573"


def _argon2id(secret: bytes, cost: crypto.Cost) -> bytes:
    return hash_secret_raw(
        secret=secret,
        salt=SALT,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=64,
        type=Type.ID,
    )


@pytest.mark.parametrize(
    "typed",
    [
        "1234567890123456",
        "1234 5678 9012 3456",
        "1234-5678-9012-3456",
        "1234.5678.9012.3456",
        "1234\t5678\t9012\t3456",
        "  1234 - 5678 . 9012\t3456  ",
        "12-34 56.78 90-12 34.56",
    ],
)
def test_a_receipt_is_accepted_however_it_is_typed(typed: str) -> None:
    """Spaces, dashes, dots and tabs between the digits, as a person copies a receipt out, all
    stand for the same sixteen digits."""
    assert crypto.normalise_receipt(typed) == "1234567890123456"


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        " - . ",
        "123456789012345",  # a digit left out
        "12345678901234567",  # a digit too many
        "1234 5678 9012 345",
        "1234 5678 9012 345a",
        "12345678X90123456",  # a stray letter among sixteen digits
        "1234_5678_9012_3456",
        "1234/5678/9012/3456",
        "1234567890123456\n0",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦",  # sixteen Arabic-Indic digits
        "１２３４５６７８９０１２３４５６",  # sixteen full-width digits
        "123456789012345²",
    ],
)
def test_anything_but_sixteen_ascii_digits_is_not_a_receipt(malformed: str) -> None:
    """A receipt with a digit too few or too many, a letter or another separator, or digits of
    another script, is refused as malformed, never looked up."""
    with pytest.raises(crypto.InvalidReceiptFormat):
        crypto.normalise_receipt(malformed)
    with pytest.raises(crypto.InvalidReceiptFormat):
        crypto.derive_receipt_keys(malformed, SALT, KNOWN_PEPPER, COSTS[0])


@pytest.mark.parametrize(
    "cost", COSTS, ids=lambda c: f"t{c.time_cost}-m{c.memory_kib}-p{c.parallelism}"
)
def test_receipt_keys_are_argon2id_with_the_configured_cost(cost: crypto.Cost) -> None:
    """The lookup id and the reporter's key are the two halves of one Argon2id run over the
    peppered receipt, with the time, memory and parallelism configured, however it was typed."""
    peppered = hmac.new(KNOWN_PEPPER, b"1234567890123456", hashlib.sha256).digest()
    output = _argon2id(peppered, cost)
    for typed in ("1234567890123456", "1234 5678-9012.3456"):
        keys = crypto.derive_receipt_keys(typed, SALT, KNOWN_PEPPER, cost)
        assert keys.lookup_id == output[:32]
        assert keys.reporter_key == output[32:]


@pytest.mark.parametrize(
    "cost", COSTS, ids=lambda c: f"t{c.time_cost}-m{c.memory_kib}-p{c.parallelism}"
)
def test_the_passphrase_wrapping_key_is_argon2id_with_the_configured_cost(
    cost: crypto.Cost,
) -> None:
    """The key that wraps a member's keys is Argon2id over the passphrase (UTF-8) with the time,
    memory and parallelism configured; the verifier is neither half of that output."""
    output = _argon2id(KNOWN_PASSPHRASE.encode("utf-8"), cost)
    keys = crypto.derive_password_keys(KNOWN_PASSPHRASE, SALT, cost)
    assert keys.wrapping_key == output[32:]
    assert keys.verifier not in (output[:32], output[32:])
    assert len(keys.verifier) == 32


def test_what_an_earlier_release_derived_is_derived_the_same_now() -> None:
    """A receipt written down, a passphrase chosen, and a report being written before an upgrade
    keep working after it: the same lookup id and key, the same verifier and wrapping key, the
    same receipt for the draft and the same mark once it is sent."""
    receipt_keys = crypto.derive_receipt_keys(KNOWN_RECEIPT, SALT, KNOWN_PEPPER, KNOWN_COST)
    assert receipt_keys.lookup_id.hex() == KNOWN_LOOKUP_ID
    assert receipt_keys.reporter_key.hex() == KNOWN_REPORTER_KEY
    password_keys = crypto.derive_password_keys(KNOWN_PASSPHRASE, SALT, KNOWN_COST)
    assert password_keys.verifier.hex() == KNOWN_VERIFIER
    assert password_keys.wrapping_key.hex() == KNOWN_WRAPPING_KEY
    assert crypto.receipt_for_draft(KNOWN_SECRET, KNOWN_DRAFT) == KNOWN_DRAFT_RECEIPT
    assert crypto.sent_draft_tag(KNOWN_SECRET, KNOWN_DRAFT).hex() == KNOWN_SENT_TAG


def test_every_new_draft_has_a_receipt_of_its_own() -> None:
    """Each new draft gets a receipt: sixteen digits (leading zeros kept), one a reporter can
    type back, the same on every copy of the page, and never shared by two drafts."""
    drafts = [crypto.new_draft() for _ in range(2000)]
    assert len(set(drafts)) == len(drafts)
    receipts = [crypto.receipt_for_draft(KNOWN_SECRET, draft) for draft in drafts]
    for draft, receipt in zip(drafts, receipts, strict=True):
        assert len(receipt) == 16 and receipt.isascii() and receipt.isdigit(), receipt
        assert crypto.normalise_receipt(crypto.format_receipt(receipt)) == receipt
        assert crypto.receipt_for_draft(KNOWN_SECRET, draft) == receipt
    assert len(set(receipts)) == len(receipts)
    assert any(receipt.startswith("0") for receipt in receipts)


def test_a_drafts_receipt_and_sent_mark_are_keyed_by_the_server_secret() -> None:
    """Another server secret gives another receipt and another sent mark: nobody without the
    secret can choose or predict them, and two drafts never share a sent mark."""
    other = crypto.new_draft()
    assert crypto.receipt_for_draft(b"another secret", KNOWN_DRAFT) != KNOWN_DRAFT_RECEIPT
    tag = crypto.sent_draft_tag(KNOWN_SECRET, KNOWN_DRAFT)
    assert crypto.sent_draft_tag(b"another secret", KNOWN_DRAFT) != tag
    assert crypto.sent_draft_tag(KNOWN_SECRET, other) != tag
    assert crypto.sent_draft_tag(KNOWN_SECRET, KNOWN_DRAFT) == tag


@pytest.mark.parametrize(
    "draft",
    [
        "",
        KNOWN_DRAFT[:-1],  # a character short
        KNOWN_DRAFT + "0",  # a character too many
        KNOWN_DRAFT[:16],  # half of one
        KNOWN_DRAFT.upper(),
        "g" * 32,
        "X" * 32,
        KNOWN_DRAFT[:-1] + "X",
        KNOWN_DRAFT[:-1] + " ",
        "0123456789abcdef" * 4,  # a 64-character id
    ],
)
def test_a_mangled_draft_id_is_not_a_draft(draft: str) -> None:
    """A draft id that is not exactly what the server issues (32 lowercase hex characters) has
    no receipt: the report pages start a new draft instead."""
    with pytest.raises(crypto.InvalidReceiptFormat):
        crypto.receipt_for_draft(KNOWN_SECRET, draft)


def test_receipt_derivations_run_at_a_lower_priority_one_at_a_time() -> None:
    """A flood of receipts must not take the CPU from staff pages: derivations run in their own
    threads at nice +10, no more at once than the setting says (and the caller's thread keeps its
    priority)."""
    import os
    import threading
    import time

    from reporter.crypto import kdf

    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = priority()
    kdf.set_receipt_threads(1)
    try:
        assert kdf._receipt_executor().submit(priority).result() == min(
            19, mine + kdf.RECEIPT_NICENESS
        )
        running = []
        peak = []
        lock = threading.Lock()

        def slow() -> None:
            with lock:
                running.append(1)
                peak.append(len(running))
            time.sleep(0.05)
            with lock:
                running.pop()

        futures = [kdf._receipt_executor().submit(slow) for _ in range(4)]
        for future in futures:
            future.result()
        assert max(peak) == 1
        kdf.set_receipt_threads(2)
        futures = [kdf._receipt_executor().submit(slow) for _ in range(4)]
        for future in futures:
            future.result()
        assert max(peak) == 2
    finally:
        kdf.set_receipt_threads(1)
    assert priority() == mine
