"""The anonymised statistics, encrypted at rest, kept right as cases are coded, change status
or are deleted.

A case that counts (its reporter agreed; it is neither spam nor withdrawn) has one contribution:
the cells its coded acts add to, (country, region, month, violation, perpetrator, population) →
(combinations, acts), encrypted under the organisation's advocacy key in a `StatContribution`
row whose id is random. Nothing in the clear links the row to the case; the case keeps the row's
id under its own case key (`Case.stats_link`), so a recoding replaces its contribution and a
deletion removes it. Counting opens every contribution in memory (`counts`).

The acts come from the coding of cases, which calls in here; this module reads them only
through `CountedAct` and never imports the coding.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.crypto import contexts
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.reports.models import NOT_COUNTED_STATUSES, Case
from reporter.reports.service import (
    ContentPurged,
    ReportContent,
    decrypt_content,
    open_case_key,
)
from reporter.statistics.cells import (
    ACTS,
    BY_PERPETRATOR,
    BY_POPULATION,
    COMBINATIONS,
    NO_VALUE,
    Cell,
    CellArrays,
    Collector,
    decode,
    encode,
)
from reporter.statistics.models import StatContribution


class CountedAct(Protocol):
    """What the statistics read of one coded act."""

    @property
    def violation_type(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def perpetrators(self) -> list[str]: ...
    @property
    def populations(self) -> list[str]: ...
    @property
    def violation_status(self) -> str: ...
    @property
    def year_month(self) -> str: ...


# The decrypted acts of a case, given its organisation's private key.
ActsOfCase = Callable[[Session, Case, bytes], Sequence[CountedAct]]


def _contribution(acts: Sequence[CountedAct]) -> Counter[Cell]:
    """(dimensions..., measure) -> count for these acts (see MEASURES)."""
    counts: Counter[Cell] = Counter()
    for act in acts:
        if act.violation_status == "not_a_violation":
            continue
        perpetrators = act.perpetrators or ["unknown"]
        populations = act.populations or [NO_VALUE]
        place = (act.country, act.region, act.year_month, act.violation_type)
        first = True
        for perpetrator in perpetrators:
            counts[(*place, perpetrator, NO_VALUE, BY_PERPETRATOR)] += 1
            for population in populations:
                cell = (*place, perpetrator, population)
                counts[(*cell, COMBINATIONS)] += 1
                if first:
                    counts[(*cell, ACTS)] += 1
                    first = False
        for population in populations:
            counts[(*place, NO_VALUE, population, BY_POPULATION)] += 1
    return counts


def _seal_contribution(
    session: Session, organisation: Organisation, advocacy: tuple[int, bytes], counts: Counter[Cell]
) -> StatContribution:
    version, key = advocacy
    row = StatContribution(id=uuid.uuid4(), organisation_id=organisation.id, key_version=version)
    row.data = crypto.encrypt_record(
        key, encode(counts), contexts.stat_contribution(organisation.id, row.id)
    )
    session.add(row)
    return row


def open_contribution(
    row: StatContribution, advocacy_keys: dict[int, bytes], measures: frozenset[str] | None = None
) -> Counter[Cell]:
    """One contribution's cells (of `measures` only, when given), opened with the advocacy key
    of its version."""
    key = advocacy_keys[row.key_version]
    return decode(
        crypto.decrypt_text(key, row.data, contexts.stat_contribution(row.organisation_id, row.id)),
        measures,
    )


def contributions(
    session: Session,
    organisation: Organisation,
    advocacy_keys: dict[int, bytes],
    measures: frozenset[str] | None = None,
) -> Iterator[Counter[Cell]]:
    """Each contribution of the organisation, opened: one per counted case (the totals moved over
    by the upgrade come as one, until the next login replaces them)."""
    rows = session.scalars(
        select(StatContribution).where(StatContribution.organisation_id == organisation.id)
    )
    for row in rows:
        yield open_contribution(row, advocacy_keys, measures)


def opened_cells(
    session: Session,
    organisation: Organisation,
    advocacy_keys: dict[int, bytes],
    progress: Callable[[int], None] | None = None,
) -> CellArrays:
    """Every contribution of the organisation, opened, as arrays (what the tables read);
    `progress` is told of each contribution opened."""
    rows = session.execute(
        select(StatContribution.id, StatContribution.key_version, StatContribution.data).where(
            StatContribution.organisation_id == organisation.id
        )
    )
    records = (
        (advocacy_keys[version], data, contexts.stat_contribution(organisation.id, row_id))
        for row_id, version, data in rows
    )
    collector = Collector()
    for plaintext in crypto.decrypt_records(records):
        collector.add(plaintext)
        if progress is not None:
            progress(1)
    return collector.arrays()


def counts(
    session: Session, organisation: Organisation, advocacy_keys: dict[int, bytes]
) -> Counter[Cell]:
    """Every cell of the organisation's statistics: its contributions opened and added up."""
    total: Counter[Cell] = Counter()
    for contribution in contributions(session, organisation, advocacy_keys):
        total.update(contribution)
    return total


def _link_context(case: Case) -> bytes:
    return contexts.stat_link(case.report_id, case.organisation_id)


def _own_contribution_id(case: Case, private_key: bytes) -> uuid.UUID | None:
    if case.stats_link is None:
        return None
    case_key = open_case_key(case, private_key, "case")
    return uuid.UUID(bytes=crypto.decrypt(case_key, case.stats_link, _link_context(case)))


def _take_out(session: Session, case: Case, private_key: bytes) -> None:
    """The case's own contribution leaves the statistics."""
    own = _own_contribution_id(case, private_key)
    if own is not None:
        session.execute(delete(StatContribution).where(StatContribution.id == own))
    case.stats_link = None
    case.stats_counted = False


def _put_in(
    session: Session, case: Case, keyring: Keyring, private_key: bytes, acts: Sequence[CountedAct]
) -> None:
    counted = _contribution(acts)
    if counted:
        row = _seal_contribution(session, keyring.organisation, keyring.advocacy_key, counted)
        case_key = open_case_key(case, private_key, "case")
        case.stats_link = crypto.encrypt(case_key, row.id.bytes, _link_context(case))
    case.stats_counted = True


def should_count(case: Case, content: ReportContent | None) -> bool:
    """The reporter agreed, and the case is neither spam nor withdrawn."""
    consent = content.count_in_statistics if content is not None else case.stats_counted
    return consent and case.status not in NOT_COUNTED_STATUSES and not case.report.withdrawn


def _content(case: Case, private_key: bytes) -> ReportContent | None:
    try:
        return decrypt_content(case, case.report, private_key)
    except ContentPurged:
        # The raw content is gone; the consent given then is what stats_counted recorded.
        return None


def refresh_statistics(
    session: Session, case: Case, keyring: Keyring, acts: Sequence[CountedAct]
) -> None:
    """Replace the case's contribution with one made from its acts now (`acts`), if it counts."""
    private_key = keyring.for_case(case)
    counts_now = should_count(case, _content(case, private_key))
    _take_out(session, case, private_key)
    if counts_now:
        _put_in(session, case, keyring, private_key, acts)
    case.stats_dirty = False
    session.flush()


RECONCILE_BATCH = 500


def reconcile_dirty_cases(
    session: Session, keyring: Keyring, acts_of: ActsOfCase, limit: int = RECONCILE_BATCH
) -> int:
    """At a staff login: bring the statistics up to date for cases changed without keys."""
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == keyring.organisation.id, Case.stats_dirty.is_(True))
        .limit(limit)
    ).all()
    for case in cases:
        refresh_statistics(session, case, keyring, acts_of(session, case, keyring.for_case(case)))
    return len(cases)


def replace_migrated_totals(session: Session, keyring: Keyring, acts_of: ActsOfCase) -> bool:
    """Once, after the upgrade that encrypted the statistics: the totals moved over from the
    clear-text table give way to one contribution per counted case. Returns whether it ran."""
    organisation = keyring.organisation
    migrated = select(StatContribution.id).where(
        StatContribution.organisation_id == organisation.id, StatContribution.migrated.is_(True)
    )
    if session.scalar(migrated.limit(1)) is None:
        return False
    counted: Iterable[Case] = session.scalars(
        select(Case).where(
            Case.organisation_id == organisation.id,
            Case.stats_counted.is_(True),
            Case.stats_link.is_(None),
        )
    ).all()
    for case in counted:
        refresh_statistics(session, case, keyring, acts_of(session, case, keyring.for_case(case)))
    session.execute(delete(StatContribution).where(StatContribution.id.in_(migrated)))
    session.flush()
    return True


def remove_from_statistics(session: Session, case: Case, keyring: Keyring) -> None:
    """Before a case is deleted: its contribution leaves the statistics."""
    _take_out(session, case, keyring.for_case(case))
    session.flush()
