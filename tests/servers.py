"""Helpers for tests that run the app under gunicorn and talk to it over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

GUNICORN = Path(sys.executable).with_name("gunicorn")
GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
DRAFT = re.compile(r'<input type="hidden" name="(draft)" value="([^"]+)">')
RECEIPT_GROUP = re.compile(r'<span class="group">([0-9]{4})</span>')


def required(flag: str, reason: str) -> NoReturn:
    """Skip for want of something, or fail when the run says it must be there."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason}, and {flag}=1")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server stopped ({process.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def csrf_of(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_data(fields: dict[str, Any]) -> dict[str, str | list[str]]:
    return {
        key: [str(item) for item in value] if isinstance(value, list) else str(value)
        for key, value in fields.items()
    }


def receipt_on(page: str) -> str:
    """The receipt a confirmation page shows, as four groups of four digits."""
    return " ".join(RECEIPT_GROUP.findall(page[page.index('class="receipt"') :])[:4])
