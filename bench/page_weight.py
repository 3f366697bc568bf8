"""Measure what the landing page and the report form cost a reporter's phone to load.

Against a running instance (for example `scripts/demo.sh`), fetch each page as a browser with an
empty cache would: the HTML and every stylesheet, script and icon it links to. Prints, per page,
the number of requests and the bytes transferred (headers and bodies as sent, and the bodies as a
gzip-compressing proxy such as the shipped nginx example would send them), then checks the budget:
at most 30 KB and 5 requests per page.

    python bench/page_weight.py http://127.0.0.1:5000 [--language es] [--country BR]
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 5


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if (values.get("href") or values.get("src") or "").startswith("data:"):
            return  # inline: no request
        if tag == "link" and values.get("rel") in ("stylesheet", "icon") and values.get("href"):
            self.urls.append(values["href"] or "")
        elif tag in ("script", "img") and values.get("src"):
            self.urls.append(values["src"] or "")


@dataclass
class PageCost:
    name: str
    requests: int = 0
    sent_bytes: int = 0  # headers + bodies as the server sent them
    gzip_bytes: int = 0  # headers + bodies as a gzip-compressing proxy would send them
    items: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, url: str, header_bytes: int, body: bytes, encoded: bool) -> None:
        compressed = len(body) if encoded else len(gzip.compress(body, compresslevel=6))
        self.requests += 1
        self.sent_bytes += header_bytes + len(body)
        self.gzip_bytes += header_bytes + min(len(body), compressed)
        self.items.append((url, len(body), compressed))


def _fetch(
    opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None
) -> tuple[int, bytes, bool, str]:
    request = urllib.request.Request(url, data=data, headers={"Accept-Encoding": "gzip"})
    with opener.open(request, timeout=30) as response:
        body = response.read()
        header_bytes = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
        encoded = response.headers.get("Content-Encoding") == "gzip"
        text = (
            gzip.decompress(body).decode("utf-8", "replace")
            if encoded
            else body.decode("utf-8", "replace")
        )
        return header_bytes, body, encoded, text


def _measure(
    name: str, opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None
) -> tuple[PageCost, str]:
    cost = PageCost(name)
    header_bytes, body, encoded, text = _fetch(opener, url, data)
    cost.add(url, header_bytes, body, encoded)
    parser = _Resources()
    parser.feed(text)
    for resource in parser.urls:
        absolute = urllib.parse.urljoin(url, resource)
        res_headers, res_body, res_encoded, _ = _fetch(opener, absolute)
        cost.add(absolute, res_headers, res_body, res_encoded)
    return cost, text


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("base_url")
    arguments.add_argument("--language", default="en")
    arguments.add_argument(
        "--country", default="", help="country for step 2 (default: the first listed)"
    )
    options = arguments.parse_args()
    base = options.base_url.rstrip("/")
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    landing, _ = _measure("landing page", opener, f"{base}/{options.language}/")
    step_one, text = _measure(
        "report form, step 1 (country)", opener, f"{base}/{options.language}/report"
    )
    pages = [landing, step_one]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    if 'name="step" value="details"' not in text and token:
        country = options.country or (re.findall(r'<option value="([A-Z]{2})"', text) or [""])[0]
        form = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "step": "country", "country": country}
        )
        step_two, _ = _measure(
            f"report form, step 2 ({country})",
            opener,
            f"{base}/{options.language}/report",
            form.encode(),
        )
        pages.append(step_two)

    within = True
    print(f"{'page':<34} {'requests':>8} {'as sent':>10} {'gzip':>10}")
    for page in pages:
        ok = page.requests <= BUDGET_REQUESTS and page.gzip_bytes <= BUDGET_BYTES
        within = within and ok
        print(
            f"{page.name:<34} {page.requests:>8} {page.sent_bytes / 1024:>8.1f}KB {page.gzip_bytes / 1024:>8.1f}KB  {'ok' if ok else 'OVER BUDGET'}"
        )
        for url, raw, compressed in page.items:
            print(f"    {urllib.parse.urlsplit(url).path:<40} {raw:>7} B  gzip {compressed:>6} B")
    print(
        f"budget per page: {BUDGET_REQUESTS} requests, {BUDGET_BYTES // 1024} KB transferred (compressed)"
    )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
