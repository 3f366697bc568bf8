"""The organisation keys a logged-in staff member holds, by version.

Cases sealed before a key rotation finished carry the old version: each is opened with the key of
its own version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter import crypto
from reporter.orgs.models import Organisation
from reporter.orgs.service import index_key_associated_data
from reporter.reports.models import Case


class KeyMissing(Exception):
    """The session holds no key of the needed version (log in again after a rotation)."""


@dataclass(frozen=True)
class Keyring:
    """The organisation's private keys (`keys`) and advocacy keys, each by version."""

    organisation: Organisation
    keys: dict[int, bytes]
    advocacy_keys: dict[int, bytes] = field(default_factory=dict)

    def for_version(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError as exc:
            raise KeyMissing(str(version)) from exc

    def for_case(self, case: Case) -> bytes:
        return self.for_version(case.key_version)

    @property
    def advocacy_key(self) -> tuple[int, bytes]:
        """The current advocacy key and its version: what new statistics are encrypted under."""
        version = self.organisation.advocacy_key_version
        try:
            return version, self.advocacy_keys[version]
        except KeyError as exc:
            raise KeyMissing(f"advocacy {version}") from exc

    @property
    def index_key(self) -> bytes:
        organisation = self.organisation
        version = organisation.key_version
        return crypto.unseal(
            self.for_version(version),
            organisation.index_key_sealed,
            index_key_associated_data(organisation.id, version),
        )
