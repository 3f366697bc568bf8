"""The organisation keys a logged-in staff member holds, by version.

Cases sealed before a key rotation finished carry the old version: each is opened with the key of
its own version.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporter import crypto
from reporter.orgs.models import Organisation
from reporter.orgs.service import index_key_associated_data
from reporter.reports.models import Case


class KeyMissing(Exception):
    """The session holds no key of the needed version (log in again after a rotation)."""


@dataclass(frozen=True)
class Keyring:
    organisation: Organisation
    keys: dict[int, bytes]

    def for_version(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError as exc:
            raise KeyMissing(str(version)) from exc

    def for_case(self, case: Case) -> bytes:
        return self.for_version(case.key_version)

    @property
    def index_key(self) -> bytes:
        organisation = self.organisation
        version = organisation.key_version
        return crypto.unseal(
            self.for_version(version),
            organisation.index_key_sealed,
            index_key_associated_data(organisation.id, version),
        )
