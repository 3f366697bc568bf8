"""Staff pages as a person finds them: their language, safe defaults, second thoughts, a readable log."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.accounts.models import MODERATOR, ORG_ADMIN, Invitation, StaffMember
from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.staff import form_token, login, make_member


def test_staff_pages_follow_the_browser_until_the_person_chooses(
    app: Flask, network: Network
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-CO,es;q=0.9"
    login(client, "mod")
    assert '<html lang="es"' in client.get("/staff/").get_data(as_text=True)
    client.post("/staff/", data={"csrf_token": form_token(client, "/staff/"), "language": "pt"})
    assert '<html lang="pt"' in client.get("/staff/queue").get_data(as_text=True)


def test_a_new_invitation_starts_on_the_least_privileged_role(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/staff/admin/people").get_data(as_text=True)
    role_select = page[
        page.index('<select id="role"') : page.index("</select>", page.index('<select id="role"'))
    ]
    options = re.findall(r'<option ([^>]*)value="(\w+)"', role_select)
    assert options[0][1] == "advocate"
    assert re.search(r'<option selected value="advocate"', role_select)


def test_disable_and_reset_ask_before_they_act(app: Flask, network: Network, db: Session) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    admin = app.test_client()
    login(admin, "admin")
    mod_id = db.scalar(select(StaffMember.id).where(StaffMember.username == "mod"))
    token = form_token(admin, "/staff/admin/people")
    for action, question in (
        ("disable", "Disable the account of mod?"),
        ("reset", "Reset the access of mod?"),
    ):
        page = admin.post(
            f"/staff/admin/people/{action}", data={"csrf_token": token, "member_id": str(mod_id)}
        ).get_data(as_text=True)
        assert question in page and 'name="confirm" value="yes"' in page
    db.expire_all()
    assert db.scalars(select(StaffMember).where(StaffMember.username == "mod")).one().active
    assert db.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_audit_page_names_actions_and_cases_as_people_know_them(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    submit(app.test_client())
    admin = app.test_client()
    login(admin, "admin")
    report = db.scalars(select(Report)).one()
    admin.get(f"/staff/cases/{report.id}")
    admin.post(
        f"/staff/cases/{report.id}/workflow",
        data={
            "csrf_token": form_token(admin, f"/staff/cases/{report.id}"),
            "status": "in_review",
            "priority": "high",
            "assignee": "",
        },
    )
    page = admin.get("/staff/admin/audit").get_data(as_text=True)
    assert "Read a report" in page and "report_decrypted" not in page
    assert report.reference in page
    assert "Changed status, priority or assignment" in page
    assert "In review" in page and "{" not in page.split("<tbody>")[1]
