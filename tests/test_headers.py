"""Security headers on every public page; one cookie, for CSRF only; nothing from elsewhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, receipt_of, submit

GET_PAGES = ["/en/", "/es/safety", "/pt/report", "/fr/followup", "/en/no-such-page", "/xx/report"]


def _check_security_headers(response: object, no_store: bool = True) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "camera=()" in headers["Permissions-Policy"]
        and "geolocation=()" in headers["Permissions-Policy"]
    )
    if no_store:
        assert "no-store" in headers["Cache-Control"]


def _form_pages(client: FlaskClient) -> list[object]:
    token = csrf_token(client, "/en/followup")
    step2 = client.post(
        "/en/report", data={"csrf_token": token, "page": "country", "country": "BR"}
    )
    receipt_page = submit(client)
    thread = client.post(
        "/en/followup", data={"csrf_token": token, "receipt": receipt_of(receipt_page)}
    )
    wrong = client.post("/en/followup", data={"csrf_token": token, "receipt": "1234123412341234"})
    return [step2, receipt_page, thread, wrong]


def test_headers_on_every_public_page(client: FlaskClient, network: object) -> None:
    responses = [client.get(url) for url in GET_PAGES] + _form_pages(client)
    for response in responses:
        _check_security_headers(response)
    assert client.get("/").status_code == 302


def test_only_the_csrf_cookie_strict_and_http_only(client: FlaskClient, network: object) -> None:
    landing = client.get("/en/")
    assert "Set-Cookie" not in landing.headers
    form = client.get("/en/report")
    cookies = form.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("csrf=")
    assert "HttpOnly" in cookies[0] and "SameSite=Strict" in cookies[0]
    assert "Expires" not in cookies[0]  # gone when the browser closes


def test_cookie_is_secure_under_https(app: Flask, network: object) -> None:
    client = app.test_client()
    response = client.get("/en/report", base_url="https://reporter.example")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_session_cookie_carries_only_the_csrf_secret(
    app: Flask, client: FlaskClient, network: object
) -> None:
    response = submit(client, narrative="COOKIECANARY")
    receipt = receipt_of(response).replace(" ", "")
    session_cookie = client.get_cookie("csrf")
    assert session_cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(session_cookie.value)
    assert set(data) == {"csrf_token"}
    assert receipt not in session_cookie.value and "COOKIECANARY" not in session_cookie.value


@pytest.mark.parametrize("url", ["/en/", "/es/report", "/fr/followup", "/pt/safety"])
def test_no_third_party_resources_and_a_quick_exit(
    client: FlaskClient, network: object, url: str
) -> None:
    page = client.get(url).get_data(as_text=True)
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', page):
        if attribute.startswith(("http://", "https://", "//")):
            # The only external address is the quick-exit link, which loads nothing until used.
            assert 'id="quick-exit"' in page.split(attribute)[0].rsplit("<a", 1)[-1]
    assert '<a id="quick-exit"' in page


@pytest.mark.parametrize("url", ["/en/", "/es/report", "/fr/followup", "/pt/safety"])
def test_one_request_renders_a_public_page_and_only_our_inline_code_runs(
    client: FlaskClient, network: object, url: str
) -> None:
    import base64
    import hashlib

    from reporter.assets import STATIC

    response = client.get(url)
    page = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    # Nothing else to fetch: no stylesheet, script or icon request.
    assert not re.findall(r'<(?:link|script)[^>]+(?:href|src)="/', page)
    assert '<link rel="icon" href="data:,">' in page
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    # The report's question pages carry their own few rules as well; other pages do not.
    extra = [(STATIC / "report.css").read_text()] if "/report" in url else []
    assert styles == [(STATIC / "site.css").read_text(), *extra]
    assert scripts == [(STATIC / "exit.js").read_text()]
    for block in (*styles, *scripts):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy and "style=" not in page


def test_static_files_are_cacheable_and_the_script_is_small(client: FlaskClient) -> None:
    response = client.get("/static/exit.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "location.replace" in response.get_data(as_text=True)
    response.close()


def test_a_neutral_title_hides_what_every_public_page_is_about(
    app_factory, network: object
) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(neutral_title="Notes")
    client = app.test_client()
    for path in ("/en/", "/en/report", "/es/followup", "/en/safety"):
        page = client.get(path).get_data(as_text=True)
        assert "<title>Notes</title>" in page, path
    plain = app_factory().test_client().get("/en/safety").get_data(as_text=True)
    assert "<title>Staying safe · Reporter</title>" in plain


def test_pages_that_echo_nothing_are_compressed_and_the_others_never(
    client: FlaskClient, network: object
) -> None:
    import gzip

    from tests.conftest import csrf_token, report_fields
    from tests.walk import carried

    accept = {"Accept-Encoding": "gzip"}
    for url in ("/en/", "/es/report", "/fr/followup", "/pt/safety"):
        response = client.get(url, headers=accept)
        assert response.headers.get("Content-Encoding") == "gzip", url
        assert b"<html" in gzip.decompress(response.get_data())
    # BREACH: a page that carries a receipt or a thread, or that echoes what was posted next to
    # a token, is never compressed.
    token = csrf_token(client, "/en/followup")

    def post(url: str, data: dict[str, object]) -> object:
        return client.post(
            url,
            data={"csrf_token": token, **data},
            headers=accept,
            content_type="multipart/form-data",
        )

    check = post("/en/report", {**report_fields(), "page": "more", "action": "check"})
    posted = [
        # "Check your answers" shows the receipt beside the story.
        check,
        # The confirmation, with the receipt.
        post("/en/report", {**report_fields(), **carried(check), "action": "send"}),  # type: ignore[arg-type]
        post("/en/followup", {"receipt": "1" * 16}),
    ]
    assert 'class="receipt pending"' in posted[0].get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'class="receipt"' in posted[1].get_data(as_text=True)  # type: ignore[attr-defined]
    for response in posted:
        assert "Content-Encoding" not in response.headers  # type: ignore[attr-defined]
    # A question page echoes only the person's own answers, and a forged cross-site post carries
    # none of theirs (the token's cookie is SameSite=Strict): compressed, even with an error.
    for question in (
        post("/en/report", report_fields(narrative="")),
        post("/en/report", {**report_fields(), "page": "story", "action": "next"}),
    ):
        assert question.headers.get("Content-Encoding") == "gzip"  # type: ignore[attr-defined]
        assert b"<html" in gzip.decompress(question.get_data())  # type: ignore[attr-defined]
    staff = client.get("/staff/login", headers=accept)
    assert "Content-Encoding" not in staff.headers


def test_versioned_static_files_are_cached_for_a_year(app: Flask) -> None:
    client = app.test_client()
    version = app.config["REPORTER_ASSETS_VERSION"]
    response = client.get(f"/static/site.css?v={version}")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()
    stale = client.get("/static/site.css?v=old")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()
    page = client.get("/staff/login").get_data(as_text=True)
    assert f"/static/site.css?v={version}" in page


def test_search_engines_list_the_landing_and_safety_pages_only(
    app_factory: Any, network: object
) -> None:
    client = app_factory().test_client()
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.mimetype == "text/plain"
    assert "Disallow: /staff/" in robots.get_data(as_text=True)
    for url in ("/en/", "/es/safety"):
        page = client.get(url).get_data(as_text=True)
        assert '<meta name="robots" content="index,follow">' in page, url
        assert '<meta name="description" content="' in page, url
    for url in ("/en/report", "/en/followup", "/staff/login"):
        page = client.get(url).get_data(as_text=True)
        assert '<meta name="robots" content="noindex,nofollow">' in page, url
        assert 'content="index' not in page, url
    # Switched off, or with a neutral title: nothing is listed.
    for settings in ({"search_engines_may_index": False}, {"neutral_title": "Notes"}):
        quiet = app_factory(**settings).test_client()
        page = quiet.get("/en/").get_data(as_text=True)
        assert '<meta name="robots" content="noindex,nofollow">' in page, settings
        assert 'name="description"' not in page, settings
    closed = app_factory(search_engines_may_index=False).test_client()
    assert closed.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"


@pytest.mark.parametrize("url", ["/robots.txt/", "/wp-admin/setup.php", "/xx/report", "/EN/"])
def test_an_unknown_first_segment_is_a_plain_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "Location" not in response.headers
