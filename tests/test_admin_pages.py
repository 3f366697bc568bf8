"""The admin pages as an administrator reads them: who belongs to the organisation and in which
role, the question asked before disabling someone, and an audit log whose details say what was
done in words (yes/no, report references, names of statuses), which stays readable, and keeps
warning, when someone has tampered with it."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reporter.accounts.models import MODERATOR, NETWORK_ADMIN, ORG_ADMIN, StaffMember
from reporter.audit.models import AuditEntry
from reporter.audit.service import audit_key, record
from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.staff import form_token, login, make_member

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r'<td data-label="([^"]*)">(.*?)</td>', re.S)


def _rows(page: str) -> list[dict[str, str]]:
    """The table's rows, each as {column label: cell text}."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        {
            html.unescape(label): html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
            for label, text in CELL.findall(row)
        }
        for row in ROW.findall(body)
    ]


def _admin(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


# --- People. ---


def test_the_people_page_lists_the_organisation_and_only_it(app: Flask, network: Network) -> None:
    """An admin sees everyone of their organisation, with role and state, and nobody of
    another organisation."""
    admin = _admin(app, network)
    make_member(app, network.brazil, network.key(network.brazil), "bia", MODERATOR)
    make_member(app, network.colombia, network.key(network.colombia), "carlos", MODERATOR)
    make_member(app, network.network, network.key(network.network), "nina", NETWORK_ADMIN)
    page = admin.get("/staff/admin/people").get_data(as_text=True)
    people = [(row["Username"], row["Role"], row["Account state"]) for row in _rows(page)]
    assert people == [
        ("admin", "Organisation administrator", "Active"),
        ("bia", "Moderator", "Active"),
    ]


def test_disabling_asks_first_then_acts(app: Flask, network: Network, db: Session) -> None:
    """The question is an ordinary page (nothing was done or created yet); answering yes
    disables the account and the people page says so."""
    admin = _admin(app, network)
    make_member(app, network.brazil, network.key(network.brazil), "bia", MODERATOR)
    bia = str(db.scalar(select(StaffMember.id).where(StaffMember.username == "bia")))
    token = form_token(admin, "/staff/admin/people")
    for action in ("disable", "reset"):
        asked = admin.post(
            f"/staff/admin/people/{action}", data={"csrf_token": token, "member_id": bia}
        )
        assert asked.status_code == 200, action
    db.expire_all()
    assert db.scalar(select(StaffMember.active).where(StaffMember.username == "bia"))
    done = admin.post(
        "/staff/admin/people/disable",
        data={"csrf_token": token, "member_id": bia, "confirm": "yes"},
    )
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "The account was disabled." in page
    assert ("bia", "Disabled") in [(r["Username"], r["Account state"]) for r in _rows(page)]


# --- The audit log. ---


def _submitted(app: Flask, db: Session, share_with_network: str | None) -> Report:
    """Send a report through the public form and return it."""
    before = set(db.scalars(select(Report.id)))
    submit(app.test_client(), share_with_network=share_with_network)
    (new,) = [report for report in db.scalars(select(Report)) if report.id not in before]
    return new


def _details_of(page: str, action: str) -> list[str]:
    return [row["Details"] for row in _rows(page) if row["Action"] == action]


def test_audit_details_are_shown_in_words(app: Flask, network: Network, db: Session) -> None:
    """Deleting a case records whether the report went with it (yes/no, not True/False) and
    its reference; linking shows the other report by its reference, not its internal id; a
    detail this version has no name for (from an older or newer version) keeps its own."""
    admin = _admin(app, network)
    only_ours, shared_report, kept = (_submitted(app, db, shared) for shared in (None, "y", None))
    url = f"/staff/cases/{kept.id}"
    linked = admin.post(
        f"{url}/links",
        data={"csrf_token": form_token(admin, url), "reference": shared_report.reference},
    )
    assert linked.status_code == 302
    for report in (only_ours, shared_report):
        delete_url = f"/staff/cases/{report.id}/delete"
        deleted = admin.post(delete_url, data={"csrf_token": form_token(admin, delete_url)})
        assert deleted.status_code == 302
    record(
        db,
        audit_key(app.extensions["reporter.settings"].secret_key),
        action="mirror_synced",
        actor_name="a future command",
        organisation_id=network.brazil.id,
        details={"copies": 2},
    )
    db.commit()

    page = admin.get("/staff/admin/audit").get_data(as_text=True)
    assert _details_of(page, "Deleted a case") == [
        f"Reference: {shared_report.reference}; Report deleted: no",
        f"Reference: {only_ours.reference}; Report deleted: yes",
    ]
    assert _details_of(page, "Linked related reports") == [
        f"Linked with: {shared_report.reference}"
    ]
    assert str(shared_report.id) not in page
    assert _details_of(page, "mirror_synced") == ["copies: 2"]


def test_a_blanked_entry_keeps_the_audit_page_readable_and_warned(
    app: Flask, network: Network, db: Session
) -> None:
    """Someone empties an entry's details in the database: the network admin's audit page
    still opens, shows the entry with no details, and says it was tampered with, on every visit
    until it is dealt with."""
    make_member(app, network.network, network.key(network.network), "nina", NETWORK_ADMIN)
    nina = app.test_client()
    assert login(nina, "nina").status_code == 302
    assert "The chain of entries is intact." in nina.get("/staff/admin/audit").get_data(
        as_text=True
    )
    # The newest entry ("read the audit log, page 1"), written after the page's last check.
    newest = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    db.execute(update(AuditEntry).where(AuditEntry.id == newest).values(details=""))
    db.commit()
    for _visit in range(2):
        response = nina.get("/staff/admin/audit")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "The audit log was tampered with:" in page
        assert f"#{newest}: was changed after it was written" in page
        blanked = [row for row in _rows(page) if row["#"] == str(newest)]
        assert [row["Details"] for row in blanked] == [""]
