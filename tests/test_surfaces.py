"""Two surfaces: one process may serve the reporter's pages only, the staff pages only, or both,
so that an organisation can put the staff side on another host (behind a VPN, or an onion
service with client authorisation). A public-only process has no staff route at all, and names
none anywhere; a staff-only process has no reporter's page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from reporter.settings import SettingsError
from tests.staff import login, make_member

STAFF_BLUEPRINTS = {
    "staff",
    "queue",
    "cases",
    "casework",
    "coding",
    "admin",
    "statistics",
    "advocacy",
}
PUBLIC_BLUEPRINTS = {"root", "pages", "reports", "followup"}


def _blueprints_of_rules(app: Flask) -> set[str]:
    return {
        rule.endpoint.split(".", 1)[0] for rule in app.url_map.iter_rules() if "." in rule.endpoint
    }


def test_a_public_only_process_has_no_staff_route_and_names_none(app_factory: Any) -> None:
    app: Flask = app_factory(surfaces="public")
    assert not _blueprints_of_rules(app) & STAFF_BLUEPRINTS
    assert not [rule for rule in app.url_map.iter_rules() if "staff" in rule.rule]
    client = app.test_client()
    for path in ("/staff/", "/staff/login", "/staff/stats", "/staff/admin/people"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "staff" not in answer.get_data(as_text=True).lower()
    assert client.post("/staff/login").status_code in (400, 404)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "staff" not in robots and "Disallow: /static/" in robots
    # The reporter's pages work and link nowhere on the staff side.
    assert client.get("/").status_code == 302
    for path in ("/en/", "/en/safety", "/es/report", "/en/followup"):
        page = client.get(path, follow_redirects=True)
        assert page.status_code == 200, path
        assert "/staff" not in page.get_data(as_text=True), path


def test_a_staff_only_process_has_no_reporters_page(app_factory: Any, network: Any) -> None:
    app: Flask = app_factory(surfaces="staff")
    assert not _blueprints_of_rules(app) & PUBLIC_BLUEPRINTS
    client = app.test_client()
    root = client.get("/")
    assert root.status_code == 302 and root.headers["Location"].endswith("/staff/")
    assert client.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"
    for path in ("/en/", "/es/report", "/en/followup"):
        missing = client.get(path)
        assert missing.status_code == 404
        page = missing.get_data(as_text=True)
        assert 'href="/staff/"' in page and "Follow up a report" not in page
    # Staff work as on a host that serves both.
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    assert login(client, "mod").status_code == 302
    queue = client.get("/staff/")
    assert queue.status_code == 200


def test_surfaces_must_be_one_of_three(app_factory: Any) -> None:
    with pytest.raises(SettingsError, match="surfaces"):
        app_factory(surfaces="reporters")
