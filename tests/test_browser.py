"""A real headless Chromium: the whole report flow with JavaScript off; quick exit with it on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser import (
    PathRecord,
    add_file,
    choose,
    click_and_wait,
    complete_path,
    driver_for,
    log_in,
    minimal_path,
    overflow,
    phone,
    press,
    requires_browser,
    staff_with_a_report,
    start_report,
    story_and_country,
)

pytestmark = pytest.mark.browser


@requires_browser
def test_report_and_follow_up_with_javascript_off(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By

    _app, base = live_app
    driver = driver_for(javascript=False)
    try:
        driver.get(f"{base}/")
        assert driver.current_url.endswith("/en/")
        receipt, record = minimal_path(
            driver, base, "en", "They stopped my methadone at the clinic."
        )
        assert record.pages == ["story", "country", "more", "check", "receipt"]
        assert len(receipt.replace(" ", "")) == 16
        # At 320 pixels a group of four digits may move to the next line, never break inside.
        phone(driver, 320)
        heights = {
            g.rect["height"] for g in driver.find_elements(By.CSS_SELECTOR, ".receipt .group")
        }
        assert len(heights) == 1 and max(heights) < 60
        # At 360 pixels, a common cheap phone, the whole number fits on one line.
        phone(driver, 360)
        lines = {g.rect["y"] for g in driver.find_elements(By.CSS_SELECTOR, ".receipt .group")}
        assert len(lines) == 1
        phone(driver, 400)

        click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Follow up a report"))
        driver.find_element(By.ID, "receipt").send_keys(receipt)
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[@type='submit']"))
        main = driver.find_element(By.TAG_NAME, "main").text
        assert "Received, waiting to be read" in main, main
        assert "methadone" not in driver.page_source
        cookies = driver.get_cookies()
        assert [c["name"] for c in cookies] == ["csrf"]
    finally:
        driver.quit()


def _stored(app: Flask) -> list[Any]:
    from sqlalchemy import select

    from reporter.db import new_session
    from reporter.reports.models import Report

    session = new_session(app)
    try:
        return list(session.scalars(select(Report)))
    finally:
        session.close()


@requires_browser
@pytest.mark.parametrize("language", ["es", "ar"])
def test_minimal_and_complete_paths_with_javascript_off(
    live_app: tuple[Flask, str], language: str, tmp_path: Path, network: Any
) -> None:
    from reporter.reports.service import open_report
    from tests.media import jpeg_with_gps

    app, base = live_app
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_gps())
    driver = driver_for(javascript=False)
    try:
        phone(driver, 360)
        _receipt, minimal = minimal_path(driver, base, language, "Me quitaron las jeringas.")
        assert minimal.taps <= 6, minimal
        _receipt, complete = complete_path(
            driver, base, language, "Dos policías me pidieron dinero.", photo
        )
        assert complete.pages[-1] == "receipt", complete.pages
        assert overflow(driver) == []
    finally:
        driver.quit()
    reports = _stored(app)
    assert len(reports) == 2
    from reporter.db import new_session

    session = new_session(app)
    try:
        contents = sorted(
            (
                open_report(session, session.merge(r), network.brazil, network.key(network.brazil))
                for r in reports
            ),
            key=lambda c: len(c.violations),
        )
    finally:
        session.close()
    bare, full = contents
    assert bare.violations == [] and bare.language == language
    assert full.violations == ["extortion_bribe", "confiscation_supplies"]
    assert (full.incident_year, full.incident_month, full.region, full.city) == (
        2025,
        3,
        "BR-SP",
        "Campinas",
    )
    assert full.relation == "self" and full.count_in_statistics is True
    assert len(full.attachments) == 1


@requires_browser
def test_a_resend_after_the_confirmation_stores_one_report(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By

    app, base = live_app
    driver = driver_for(javascript=False)
    try:
        receipt, _record = minimal_path(driver, base, "en", "They took my condoms.")
        # The confirmation was lost on a slow circuit: the person sends again (a reload
        # re-posts "Send report") and sees the same confirmation.
        driver.refresh()
        assert driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text == receipt
        assert "We had already received this report" in driver.page_source
        # Back to "Check your answers" through the history: the story and receipt are gone.
        driver.back()
        if "They took my condoms." not in driver.page_source:
            driver.refresh()  # Chromium's "Confirm form resubmission", accepted
        assert "This report was already sent" in driver.page_source
        assert "They took my condoms." not in driver.page_source
        assert receipt.split()[0] not in driver.page_source
    finally:
        driver.quit()
    assert len(_stored(app)) == 1


@requires_browser
def test_too_many_reports_keeps_the_story(app_factory: Any, network: Any) -> None:
    from selenium.webdriver.common.by import By

    from tests.browser import live_server

    served = live_server(lambda **kw: app_factory(anonymous_submit_capacity="1 per minute", **kw))
    app, base = next(served)
    driver = driver_for(javascript=False)
    try:
        minimal_path(driver, base, "en", "First report.")
        record = story_and_country(driver, base, "en", "My second story, still here.")
        press(driver, "check", record)
        press(driver, "send", record)
        main = driver.find_element(By.TAG_NAME, "main").text
        assert "Many reports were sent from here" in main, main
        assert "My second story, still here." in main
        story = driver.find_element(By.CSS_SELECTOR, "input[name=narrative]")
        assert story.get_attribute("value") == "My second story, still here."
    finally:
        driver.quit()
        next(served, None)
    assert len(_stored(app)) == 1


@requires_browser
def test_quick_exit_by_escape_replaces_the_page(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    _app, base = live_app
    driver = driver_for(javascript=True)
    try:
        driver.get(f"{base}/en/safety")
        driver.get(f"{base}/en/report")
        ActionChains(driver).send_keys(Keys.ESCAPE).send_keys(Keys.ESCAPE).send_keys(
            Keys.ESCAPE
        ).perform()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/static/favicon.ico"))
        driver.back()
        # The report page was replaced in the history: going back skips it.
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/en/safety"))
    finally:
        driver.quit()


@requires_browser
def test_quick_exit_link_works_without_javascript(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By

    _app, base = live_app
    driver = driver_for(javascript=False)
    try:
        driver.get(f"{base}/es/")
        click_and_wait(driver, driver.find_element(By.ID, "quick-exit"))
        assert driver.current_url.endswith("/static/favicon.ico")
    finally:
        driver.quit()


@requires_browser
def test_public_pages_fit_320_pixels_in_both_directions(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By

    _app, base = live_app
    driver = driver_for(javascript=False)
    try:
        phone(driver, 320)
        for language in ("en", "ar"):
            for path in ("/", "/report", "/followup", "/safety"):
                driver.get(f"{base}/{language}{path}")
                assert overflow(driver) == [], (language, path)
            record = PathRecord()
            start_report(driver, base, language, record)
            driver.find_element(By.ID, "narrative").send_keys("x")
            press(driver, "next", record)
            choose(driver, "country", "BR", record)
            press(driver, "next", record)
            press(driver, "next", record)
            for action in ("next", "skip", "skip", "skip", "skip", "skip", "next", "skip"):
                assert overflow(driver) == [], (language, record.pages[-1])
                press(driver, action, record)
            assert record.pages[-1] == "check"
            assert overflow(driver) == [], (language, "check")
            html = driver.find_element(By.TAG_NAME, "html")
            assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            # The quick exit sits in the header, never over a control.
            exit_box = driver.find_element(By.ID, "quick-exit").rect
            header_box = driver.find_element(By.TAG_NAME, "header").rect
            assert exit_box["y"] + exit_box["height"] <= header_box["y"] + header_box["height"]
            # Every checkbox and radio is a tap target of at least 44 pixels.
            for label in driver.find_elements(By.CSS_SELECTOR, "label:has(input[type=checkbox])"):
                assert label.rect["height"] >= 44
    finally:
        driver.quit()


@requires_browser
def test_staff_pages_fit_360_pixels(live_app: tuple[Flask, str], network: Any) -> None:
    from selenium.webdriver.common.by import By

    from reporter.db import new_session
    from tests.factories import code_statistics, make_story

    app, base = live_app
    staff_with_a_report(app, network)
    session = new_session(app)
    code_statistics(session, network)
    # A published story whose words are longer than a phone is wide.
    make_story(
        session,
        network.brazil,
        network.key(network.brazil),
        "A story for advocacy: https://example.org/" + "averylongaddress" * 8,
    )
    session.commit()
    session.close()
    driver = driver_for(javascript=False)
    try:
        phone(driver, 360)
        log_in(driver, base)
        for path in (
            "/staff/",
            "/staff/queue",
            "/staff/admin/people",
            "/staff/admin/audit",
            "/staff/stats",
            "/staff/stats/brief",
            "/staff/admin/publishing",
            "/staff/stories",
        ):
            driver.get(f"{base}{path}")
            sticking_out = overflow(driver)
            assert sticking_out == [], (path, sticking_out)
        driver.get(f"{base}/staff/queue")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "table.queue a"))
        assert overflow(driver) == [], "case page"
    finally:
        driver.quit()


@requires_browser
def test_a_file_too_large_for_the_server_loses_no_answer(
    app_factory: Any, network: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    from tests.browser import live_server

    # One file of 1 MB at most: the server refuses a body over 3 MB before reading it.
    served = live_server(lambda **kw: app_factory(max_attachment_mb=1, max_attachments=1, **kw))
    app, base = next(served)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + bytes(4 * 1024 * 1024))
    driver = driver_for(javascript=False)
    try:
        record = story_and_country(driver, base, "en", "My story must not be lost.")
        press(driver, "check", record)
        receipt = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
        add_file(driver, big, record)
        press(driver, "send", record)
        assert "Files too large" in driver.find_element(By.TAG_NAME, "main").text
        # The page says "go back": the answers, and the receipt, are there.
        driver.back()
        if not driver.find_elements(By.CSS_SELECTOR, "input[name=narrative]"):
            driver.refresh()  # Chromium's "Confirm form resubmission", accepted
        story = driver.find_element(By.CSS_SELECTOR, "input[name=narrative]")
        assert story.get_attribute("value") == "My story must not be lost."
        assert driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text == receipt
    finally:
        driver.quit()
        next(served, None)
    assert _stored(app) == []
