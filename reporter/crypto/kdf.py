"""Memory-hard derivations (Argon2id) for receipts and staff passwords."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from reporter.crypto.aead import derive_subkey, mac
from reporter.crypto.errors import InvalidReceiptFormat

RECEIPT_DIGITS = 16
SALT_BYTES = 16


@dataclass(frozen=True)
class Cost:
    time_cost: int
    memory_kib: int
    parallelism: int = 1


@dataclass(frozen=True)
class ReceiptKeys:
    """What one receipt derives: the lookup id stored with the report, and the reporter's key."""

    lookup_id: bytes
    reporter_key: bytes


@dataclass(frozen=True)
class PasswordKeys:
    """A staff password derives a login verifier and, separately, a key-wrapping key."""

    verifier: bytes
    wrapping_key: bytes


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def new_receipt() -> str:
    """Sixteen random digits: language-neutral and easy to write down."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def format_receipt(receipt: str) -> str:
    """Group a receipt in fours for reading aloud and writing down."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalise_receipt(text: str) -> str:
    """Accept spaces, dashes and dots between digits; anything else is not a receipt."""
    digits = "".join(ch for ch in text if ch not in " -.\t")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        raise InvalidReceiptFormat("a receipt is 16 digits")
    return digits


# Receipt derivations run in a few threads of their own, at a lower CPU priority (nice +10): a
# flood of reports or of receipt guesses then takes the CPU only when staff pages and the
# reporters' other pages do not need it, and no more derivations run at once than there are
# threads (each uses 64 MiB; more at once only wait for memory). Remade after a fork.
RECEIPT_NICENESS = 10
_receipt_threads = 1
_receipt_pool: tuple[int, ThreadPoolExecutor] | None = None
_receipt_pool_lock = threading.Lock()


def set_receipt_threads(threads: int) -> None:
    """How many receipt derivations one process runs at a time (the app's settings say)."""
    global _receipt_threads, _receipt_pool
    with _receipt_pool_lock:
        if threads != _receipt_threads:
            _receipt_threads = max(1, threads)
            _receipt_pool = None


def _lower_priority() -> None:
    # Where it is not allowed, the derivation runs at the usual priority.
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + RECEIPT_NICENESS))


def _receipt_executor() -> ThreadPoolExecutor:
    global _receipt_pool
    with _receipt_pool_lock:
        if _receipt_pool is None or _receipt_pool[0] != os.getpid():
            executor = ThreadPoolExecutor(
                max_workers=_receipt_threads,
                thread_name_prefix="receipt-derivation",
                initializer=_lower_priority,
            )
            _receipt_pool = (os.getpid(), executor)
        return _receipt_pool[1]


def _argon2(secret: bytes, salt: bytes, cost: Cost, length: int) -> bytes:
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=length,
        type=Type.ID,
    )


def derive_receipt_keys(receipt: str, salt: bytes, pepper: bytes, cost: Cost) -> ReceiptKeys:
    """One Argon2id run over the peppered receipt yields the lookup id and the reporter key."""
    peppered = hmac.new(pepper, normalise_receipt(receipt).encode("ascii"), hashlib.sha256).digest()
    output = _receipt_executor().submit(_argon2, peppered, salt, cost, 64).result()
    return ReceiptKeys(lookup_id=output[:32], reporter_key=output[32:])


def derive_password_keys(password: str, salt: bytes, cost: Cost) -> PasswordKeys:
    """Derive the verifier and the wrapping key from independent halves of one Argon2id output."""
    output = _argon2(password.encode("utf-8"), salt, cost, 64)
    verifier = hashlib.sha256(b"reporter/verifier/v1" + output[:32]).digest()
    return PasswordKeys(verifier=verifier, wrapping_key=output[32:])


def verifier_matches(expected: bytes, candidate: bytes) -> bool:
    return hmac.compare_digest(expected, candidate)


DRAFT_BYTES = 16


def new_draft() -> str:
    """A random name for one report being written, carried in its pages until it is sent."""
    return secrets.token_hex(DRAFT_BYTES)


def receipt_for_draft(secret: bytes, draft: str) -> str:
    """The receipt a report will be sent under, fixed from its first page: every copy of the
    check-answers page (Back, a repeated post on a slow circuit) shows the same one, and a
    second "Send report" is recognised. Nobody can choose it: it is keyed by the server secret.
    """
    if len(draft) != 2 * DRAFT_BYTES or any(ch not in "0123456789abcdef" for ch in draft):
        raise InvalidReceiptFormat("not a draft")
    key = derive_subkey(secret, b"receipt-for-draft")
    number = int.from_bytes(mac(key, b"reporter/draft-receipt/v1|" + draft.encode("ascii")), "big")
    return f"{number % 10**RECEIPT_DIGITS:0{RECEIPT_DIGITS}d}"


def sent_draft_tag(secret: bytes, draft: str) -> bytes:
    """The mark stored once a draft's report is sent (a keyed hash: the id itself is never kept)."""
    return mac(derive_subkey(secret, b"sent-draft"), b"reporter/sent-draft/v1|" + draft.encode())
