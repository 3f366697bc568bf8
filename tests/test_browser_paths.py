"""The whole reporter path and the whole staff path in Debian's Chromium, with JavaScript on and
off, each watched through the browser's network log: no page asks any host but the app's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from reporter.coding.models import CaseAct
from reporter.db import new_session
from reporter.reports.models import Message
from tests.browser import (
    Contacts,
    click_and_wait,
    complete_path,
    driver_for,
    fill_form,
    log_in,
    phone,
    requires_browser,
    staff_with_a_report,
)
from tests.factories import act_form
from tests.media import jpeg_with_gps

pytestmark = pytest.mark.browser


def _count(app: Flask, model: Any, *where: Any) -> int:
    session = new_session(app)
    try:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        session.close()


@requires_browser
@pytest.mark.parametrize("javascript", [False, True])
def test_the_reporter_path_asks_no_other_host(
    live_app: tuple[Flask, str], tmp_path: Path, javascript: bool
) -> None:
    from selenium.webdriver.common.by import By

    app, base = live_app
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_gps())
    contacts = Contacts()
    driver = driver_for(javascript=javascript)
    try:
        phone(driver, 360)
        receipt, record = complete_path(driver, base, "es", "Me quitaron las jeringas.", photo)
        assert record.pages[-1] == "receipt"
        contacts.read(driver)
        # The follow-up: open the thread with the receipt, write back.
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "a[href='/es/followup']"))
        driver.find_element(By.ID, "receipt").send_keys(receipt)
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[@type='submit']"))
        driver.find_element(By.ID, "text").send_keys("Estoy bien, gracias.")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        contacts.read(driver)
    finally:
        driver.quit()
    assert _count(app, Message, Message.author == "reporter") == 1
    assert contacts.hosts == {base}, contacts.hosts


@requires_browser
@pytest.mark.parametrize("javascript", [False, True])
def test_the_staff_path_asks_no_other_host(
    live_app: tuple[Flask, str], network: Any, javascript: bool
) -> None:
    from selenium.webdriver.common.by import By

    app, base = live_app
    staff_with_a_report(app, network)
    contacts = Contacts()
    driver = driver_for(javascript=javascript)
    try:
        log_in(driver, base)  # passphrase and TOTP code
        assert driver.current_url.endswith("/staff/"), driver.current_url
        driver.get(f"{base}/staff/queue")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "table.queue a"))
        case = driver.current_url
        # Code an act.
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "a[href$='/acts/new']"))
        form = driver.find_element(By.CSS_SELECTOR, "main form")
        fill_form(driver, form, act_form())
        click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        assert driver.current_url.startswith(case), driver.current_url
        # Write to the reporter.
        message = driver.find_element(By.CSS_SELECTOR, "form[action$='/messages']")
        message.find_element(By.NAME, "text").send_keys("¿Está a salvo?")
        click_and_wait(driver, message.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        # The statistics, and a download of them.
        driver.get(f"{base}/staff/stats")
        download = driver.find_element(By.CSS_SELECTOR, "p.downloads a[href*='export.json']")
        export = download.get_attribute("href")
        download.click()
        driver.get(f"{base}/staff/stats")
        contacts.read(driver)
    finally:
        driver.quit()
    assert _count(app, CaseAct) == 1
    assert _count(app, Message, Message.author == "staff") == 1
    assert contacts.statuses.get(export) == 200, contacts.statuses
    assert contacts.hosts == {base}, contacts.hosts


def test_contacts_see_a_page_that_asks_another_host() -> None:
    """The watch is not blind: a request to another host is seen."""
    import json

    class Logged:
        def get_log(self, _kind: str) -> list[dict[str, str]]:
            return [
                {
                    "message": json.dumps(
                        {
                            "message": {
                                "method": "Network.requestWillBeSent",
                                "params": {"request": {"url": "https://fonts.example/a.woff2"}},
                            }
                        }
                    )
                }
            ]

    assert Contacts().read(Logged()).hosts == {"https://fonts.example"}
