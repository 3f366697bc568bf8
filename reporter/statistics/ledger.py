"""The ledger of what each organisation has published, so that no two exports together reveal
what each hides.

Every export that leaves the platform (a file downloaded, a brief opened to print, an export on
the command line) is remembered: its scope and the cells it hid, encrypted under the
organisation's advocacy key (`StatisticsRelease`), with nothing in the clear but the
organisation. A new export, and the statistics page that previews it, is then protected
together with every remembered export of overlapping scope: those are counted again from today's
data, and the disclosure control audits all of them over the pieces they share
(`disclosure.protect` with `Earlier` exports), so that subtracting January to June from January
to July does not reveal July. An export identical to one remembered (same scope, same hidden
cells) is not remembered twice.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.crypto import contexts
from reporter.orgs.models import Organisation
from reporter.statistics.cells import CellArrays
from reporter.statistics.disclosure import Earlier, Protected, protect
from reporter.statistics.models import StatisticsRelease
from reporter.statistics.service import opened_cells
from reporter.statistics.tables import Scope, atoms, build_many, regions_apart


@dataclass(frozen=True)
class Release:
    """A remembered export: what it covered, the cells it hid (table name, row, column), its
    threshold, the day it was made and the regions it showed apart from their country (none
    before the region table)."""

    scope: Scope
    hidden: frozenset[tuple[str, str, str]]
    threshold: int
    made_on: dt.date
    regions: frozenset[str] = frozenset()


def _encode(release: Release) -> bytes:
    return json.dumps(
        {
            "countries": sorted(release.scope.countries),
            "violations": sorted(release.scope.violations),
            "first_month": release.scope.first_month,
            "last_month": release.scope.last_month,
            "hidden": sorted(release.hidden),
            "threshold": release.threshold,
            "made_on": release.made_on.isoformat(),
            "regions": sorted(release.regions),
        }
    ).encode()


def _decode(data: bytes) -> Release:
    fields = json.loads(data)
    return Release(
        scope=Scope(
            countries=frozenset(fields["countries"]),
            violations=frozenset(fields["violations"]),
            first_month=fields["first_month"],
            last_month=fields["last_month"],
        ),
        hidden=frozenset((name, row, column) for name, row, column in fields["hidden"]),
        threshold=int(fields["threshold"]),
        made_on=dt.date.fromisoformat(fields["made_on"]),
        regions=frozenset(fields.get("regions", [])),
    )


def releases(
    session: Session, organisation: Organisation, advocacy_keys: dict[int, bytes]
) -> list[Release]:
    """Every export the organisation has remembered, opened, oldest first."""
    rows = session.scalars(
        select(StatisticsRelease).where(StatisticsRelease.organisation_id == organisation.id)
    )
    opened = [
        _decode(
            crypto.decrypt_text(
                advocacy_keys[row.key_version],
                row.data,
                contexts.statistics_release(organisation.id, row.id),
            )
        )
        for row in rows
    ]
    return sorted(opened, key=lambda release: release.made_on)


def protected_export(
    session: Session,
    organisation: Organisation,
    advocacy_keys: dict[int, bytes],
    scope: Scope,
    threshold: int,
    opened: CellArrays | None = None,
) -> Protected:
    """The statistics of this scope as they may be published: protected by themselves and
    together with every earlier export of overlapping scope. `opened`: the contributions, if
    the caller has opened them already."""
    earlier = [
        release
        for release in releases(session, organisation, advocacy_keys)
        if release.scope.overlaps(scope)
    ]
    source = opened if opened is not None else opened_cells(session, organisation, advocacy_keys)
    scopes = [scope, *(release.scope for release in earlier)]
    # An earlier export is counted again as it was published: with the regions it showed apart.
    exports, fine = build_many(
        source, scopes, threshold, [None, *(release.regions for release in earlier)]
    )
    if not earlier:
        return protect(exports[0], threshold)
    return protect(
        exports[0],
        threshold,
        [
            Earlier(tables, release.hidden)
            for tables, release in zip(exports[1:], earlier, strict=True)
        ],
        atoms(scopes, exports, fine),
    )


def shown_regions(protected: Protected) -> frozenset[str]:
    """The regions an export shows apart from their country."""
    return regions_apart(protected.tables)


def remember(
    session: Session,
    organisation: Organisation,
    advocacy_keys: dict[int, bytes],
    scope: Scope,
    protected: Protected,
    made_on: dt.date,
) -> bool:
    """Remember an export that leaves the platform. Returns False when the same export (scope and
    hidden cells) is remembered already."""
    hidden = frozenset(
        (protected.tables[t].name, row, column) for t, row, column in protected.hidden
    )
    regions = shown_regions(protected)
    for release in releases(session, organisation, advocacy_keys):
        if release.scope == scope and release.hidden == hidden and release.regions == regions:
            return False
    version = organisation.advocacy_key_version
    row = StatisticsRelease(id=uuid.uuid4(), organisation_id=organisation.id, key_version=version)
    row.data = crypto.encrypt_record(
        advocacy_keys[version],
        _encode(Release(scope, hidden, protected.threshold, made_on, regions)),
        contexts.statistics_release(organisation.id, row.id),
    )
    session.add(row)
    session.flush()
    return True
