"""Crashes during submissions: the app under gunicorn is killed (SIGKILL, master and workers at
once) again and again while reporters send reports with large files. After each restart every
report whose receipt was shown is complete: its thread opens with the receipt, and staff read its
story and every file, whole. No report without its case, no file with a chunk missing, no chunk
without its file; the database passes its integrity check."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import report_fields
from tests.integrity import assert_whole
from tests.media import jpeg_with_gps
from tests.servers import DRAFT, Served, csrf_of, form_data, served

ROUNDS = 6
REPORTERS = 4
PHOTO = jpeg_with_gps(size=(1400, 1000), noise=True)  # about 1.5 MB: some 25 chunks stored


@pytest.fixture
def crashing(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path, Served, "crash") as machine:
        yield machine


def _send(machine: Served, narrative: str, receipts: dict[str, str]) -> None:
    """One report with a large photo; its receipt noted if the page showed one. A connection the
    crash cuts is what a reporter would see as a failed send."""
    try:
        with httpx.Client(base_url=machine.base, timeout=30) as reporter:
            fields = {
                **report_fields(country="CO", region="CO-ANT", narrative=narrative),
                "csrf_token": csrf_of(reporter.get("/es/followup").text),
            }
            check = reporter.post(
                "/es/report", data=form_data({**fields, "page": "more", "action": "check"})
            )
            fields.update(dict(DRAFT.findall(check.text)))
            sent = reporter.post(
                "/es/report",
                data=form_data({**fields, "page": "check", "action": "send"}),
                files=[("attachments", ("photo.jpg", PHOTO, "image/jpeg"))],
            )
    except (httpx.TransportError, AssertionError):
        return
    groups = re.findall(r'<span class="group">([0-9]{4})</span>', sent.text)
    if sent.status_code == 200 and 'class="receipt"' in sent.text:
        receipts[narrative] = " ".join(groups[:4])


def _flood_and_crash(machine: Served, round_number: int, receipts: dict[str, str]) -> None:
    machine.start(own_process_group=True)
    threads = [
        threading.Thread(
            target=lambda number=number: [
                _send(machine, f"CRASH round {round_number} reporter {number} report {n}", receipts)
                for n in range(3)
            ]
        )
        for number in range(REPORTERS)
    ]
    for thread in threads:
        thread.start()
    # Kill at a different moment each round: before, during and after files are stored.
    time.sleep(random.Random(round_number).uniform(0.3, 2.5))
    machine.crash()
    for thread in threads:
        thread.join(timeout=60)


def _staff_reads_everything(machine: Served) -> dict[str, list[bytes]]:
    """Every case's story (as its page shows it) -> the files staff download from it."""
    staff = machine.log_in("ana")
    read: dict[str, list[bytes]] = {}
    for page_number in range(1, 50):
        queue = staff.get("/staff/queue", params={"page": page_number}).text
        cases = list(dict.fromkeys(re.findall(r'href="(/staff/cases/[0-9a-f-]{36})"', queue)))
        new = [url for url in cases if url not in read]
        if not new:
            break
        for url in new:
            case = staff.get(url)
            assert case.status_code == 200, url
            story = re.search(r"CRASH round \d+ reporter \d+ report \d+", case.text)
            assert story, f"{url} shows no story"
            files = []
            for link in dict.fromkeys(re.findall(rf'href="({url}/files/\d+)"', case.text)):
                download = staff.get(link)
                assert download.status_code == 200, link
                files.append(download.content)
            read[story.group(0)] = files
    return read


def test_every_receipt_shown_before_a_crash_is_a_whole_report(crashing: Served) -> None:
    receipts: dict[str, str] = {}
    for round_number in range(ROUNDS):
        _flood_and_crash(crashing, round_number, receipts)
        assert_whole(crashing.database_url)
    # Some reports were sent whole and some were cut off: the crashes fell among submissions.
    assert receipts, "no report was sent before a crash: the test crashed too early"
    crashing.start()
    read = _staff_reads_everything(crashing)
    assert len(read) < ROUNDS * REPORTERS * 3, "no submission was cut off by a crash"
    for narrative, receipt in receipts.items():
        assert narrative in read, f"{narrative}: its receipt was shown, staff cannot read it"
        files = read[narrative]
        assert len(files) == 1 and len(files[0]) > 100_000, narrative
        with httpx.Client(base_url=crashing.base, timeout=30) as reporter:
            token = csrf_of(reporter.get("/es/followup").text)
            thread = reporter.post("/es/followup", data={"csrf_token": token, "receipt": receipt})
            assert thread.status_code == 200 and 'name="text"' in thread.text, narrative
    # Every stored report is whole, receipt seen or not: one photo each, all the same picture.
    digests = {hashlib.sha256(files[0]).hexdigest() for files in read.values() if files}
    assert all(len(files) == 1 for files in read.values()), read.keys()
    assert len(digests) == 1
    crashing.stop()
    assert_whole(crashing.database_url)
