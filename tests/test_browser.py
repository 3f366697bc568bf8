"""A real headless Chromium: the whole report flow with JavaScript off; quick exit with it on."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
if not HAVE_BROWSER and os.environ.get("REPORTER_REQUIRE_BROWSER") == "1":
    raise RuntimeError(
        "REPORTER_REQUIRE_BROWSER=1 but Debian's chromium/chromium-driver are missing"
    )
requires_browser = pytest.mark.skipif(
    not HAVE_BROWSER, reason="install Debian's chromium and chromium-driver"
)


@pytest.fixture
def live_app(app_factory: Any, network: object) -> Iterator[tuple[Flask, str]]:
    holder: dict[str, str] = {}
    server = make_server("127.0.0.1", 0, _Deferred(holder))
    base = f"http://127.0.0.1:{server.server_port}"
    app: Flask = app_factory(quick_exit_url=f"{base}/static/favicon.ico")
    holder["app"] = app  # type: ignore[assignment]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base
    server.shutdown()
    thread.join(timeout=5)


class _Deferred:
    """The server starts before the app so the app can know the server's port."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.holder["app"](environ, start_response)


def _driver(javascript: bool) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="reporter-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=400,800",
    ):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def _click_and_wait(driver: Any, element: Any) -> None:
    """Click, then wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_driver: Any) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            # Stale, or (as Chromium sometimes words it mid-navigation) "node with given id does
            # not belong to the document": either way the old page is gone.
            return True
        return False

    WebDriverWait(driver, 15).until(replaced)


@requires_browser
def test_report_and_follow_up_with_javascript_off(live_app: tuple[Flask, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _app, base = live_app
    driver = _driver(javascript=False)
    try:
        driver.get(f"{base}/")
        assert driver.current_url.endswith("/en/")
        _click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Make a report"))
        Select(driver.find_element(By.ID, "country")).select_by_value("BR")
        _click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))

        driver.find_element(By.CSS_SELECTOR, "input[value=denial_oat]").click()
        Select(driver.find_element(By.ID, "incident_year")).select_by_index(1)
        driver.find_element(By.CSS_SELECTOR, "input[name=relation][value=self]").click()
        driver.find_element(By.ID, "narrative").send_keys(
            "They stopped my methadone at the clinic."
        )
        _click_and_wait(driver, driver.find_element(By.XPATH, "//button[@type='submit']"))
        main = driver.find_element(By.TAG_NAME, "main").text
        assert driver.find_elements(By.CLASS_NAME, "receipt"), main
        receipt = driver.find_element(By.CLASS_NAME, "receipt").text
        assert len(receipt.replace(" ", "")) == 16

        _click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Follow up a report"))
        driver.find_element(By.ID, "receipt").send_keys(receipt)
        _click_and_wait(driver, driver.find_element(By.XPATH, "//button[@type='submit']"))
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
    driver = _driver(javascript=True)
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
    driver = _driver(javascript=False)
    try:
        driver.get(f"{base}/es/")
        _click_and_wait(driver, driver.find_element(By.ID, "quick-exit"))
        assert driver.current_url.endswith("/static/favicon.ico")
    finally:
        driver.quit()
