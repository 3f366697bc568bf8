"""Helpers for the browser tests: Debian's Chromium through Selenium, a live server, a phone screen."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

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


def live_server(app_factory: Any) -> Iterator[tuple[Flask, str]]:
    """An app served on a loopback port by a thread; stops when the test ends."""
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


def driver_for(javascript: bool) -> Any:
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
    preferences: dict[str, object] = {
        "download.default_directory": profile,
        "download.prompt_for_download": False,
    }
    if not javascript:
        preferences["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", preferences)
    # Every request a page makes, for `Contacts`.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


@dataclass
class Contacts:
    """Every address the browser's pages asked for (from Chromium's network log), and the status
    each answered with."""

    hosts: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)

    def read(self, driver: Any) -> Contacts:
        """Add what the pages asked for since the last read."""
        import json
        from urllib.parse import urlsplit

        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                url = params["request"]["url"]
            elif message["method"] == "Network.webSocketCreated":
                url = params["url"]
            elif message["method"] == "Network.responseReceived":
                self.statuses[params["response"]["url"]] = params["response"]["status"]
                continue
            else:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("data", "blob", "about", "chrome", "devtools"):
                self.hosts.add(f"{parts.scheme}://{parts.netloc}")
        return self


def fill_form(driver: Any, form: Any, fields: dict[str, object]) -> None:
    """Answer a form's fields as a person would: pick in lists, tick boxes, type in text boxes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in fields.items():
        values = [str(item) for item in value] if isinstance(value, list) else [str(value)]
        elements = form.find_elements(By.NAME, name)
        if not elements:
            continue
        first = elements[0]
        if first.tag_name == "select":
            Select(first).select_by_value(values[0])
        elif first.get_attribute("type") in ("checkbox", "radio"):
            for element in elements:
                wanted = element.get_attribute("value") in values
                if element.is_selected() != wanted:
                    element.click()
        else:
            first.clear()
            first.send_keys(values[0])


def click_and_wait(
    driver: Any, element: Any, before: Callable[[], object] | None = None, timeout: float = 15
) -> None:
    """Click, then wait until the next page has replaced this one and finished loading."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    if before is not None:
        before()
    element.click()

    def replaced(_driver: Any) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            # Stale, or (as Chromium sometimes words it mid-navigation) "node with given id does
            # not belong to the document": either way the old page is gone.
            return True
        return False

    WebDriverWait(driver, timeout).until(replaced)

    # The old page is gone; wait until the new one is whole before anyone looks into it.
    def loaded(_driver: Any) -> bool:
        try:
            return bool(driver.execute_script("return document.readyState") == "complete")
        except WebDriverException:
            return False  # between two documents for a moment

    WebDriverWait(driver, timeout).until(loaded)


def overflow(driver: Any) -> list[str]:
    """What sticks out past the screen's edge: the page's width, and the elements that do."""
    return list(
        driver.execute_script(
            """
            const width = document.documentElement.clientWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) {
              out.push('page ' + document.documentElement.scrollWidth + ' > ' + width);
            }
            for (const el of document.querySelectorAll('body *')) {
              const box = el.getBoundingClientRect();
              if (box.width && (box.right > width + 1 || box.left < -1)
                  && getComputedStyle(el).position !== 'absolute') {
                out.push(el.tagName + '.' + el.className + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
              }
            }
            return out;
            """
        )
    )


def phone(driver: Any, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 740, "deviceScaleFactor": 1, "mobile": True},
    )


def staff_with_a_report(app: Flask, network: Any) -> None:
    """An organisation admin ("admin", the test passphrase and TOTP) and one report to read."""
    from reporter.accounts.models import ORG_ADMIN
    from tests.conftest import submit
    from tests.staff import make_member

    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    submit(app.test_client())


def log_in(driver: Any, base: str) -> None:
    """Log the admin of staff_with_a_report in through the login form."""
    from selenium.webdriver.common.by import By

    from tests.staff import PASSPHRASE, code

    driver.get(f"{base}/staff/login")
    driver.find_element(By.ID, "username").send_keys("admin")
    driver.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    driver.find_element(By.ID, "code").send_keys(code())
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


@dataclass
class PathRecord:
    """What one walk through the report cost the person: pages seen, taps, page heights."""

    pages: list[str] = field(default_factory=list)
    taps: int = 0
    heights: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def arrive(self, driver: Any) -> None:
        from selenium.webdriver.common.by import By

        keys = driver.find_elements(By.CSS_SELECTOR, "input[name=page]")
        self.pages.append(keys[0].get_attribute("value") if keys else "receipt")
        self.heights.append(
            int(driver.execute_script("return document.documentElement.scrollHeight"))
        )


def press(driver: Any, action: str, record: PathRecord, timeout: float = 15) -> None:
    """Press the page's button for an action (next, skip, check, send…) and wait for the next."""
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.CSS_SELECTOR, f"button[name=action][value='{action}']")
    click_and_wait(driver, button, timeout=timeout)
    record.taps += 1
    record.arrive(driver)


def tick(driver: Any, name: str, value: str, record: PathRecord) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"input[name={name}][value='{value}']").click()
    record.taps += 1


def choose(driver: Any, name: str, value: str, record: PathRecord) -> None:
    """Pick from a list: one choice (on a phone, the list opens and closes in one gesture)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, name)).select_by_value(value)
    record.taps += 1


def add_file(driver: Any, path: Path, record: PathRecord, field: str = "attachments") -> None:
    """On "Check your answers": open the files section (a tap, unless it is open) and choose."""
    from selenium.webdriver.common.by import By

    section = driver.find_element(By.CSS_SELECTOR, "details.files")
    if section.get_attribute("open") is None:
        section.find_element(By.TAG_NAME, "summary").click()
        record.taps += 1
    driver.find_element(By.ID, field).send_keys(str(path))
    record.taps += 1


def start_report(driver: Any, base: str, language: str, record: PathRecord) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/{language}/")
    link = driver.find_element(By.CSS_SELECTOR, f"main a[href='/{language}/report']")
    click_and_wait(driver, link)
    record.taps += 1
    record.arrive(driver)


def story_and_country(
    driver: Any, base: str, language: str, story: str, timeout: float = 15
) -> PathRecord:
    """From the landing page: the two required questions, up to "You can send your report now"."""
    from selenium.webdriver.common.by import By

    record = PathRecord()
    start_report(driver, base, language, record)
    driver.find_element(By.ID, "narrative").send_keys(story)
    press(driver, "next", record, timeout)
    choose(driver, "country", "BR", record)
    press(driver, "next", record, timeout)
    return record


def minimal_path(
    driver: Any, base: str, language: str, story: str, timeout: float = 15
) -> tuple[str, PathRecord]:
    """From the landing page: the story, the country, "check and send now", "Send report"."""
    from selenium.webdriver.common.by import By

    record = story_and_country(driver, base, language, story, timeout)
    press(driver, "check", record, timeout)
    pending = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
    press(driver, "send", record, timeout)
    sent = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
    assert sent == pending, (pending, sent)
    return sent, record


def complete_path(
    driver: Any, base: str, language: str, story: str, photo: Path, timeout: float = 15
) -> tuple[str, PathRecord]:
    """Every question answered, and a photo added on the last page."""
    from selenium.webdriver.common.by import By

    record = story_and_country(driver, base, language, story, timeout)
    press(driver, "next", record, timeout)  # answer more questions
    tick(driver, "violation_groups", "policing", record)
    press(driver, "next", record, timeout)
    tick(driver, "violations", "extortion_bribe", record)
    tick(driver, "violations", "confiscation_supplies", record)
    press(driver, "next", record, timeout)
    choose(driver, "incident_month", "3", record)
    choose(driver, "incident_year", "2025", record)
    press(driver, "next", record, timeout)
    choose(driver, "region", "BR-SP", record)
    driver.find_element(By.ID, "city").send_keys("Campinas")
    tick(driver, "location_type", "street_public", record)
    press(driver, "next", record, timeout)
    tick(driver, "perpetrators", "police", record)
    press(driver, "next", record, timeout)
    tick(driver, "relation", "self", record)
    tick(driver, "populations", "sex_worker", record)
    press(driver, "next", record, timeout)
    tick(driver, "sought_protection", "no", record)
    tick(driver, "reasons_not", "fear_of_reprisal", record)
    press(driver, "next", record, timeout)
    tick(driver, "count_in_statistics", "y", record)
    press(driver, "next", record, timeout)
    press(driver, "skip", record, timeout)  # no contact
    pending = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
    add_file(driver, photo, record)
    press(driver, "send", record, timeout)
    sent = driver.find_element(By.CSS_SELECTOR, ".receipt .digits").text
    assert sent == pending, (pending, sent)
    return sent, record
