"""A real headless Chromium: the whole report flow with JavaScript off; quick exit with it on."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.browser import (
    click_and_wait,
    driver_for,
    log_in,
    overflow,
    phone,
    requires_browser,
    staff_with_a_report,
)

pytestmark = pytest.mark.browser


@requires_browser
def test_report_and_follow_up_with_javascript_off(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _app, base = live_app
    driver = driver_for(javascript=False)
    try:
        driver.get(f"{base}/")
        assert driver.current_url.endswith("/en/")
        click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Make a report"))
        Select(driver.find_element(By.ID, "country")).select_by_value("BR")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))

        driver.find_element(By.CSS_SELECTOR, "input[value=denial_oat]").click()
        Select(driver.find_element(By.ID, "incident_year")).select_by_index(1)
        driver.find_element(By.CSS_SELECTOR, "input[name=relation][value=self]").click()
        driver.find_element(By.ID, "narrative").send_keys(
            "They stopped my methadone at the clinic."
        )
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[@type='submit']"))
        main = driver.find_element(By.TAG_NAME, "main").text
        assert driver.find_elements(By.CLASS_NAME, "receipt"), main
        receipt = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
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
            driver.get(f"{base}/{language}/report")
            if driver.find_elements(By.ID, "country"):
                from selenium.webdriver.support.ui import Select

                Select(driver.find_element(By.ID, "country")).select_by_value("BR")
                click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            assert overflow(driver) == [], (language, "report details")
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

    app, base = live_app
    staff_with_a_report(app, network)
    driver = driver_for(javascript=False)
    try:
        phone(driver, 360)
        log_in(driver, base)
        for path in ("/staff/", "/staff/queue", "/staff/admin/people", "/staff/admin/audit"):
            driver.get(f"{base}{path}")
            sticking_out = overflow(driver)
            assert sticking_out == [], (path, sticking_out)
        driver.get(f"{base}/staff/queue")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "table.queue a"))
        assert overflow(driver) == [], "case page"
    finally:
        driver.quit()
