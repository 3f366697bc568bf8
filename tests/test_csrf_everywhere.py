"""Every staff route that takes a POST refuses one without a CSRF token: the routes are listed
from the app's URL map, so a new route is covered the day it is added."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import NETWORK_ADMIN, StaffMember
from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.staff import login, make_member

# Ending one's own session needs no token (reporter/security.py says why).
WITHOUT_TOKEN = {"staff.logout"}


def _staff_post_rules(app: Flask) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and rule.rule.startswith("/staff"):
            rules.append((rule.endpoint, rule.rule))
    return sorted(rules)


def _fill(rule: str, report_id: uuid.UUID, member_id: uuid.UUID) -> str:
    values = {"report_id": str(report_id), "member_id": str(member_id)}
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>",
        lambda match: values.get(match.group(1), "1"),
        rule,
    )


def test_the_list_of_staff_posts_is_not_empty(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _rule in _staff_post_rules(app)}
    assert {"staff.login_post", "coding.delete_act", "admin.disable"} <= endpoints


@pytest.mark.parametrize("logged_in", [True, False])
def test_every_staff_post_without_a_token_changes_nothing(
    app: Flask, network: Network, db: Session, logged_in: bool
) -> None:
    make_member(app, network.network, network.key(network.network), "admin", NETWORK_ADMIN)
    submit(app.test_client())
    report_id = db.scalars(select(Report.id)).first()
    member_id = db.scalars(select(StaffMember.id)).first()
    assert report_id is not None and member_id is not None
    client = app.test_client()
    if logged_in:
        assert login(client, "admin").status_code == 302
    checked = 0
    for endpoint, rule in _staff_post_rules(app):
        if endpoint in WITHOUT_TOKEN:
            continue
        url = _fill(rule, report_id, member_id)
        response = client.post(url, data={"confirm": "yes", "text": "x", "status": "closed"})
        # Refused: never a redirect that would mean "done".
        # Refused before the view runs, whatever the route would have done.
        assert response.status_code == 400, (endpoint, response.status_code)
        assert "This page has expired" in response.get_data(as_text=True), endpoint
        checked += 1
    assert checked > 10
