"""axe-core and HTML_CodeSniffer in Debian's Chromium, on a phone-sized screen. Public pages, in
every language, with and without errors, meet WCAG 2.2 AAA: axe-core's AAA rules and
HTML_CodeSniffer's WCAG2AAA standard (what pa11y runs). The main staff pages meet AA."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from reporter.settings import LANGUAGES
from tests.browser import (
    PathRecord,
    choose,
    click_and_wait,
    driver_for,
    log_in,
    phone,
    press,
    requires_browser,
    staff_with_a_report,
    start_report,
    tick,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.exists() and os.environ.get("REPORTER_REQUIRE_BROWSER") == "1":
    raise RuntimeError("axe-core is missing: run `npm install --prefix tests/a11y`")
HTMLCS = Path(__file__).resolve().parent / "a11y" / "node_modules" / "html_codesniffer" / "build"
HTMLCS = HTMLCS / "HTMLCS.js"
requires_axe = pytest.mark.skipif(
    not AXE.exists() or not HTMLCS.exists(), reason="npm ci --prefix tests/a11y"
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Public pages go past AA where the reporter is concerned: axe-core's AAA rules as well.
PUBLIC_TAGS = [*TAGS, "wcag2aaa"]


def _violations(driver: Any, tags: list[str] = TAGS) -> list[str]:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})
          .then(r => done(JSON.stringify(r.violations)))
          .catch(e => done(JSON.stringify([{id: 'axe-error', help: String(e), nodes: []}])));
        """,
        tags,
    )
    return [
        f"{item['id']}: {item['help']} at {[node['target'] for node in item['nodes']][:3]}"
        for item in json.loads(result)
    ]


def _check(driver: Any, where: str, found: dict[str, list[str]], tags: list[str] = TAGS) -> None:
    violations = _violations(driver, tags)
    if violations:
        found[where] = violations


@requires_browser
@requires_axe
def test_public_pages_meet_wcag_aaa_in_any_language(
    live_app: tuple[Flask, str],
) -> None:
    from selenium.webdriver.common.by import By

    _app, base = live_app
    driver = driver_for(javascript=True)
    driver.set_script_timeout(30)
    found: dict[str, list[str]] = {}
    try:
        phone(driver, 360)
        for language in LANGUAGES:
            for path in ("/", "/safety", "/followup", "/report"):
                driver.get(f"{base}/{language}{path}")
                _check(driver, f"{language}{path}", found, PUBLIC_TAGS)
            # Every question page, with its error where it can have one, and check answers.
            record = PathRecord()
            start_report(driver, base, language, record)
            press(driver, "next", record)  # an empty story: the error summary
            _check(driver, f"{language}/report (story, with errors)", found, PUBLIC_TAGS)
            driver.find_element(By.ID, "narrative").send_keys("x")
            press(driver, "next", record)
            _check(driver, f"{language}/report (country)", found, PUBLIC_TAGS)
            choose(driver, "country", "BR", record)
            press(driver, "next", record)
            _check(driver, f"{language}/report (more)", found, PUBLIC_TAGS)
            press(driver, "next", record)
            tick(driver, "violation_groups", "policing", record)
            while record.pages[-1] != "check":
                _check(driver, f"{language}/report ({record.pages[-1]})", found, PUBLIC_TAGS)
                if record.pages[-1] == "when":
                    # A date that does not exist: the page again, with its error.
                    choose(driver, "incident_day", "30", record)
                    choose(driver, "incident_month", "2", record)
                    choose(driver, "incident_year", "2025", record)
                    press(driver, "next", record)
                    _check(driver, f"{language}/report (when, with errors)", found, PUBLIC_TAGS)
                    choose(driver, "incident_day", "", record)
                press(driver, "next", record)
            _check(driver, f"{language}/report (check)", found, PUBLIC_TAGS)
            # A receipt number that opens nothing.
            driver.get(f"{base}/{language}/followup")
            driver.find_element(By.ID, "receipt").send_keys("1234 5678 1234 5678")
            click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form button"))
            _check(driver, f"{language}/followup (not found)", found, PUBLIC_TAGS)
    finally:
        driver.quit()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@requires_browser
@requires_axe
def test_staff_pages_have_no_wcag_violations(live_app: tuple[Flask, str], network: Any) -> None:
    from selenium.webdriver.common.by import By

    from reporter.db import new_session
    from tests.factories import code_statistics, make_story

    app, base = live_app
    staff_with_a_report(app, network)
    session = new_session(app)
    code_statistics(session, network)  # the statistics page with its tables
    make_story(session, network.brazil, network.key(network.brazil), "A story for advocacy.")
    session.commit()
    session.close()
    driver = driver_for(javascript=True)
    driver.set_script_timeout(30)
    found: dict[str, list[str]] = {}
    try:
        phone(driver, 360)
        driver.get(f"{base}/staff/login")
        _check(driver, "login", found)
        log_in(driver, base)
        for path in (
            "/staff/",
            "/staff/queue",
            "/staff/admin/people",
            "/staff/admin/audit",
            "/staff/stats",
            "/staff/stats?first_month=March",
            "/staff/stats/brief?language=ar",
            "/staff/admin/publishing",
            "/staff/admin/operations",
            "/staff/stories",
            "/staff/stories?first_month=March",
        ):
            driver.get(f"{base}{path}")
            _check(driver, path, found)
        driver.get(f"{base}/staff/queue")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "table.queue a"))
        _check(driver, "case page", found)
        click_and_wait(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "Add an act"))
        _check(driver, "coding form", found)
    finally:
        driver.quit()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
