"""Flood control never locks honest people out: each attack of the security review, reproduced."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from reporter.accounts.models import MODERATOR
from reporter.settings import Settings
from tests.conftest import Network, csrf_token, receipt_of, report_fields, submit
from tests.staff import login, make_member
from tests.walk import carried

PROXY = "10.0.0.5"


def _behind_proxy(app: Flask, client_address: str) -> FlaskClient:
    """A browser whose requests reach the app through the trusted proxy."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
    return client


def _proxied(app_factory: Any, **limits: str) -> Flask:
    app: Flask = app_factory(trusted_proxies=(PROXY,), **limits)
    return app


def test_two_clients_behind_the_trusted_proxy_get_separate_buckets(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, submit_rate_limit="2 per 10 minutes")
    flooder, honest = _behind_proxy(app, "198.51.100.1"), _behind_proxy(app, "203.0.113.9")
    assert [submit(flooder).status_code for _ in range(3)] == [200, 200, 429]
    assert submit(honest).status_code == 200


def test_an_address_sent_by_the_client_itself_is_not_believed(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, submit_rate_limit="2 per 10 minutes")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    codes = []
    for n in range(3):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{n}"
        codes.append(submit(client).status_code)
    assert codes == [200, 200, 429]


def test_a_client_cannot_hide_behind_an_address_it_prepends(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, submit_rate_limit="2 per 10 minutes")
    codes = []
    for n in range(3):
        # nginx appends the real address; whatever the client put before it is ignored.
        codes.append(submit(_behind_proxy(app, f"192.0.2.{n}, 198.51.100.3")).status_code)
    assert codes == [200, 200, 429]


def test_junk_posts_leave_an_honest_reporters_next_report_accepted(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, submit_rate_limit="5 per 10 minutes")
    client = _behind_proxy(app, "198.51.100.4")
    for _ in range(10):
        # "Send report" without a token: refused before it touches anyone's budget.
        check = client.post("/en/report", data={**report_fields(), "action": "check"})
        junk = client.post(
            "/en/report",
            data={**report_fields(), **carried(check), "action": "send", "csrf_token": ""},
        )
        page = junk.get_data(as_text=True)
        assert "open for a long time" in page and 'class="receipt"' not in page
    for _ in range(10):
        # A token, but a form that is not well formed (no story): answered, never counted.
        invalid = submit(client, narrative="")
        assert invalid.status_code == 200
        assert 'class="receipt"' not in invalid.get_data(as_text=True)
    assert submit(client).status_code == 200


def test_a_valid_receipt_works_after_a_flood_of_wrong_ones_from_another_client(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, receipt_rate_limit="10 per 10 minutes")
    reporter = _behind_proxy(app, "203.0.113.10")
    receipt = receipt_of(submit(reporter))
    flooder = _behind_proxy(app, "198.51.100.5")
    token = csrf_token(flooder, "/en/followup")
    codes = [
        flooder.post("/en/followup", data={"csrf_token": token, "receipt": f"{n:016d}"}).status_code
        for n in range(12)
    ]
    assert codes == [404] * 10 + [429, 429]
    token = csrf_token(reporter, "/en/followup")
    opened = reporter.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    assert opened.status_code == 200


def test_malformed_receipts_and_missing_tokens_spend_no_budget(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, receipt_rate_limit="2 per 10 minutes")
    client = _behind_proxy(app, "198.51.100.6")
    receipt = receipt_of(submit(client))
    token = csrf_token(client, "/en/followup")
    for _ in range(5):
        assert client.post("/en/followup", data={"receipt": receipt}).status_code == 400
        assert client.post("/en/followup", data={"csrf_token": token, "receipt": "12"}).status_code
    assert (
        client.post("/en/followup", data={"csrf_token": token, "receipt": receipt}).status_code
        == 200
    )


def test_a_limited_receipt_look_up_gives_the_form_back_filled_in(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, receipt_rate_limit="1 per 10 minutes")
    client = _behind_proxy(app, "198.51.100.7")
    token = csrf_token(client, "/en/followup")
    client.post("/en/followup", data={"csrf_token": token, "receipt": "0" * 16})
    limited = client.post(
        "/es/followup", data={"csrf_token": token, "receipt": "1234 5678 9012 3456"}
    )
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert 'value="1234 5678 9012 3456"' in page
    assert '<html lang="es"' in page and "minuto" in page


def test_a_limited_reply_keeps_the_message_and_the_receipt(
    app_factory: Any, network: Network
) -> None:
    app = _proxied(app_factory, receipt_rate_limit="1 per 10 minutes")
    client = _behind_proxy(app, "198.51.100.8")
    receipt = receipt_of(submit(client)).replace(" ", "")
    token = csrf_token(client, "/en/followup")
    client.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    limited = client.post(
        "/en/followup/reply",
        data={"csrf_token": token, "receipt": receipt, "text": "They came back last night."},
        content_type="multipart/form-data",
    )
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "They came back last night." in page and f'value="{receipt}"' in page
    assert 'action="/en/followup/reply"' in page


def test_an_expired_reply_page_keeps_the_message_without_opening_the_thread(
    client: FlaskClient, network: Network
) -> None:
    receipt = receipt_of(submit(client)).replace(" ", "")
    expired = client.post(
        "/en/followup/reply",
        data={"csrf_token": "stale", "receipt": receipt, "text": "Still here?"},
        content_type="multipart/form-data",
    )
    assert expired.status_code == 400
    page = expired.get_data(as_text=True)
    assert "Still here?" in page and "open for a long time" in page
    assert "Status:" not in page  # the thread was not opened: no receipt work for a stale page


def test_the_tor_profile_accepts_a_burst_of_100_honest_reports_in_ten_minutes(
    app_factory: Any, network: Network
) -> None:
    # Every onion visitor arrives from this machine: no per-address bucket, only the
    # site-wide capacity, at its shipped default.
    app: Flask = app_factory(
        submit_rate_limit=Settings.submit_rate_limit,
        anonymous_submit_capacity=Settings.anonymous_submit_capacity,
    )
    codes = []
    for _ in range(100):
        visitor = app.test_client()  # a new Tor circuit, a new browser: all from 127.0.0.1
        codes.append(submit(visitor).status_code)
    assert codes == [200] * 100


def test_the_site_wide_capacity_for_anonymous_visitors_holds(
    app_factory: Any, network: Network
) -> None:
    app: Flask = app_factory(anonymous_submit_capacity="3 per 10 minutes")
    onion = app.test_client()
    assert [submit(onion).status_code for _ in range(4)] == [200, 200, 200, 429]
    # A clear-web visitor behind the proxy keeps their own budget.
    app2 = _proxied(app_factory, anonymous_submit_capacity="0 per 10 minutes")
    assert submit(_behind_proxy(app2, "203.0.113.11")).status_code == 200
    assert submit(app2.test_client()).status_code == 429


def test_a_limit_per_day_lasts_a_day(app: Flask) -> None:
    control = app.extensions["reporter.flood"]
    control._per_client["submit"] = __import__("limits").parse_many("2 per day")
    client = control.client("198.51.100.9", None)
    assert [control.spend("submit", client).allowed for _ in range(3)] == [True, True, False]
    refused = control.spend("submit", client)
    assert refused.retry_after_seconds > 23 * 3600
    # The bucket is the same whatever the hour: no time in its name.
    assert control.client("198.51.100.9", None) == client


def test_junk_logins_do_not_keep_a_moderator_out(app_factory: Any, network: Network) -> None:
    app = _proxied(app_factory, login_rate_limit="10 per minute; 100 per day")
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = _behind_proxy(app, "203.0.113.12")
    for _ in range(12):
        junk = client.post("/staff/login", data={"username": "mod", "passphrase": "x"})
        assert junk.status_code == 400
    assert login(client, "mod").status_code == 302


def test_a_stranger_over_tor_cannot_keep_a_known_device_out(
    app_factory: Any, network: Network
) -> None:
    app: Flask = app_factory()
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    owner = app.test_client()
    assert login(owner, "mod").status_code == 302  # this browser now has its device cookie
    owner.post("/staff/logout")
    stranger = app.test_client()  # also from 127.0.0.1, as everyone on the onion is
    for _ in range(8):
        assert login(stranger, "mod", passphrase="not the passphrase").status_code == 401
    from tests.staff import code

    assert login(owner, "mod", totp=code(1)).status_code == 302


def test_scheme_is_believed_only_from_a_trusted_proxy(app_factory: Any, network: Network) -> None:
    app = _proxied(app_factory)
    direct = app.test_client()
    direct.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    forged = direct.get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers
    via_proxy = _behind_proxy(app, "203.0.113.13")
    honest = via_proxy.get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in honest.headers


def test_a_successful_login_forgets_that_names_failures_from_that_client_only(app: Flask) -> None:
    """Four typos, then a login: the next four typos do not lock the person out (the limit is
    five per 15 minutes). Another name's failures from the same client, and the same name's from
    another client, are kept."""
    from reporter.flood import flood_control

    with app.app_context():
        control = flood_control()
    laptop, phone = "a" * 32, "b" * 32
    for _ in range(4):
        control.login_failed("maria", laptop)
        control.login_failed("maria", phone)
        control.login_failed("jose", laptop)
    control.login_succeeded("maria", laptop)
    for _ in range(4):
        control.login_failed("maria", laptop)
    assert control.login_backoff("maria", laptop).allowed
    control.login_failed("maria", laptop)
    assert not control.login_backoff("maria", laptop).allowed
    # Kept: one more failure each reaches the limit.
    control.login_failed("maria", phone)
    control.login_failed("jose", laptop)
    assert not control.login_backoff("maria", phone).allowed
    assert not control.login_backoff("jose", laptop).allowed
