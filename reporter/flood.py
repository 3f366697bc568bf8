"""Flood control that never locks honest people out.

Rules (see docs/security.md, "Flood control"):
- A request is counted only after its CSRF token and its form were found well formed: a junk post is
  refused before it touches anyone's budget.
- A client is a keyed hash of its address: the connecting address, or, when the connection comes
  from a trusted proxy (`trusted_proxies`), the address that proxy forwards. The hash is only ever a
  counter key that expires with its window; the address is read here and nowhere else.
- A visitor whose address cannot be told apart from others' (the onion service, where everyone
  arrives from this machine; a trusted proxy that forwards no address) has no per-address bucket:
  it counts against a site-wide capacity for such visitors, sized for real traffic. One flooder
  over Tor can then spend that capacity, never the clear web's per-address budgets, and the
  onion's proof-of-work defence makes the flood expensive.
- Windows are fixed and last as long as they say: a limit "per day" lasts a day.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Literal

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from reporter import crypto
from reporter.security import TrustedProxies
from reporter.settings import Settings

_EXTENSION = "reporter.flood"
ANONYMOUS = "anonymous"

Scope = Literal["submit", "receipt", "login"]


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on; if not, how long until the fullest window opens again."""

    allowed: bool
    retry_after_seconds: int = 0

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


class FloodControl:
    """Counters in memory (one process) or Redis (shared by every worker and server)."""

    def __init__(self, settings: Settings) -> None:
        storage = storage_from_string(settings.ratelimit_storage_url)
        if not isinstance(storage, Storage):
            raise ValueError("ratelimit_storage_url names an asynchronous storage")
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._client_key = crypto.derive_subkey(
            settings.secret_key.encode("utf-8"), b"flood-client"
        )
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self._per_client = {
            "submit": parse_many(settings.submit_rate_limit),
            "receipt": parse_many(settings.receipt_rate_limit),
            "login": parse_many(settings.login_rate_limit),
        }
        self._anonymous = {
            "submit": parse_many(settings.anonymous_submit_capacity),
            "receipt": parse_many(settings.anonymous_receipt_capacity),
            "login": parse_many(settings.anonymous_login_capacity),
        }
        self._login_failures = parse_many(settings.login_failure_limit)

    # Who is asking -----------------------------------------------------------------------------

    def client(self, remote_addr: str | None, forwarded_for: str | None) -> str:
        """The client's bucket name: a keyed hash of its address, or ANONYMOUS."""
        address = self.proxies.client_address(remote_addr, forwarded_for)
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return ANONYMOUS
        if parsed.is_loopback:
            # The onion service (or an unlisted proxy on this machine): everyone looks alike.
            return ANONYMOUS
        return crypto.mac(self._client_key, b"client|" + parsed.packed).hex()[:32]

    def name_hash(self, name: str) -> str:
        """A keyed hash of a typed name: counters never hold what someone typed."""
        return crypto.mac(self._client_key, b"name|" + name.encode("utf-8")).hex()[:32]

    # Counting ----------------------------------------------------------------------------------

    def _verdict(self, limits: list[RateLimitItem], *identifiers: str) -> Verdict:
        waits = []
        for item in limits:
            if not self.strategy.test(item, *identifiers):
                reset_at, _remaining = self.strategy.get_window_stats(item, *identifiers)
                waits.append(int(reset_at - time.time()) + 1)
        return Verdict(False, max(waits)) if waits else Verdict(True)

    def spend(self, scope: Scope, client: str) -> Verdict:
        """Count one well-formed request of this scope, unless a window is already full."""
        limits = (self._anonymous if client == ANONYMOUS else self._per_client)[scope]
        verdict = self._verdict(limits, scope, client)
        if verdict.allowed:
            for item in limits:
                self.strategy.hit(item, scope, client)
        return verdict

    def login_backoff(self, username: str, client: str) -> Verdict:
        """Whether this name may be tried from this client now (failures are counted apart)."""
        return self._verdict(
            self._login_failures, "login-failure", self.name_hash(username), client
        )

    def login_failed(self, username: str, client: str) -> None:
        for item in self._login_failures:
            self.strategy.hit(item, "login-failure", self.name_hash(username), client)

    def login_succeeded(self, username: str, client: str) -> None:
        for item in self._login_failures:
            self.strategy.clear(item, "login-failure", self.name_hash(username), client)

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.storage.reset()


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[_EXTENSION] = FloodControl(settings)


def flood_control() -> FloodControl:
    control: FloodControl = current_app.extensions[_EXTENSION]
    return control


def current_client() -> str:
    """The bucket of the client making the current request."""
    return flood_control().client(request.remote_addr, request.headers.get("X-Forwarded-For"))


def spend(scope: Scope) -> Verdict:
    """Count the current, well-formed request against its scope's limits."""
    return flood_control().spend(scope, current_client())
