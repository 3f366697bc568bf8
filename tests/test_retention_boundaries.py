"""Deleting a case removes exactly that organisation's hold on the report: its own blind-index
entries go, every other case (of the same report or of the same organisation) stays findable,
and the report itself goes only with its last case, and then always."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.cases.retention import purge
from reporter.orgs.models import Organisation
from reporter.queue.blind_index import index_new_cases
from reporter.reports.models import Case, IndexToken, Report
from tests.conftest import Network
from tests.factories import Made, make_report
from tests.staff import keyring_of

TODAY = dt.date(2026, 6, 30)
LONG_AGO = TODAY - dt.timedelta(days=400)


def _index_entries(db: Session, report: Report, organisation: Organisation) -> int:
    """How many blind-index entries let `organisation`'s filtered queue find `report`."""
    return int(
        db.scalar(
            select(func.count())
            .select_from(IndexToken)
            .where(
                IndexToken.report_id == report.id,
                IndexToken.organisation_id == organisation.id,
            )
        )
        or 0
    )


def _indexed_network(db: Session, network: Network) -> tuple[Made, Made]:
    """A report shared between Brasil and the network, and one Brasil holds alone; both indexed
    by both organisations, as their staff's logins do."""
    brazil = network.brazil
    shared = make_report(db, brazil, network.key(brazil), share_with_network=True)
    own = make_report(db, brazil, network.key(brazil), share_with_network=False)
    assert db.get(Case, (shared.report.id, network.network.id)) is not None
    for organisation in (brazil, network.network):
        index_new_cases(db, keyring_of(organisation, network.key(organisation)))
    db.commit()
    assert _index_entries(db, shared.report, brazil) > 0
    assert _index_entries(db, shared.report, network.network) > 0
    assert _index_entries(db, own.report, brazil) > 0
    return shared, own


def _mark_spam(db: Session, report: Report, organisation: Organisation) -> None:
    case = db.get(Case, (report.id, organisation.id))
    assert case is not None
    case.status, case.closed_on = "spam", LONG_AGO
    db.commit()


def test_purged_spam_takes_only_its_own_index_entries_and_keeps_a_shared_report(
    db: Session, network: Network
) -> None:
    """Brasil's spam case of a shared report is purged: Brasil's index entries for it go, the
    network's case of the same report stays findable in the network's filtered queue, Brasil's
    other reports stay findable in Brasil's, and the report is kept (and not counted as deleted)
    because the network still holds it."""
    shared, own = _indexed_network(db, network)
    entries_before = {
        "network": _index_entries(db, shared.report, network.network),
        "brazil own": _index_entries(db, own.report, network.brazil),
    }
    _mark_spam(db, shared.report, network.brazil)

    result = purge(db, today=TODAY)
    db.commit()
    db.expire_all()

    assert (result.spam_cases_deleted, result.reports_deleted) == (1, 0)
    assert db.get(Report, shared.report.id) is not None
    assert db.get(Case, (shared.report.id, network.brazil.id)) is None
    assert _index_entries(db, shared.report, network.brazil) == 0
    assert {
        "network": _index_entries(db, shared.report, network.network),
        "brazil own": _index_entries(db, own.report, network.brazil),
    } == entries_before


def test_a_report_spammed_by_every_holder_is_deleted_in_one_run(
    db: Session, network: Network
) -> None:
    """When every organisation holding a report marked it spam past its period, one purge run
    removes both cases and the report with them: no report is left behind without any case."""
    shared, own = _indexed_network(db, network)
    _mark_spam(db, shared.report, network.brazil)
    _mark_spam(db, shared.report, network.network)

    result = purge(db, today=TODAY)
    db.commit()
    db.expire_all()

    assert (result.spam_cases_deleted, result.reports_deleted) == (2, 1)
    assert db.get(Report, shared.report.id) is None
    assert db.scalar(select(func.count()).select_from(Report)) == 1
    assert db.get(Report, own.report.id) is not None
    assert _index_entries(db, own.report, network.brazil) > 0
