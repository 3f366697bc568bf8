"""What the report costs a person on a cheap phone: pages, taps, screens and bytes, per language.

Debian's Chromium, headless, 360 x 740, JavaScript off, drives the same walks as the browser
tests (tests/browser.py): the minimal path (story and country only, then "check and send now")
and the complete path (every question answered, a photo added). Per language and path it prints
the pages, the taps (clicks and choices; typing excluded), the tallest page in phone screens
(740 px), and the largest page in bytes: as sent (question pages are POST answers, never
compressed: the BREACH rule) and gzip-compressed. Targets: the minimal path in at most 6 taps,
no page taller than 2 screens, none over 10 KB compressed.

    reporter demo && reporter run --port 5077 &
    python bench/reporter_path.py http://127.0.0.1:5077
    python bench/reporter_path.py http://127.0.0.1:5077 --languages es,ar
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path, and bench/queue.py would shadow the
# standard library's queue module.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from reporter.settings import LANGUAGES

SCREEN = 740
TARGETS = {"taps (minimal)": 6, "screens": 2.0, "compressed KB": 10.0}
STORY = "Two officers stopped me near the bus station, took my syringes and asked for money."


def _photo(folder: Path) -> Path:
    from PIL import Image

    path = folder / "photo.jpg"
    picture = Image.new("RGB", (1200, 900), (120, 90, 60))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


class Sizes:
    """The bytes of every page the walk arrives at, read from the browser as it arrives."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.compressed: list[int] = []

    def record(self, driver: Any) -> None:
        html = driver.execute_script("return document.documentElement.outerHTML").encode()
        self.sent.append(
            int(
                driver.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "return n ? (n.decodedBodySize || 0) : 0"
                )
            )
            or len(html)
        )
        self.compressed.append(len(gzip.compress(html, 9)))


def _walk(driver: Any, base: str, language: str, which: str, photo: Path) -> dict[str, Any]:
    from tests import browser

    sizes = Sizes()
    original = browser.PathRecord.arrive

    def arrive(record: Any, driver_: Any) -> None:
        original(record, driver_)
        sizes.record(driver_)

    browser.PathRecord.arrive = arrive  # type: ignore[method-assign]
    try:
        if which == "minimal":
            _receipt, record = browser.minimal_path(driver, base, language, STORY, timeout=60)
        else:
            _receipt, record = browser.complete_path(
                driver, base, language, STORY, photo, timeout=60
            )
    finally:
        browser.PathRecord.arrive = original  # type: ignore[method-assign]
    return {
        "pages": len(record.pages),
        "taps": record.taps,
        "screens": max(record.heights) / SCREEN,
        "tallest": record.pages[record.heights.index(max(record.heights))],
        # Every question page, without "Check your answers" and the confirmation.
        "question screens": max(
            height
            for page, height in zip(record.pages, record.heights, strict=True)
            if page not in ("check", "receipt")
        )
        / SCREEN,
        "sent KB": max(sizes.sent) / 1024,
        "compressed KB": max(sizes.compressed) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:5077")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args()
    base = args.base.rstrip("/")
    from tests.browser import driver_for, phone

    driver = driver_for(javascript=False)
    phone(driver, 360)
    print(
        "| language | path | pages | taps | tallest page (screens) | tallest question page "
        "(screens) | largest page sent (KB) | largest compressed (KB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    misses: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            photo = _photo(Path(folder))
            for language in args.languages.split(","):
                for which in ("minimal", "complete"):
                    row = _walk(driver, base, language, which, photo)
                    print(
                        f"| {language} | {which} | {row['pages']} | {row['taps']} "
                        f"| {row['screens']:.2f} ({row['tallest']}) "
                        f"| {row['question screens']:.2f} | {row['sent KB']:.1f} "
                        f"| {row['compressed KB']:.1f} |"
                    )
                    if which == "minimal" and row["taps"] > TARGETS["taps (minimal)"]:
                        misses.append(f"{language} minimal: {row['taps']} taps")
                    if row["screens"] > TARGETS["screens"]:
                        misses.append(f"{language} {which}: {row['tallest']} {row['screens']:.2f}")
                    if row["compressed KB"] > TARGETS["compressed KB"]:
                        misses.append(f"{language} {which}: {row['compressed KB']:.1f} KB")
    finally:
        driver.quit()
    print("\nTargets: minimal path <= 6 taps, pages <= 2 screens, <= 10 KB compressed.")
    print("Missed: " + ("; ".join(misses) if misses else "none"))


if __name__ == "__main__":
    main()
