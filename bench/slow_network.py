"""Load every public page in every language over an emulated slow network, as a reporter would.

Debian's Chromium, headless, 360 x 740, JavaScript off, an empty cache for every page, and
Chromium's network emulation: GPRS (50 kbit/s down, 25 kbit/s up, 500 ms latency) and a Tor-like
profile (1 s latency, 500 kbit/s both ways). Prints, per page and profile, the time until the
page's load event and the number of requests; then the minimal report path (landing, story,
country, "check and send now", send) as the sum of its pages' network time. Targets: 1.2 s (GPRS) and 1.5 s (Tor-like) a page.

    reporter demo && reporter run --port 5077 &
    python bench/slow_network.py http://127.0.0.1:5077
    python bench/slow_network.py http://127.0.0.1:5077 --languages en,ar --profiles gprs
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path, and bench/queue.py would shadow the
# standard library's queue module.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from reporter.settings import LANGUAGES

PROFILES = {
    # Chromium's "latency" is added to every request: the round trip of a slow link.
    "gprs": {"latency": 500, "downloadThroughput": 50_000 / 8, "uploadThroughput": 25_000 / 8},
    "tor": {"latency": 1000, "downloadThroughput": 500_000 / 8, "uploadThroughput": 500_000 / 8},
}
TARGETS = {"gprs": 1.2, "tor": 1.5}
PAGES = ("/", "/report", "/followup", "/safety")


def _browser() -> Any:
    """The test suite's Chromium (Debian's, headless, JavaScript off), as a phone."""
    from tests.browser import driver_for

    driver = driver_for(javascript=False)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return driver


def _emulate(driver: Any, profile: str) -> None:
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": False, **PROFILES[profile]}
    )


def _measure(driver: Any) -> tuple[float, int, int]:
    """Seconds to the load event, requests, and bytes over the wire, of the page just loaded."""
    timing = driver.execute_script(
        """
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        return [nav.loadEventEnd, 1 + resources.length,
                nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0)];
        """
    )
    return timing[0] / 1000, int(timing[1]), int(timing[2])


def _press(driver: Any, action: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser import click_and_wait

    button = driver.find_element(By.CSS_SELECTOR, f"button[name=action][value='{action}']")
    click_and_wait(driver, button, timeout=120)
    WebDriverWait(driver, 120).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _report_path(driver: Any, base: str, language: str) -> list[tuple[str, float, int, int]]:
    """The minimal path: landing, story, country, "check and send now", "Send report"."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    steps = []
    driver.get(f"{base}/{language}/")
    steps.append(("landing", *_measure(driver)))
    driver.get(f"{base}/{language}/report")
    steps.append(("story", *_measure(driver)))
    driver.find_element(By.ID, "narrative").send_keys("They took my syringes.")
    _press(driver, "next")
    steps.append(("story → country", *_measure(driver)))
    Select(driver.find_element(By.ID, "country")).select_by_value("BR")
    _press(driver, "next")
    steps.append(("country → send now?", *_measure(driver)))
    _press(driver, "check")
    steps.append(("→ check answers", *_measure(driver)))
    _press(driver, "send")
    assert driver.find_elements(By.CSS_SELECTOR, "p.receipt:not(.pending)"), "not accepted"
    steps.append(("send → receipt", *_measure(driver)))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:5077")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--profiles", default="gprs,tor")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    languages = args.languages.split(",")
    profiles = args.profiles.split(",")
    driver = _browser()
    try:
        for profile in profiles:
            _emulate(driver, profile)
            # One unmeasured load: a fresh browser's first navigation also starts its renderer.
            driver.get(f"{base}/{languages[0]}/")
            print(f"\n## {profile}: target {TARGETS[profile]} s per page\n")
            print("| language | page | load (s) | requests | bytes |")
            print("|---|---|---|---|---|")
            times = []
            for language in languages:
                for path in PAGES:
                    driver.get(f"{base}/{language}{path}")
                    seconds, requests, size = _measure(driver)
                    times.append(seconds)
                    print(f"| {language} | {path} | {seconds:.2f} | {requests} | {size} |")
            print(
                f"\n{profile}: {len(times)} pages, median {statistics.median(times):.2f} s, "
                f"slowest {max(times):.2f} s, over target: "
                f"{sum(t > TARGETS[profile] for t in times)}"
            )
            print(f"\n### {profile}: report path (network time to each load event)\n")
            print("| language | step | load (s) | requests | bytes |")
            print("|---|---|---|---|---|")
            for language in languages:
                steps = _report_path(driver, base, language)
                for step, seconds, requests, size in steps:
                    print(f"| {language} | {step} | {seconds:.2f} | {requests} | {size} |")
                total = sum(step[1] for step in steps)
                print(f"| {language} | **whole path** | **{total:.2f}** | | |")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
