"""The stylesheet and the quick-exit script, inlined in public pages and versioned for staff pages.

A public page must render from one request on a 2G phone or over Tor, where each round trip costs
about a second: its CSS and script travel inside the HTML, allowed by the Content-Security-Policy
through their SHA-256 hashes (never 'unsafe-inline'), and the page asks for no icon. Staff pages,
used again and again from better connections, link the same files under a versioned URL that
browsers may cache for a year.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Assets:
    css: str
    js: str
    # The report's question pages only (error summary, check answers): other pages stay lighter.
    report_css: str
    # Changes whenever either file changes: part of the static URLs, so a year of caching is safe.
    version: str

    @property
    def csp_sources(self) -> tuple[str, str]:
        """The CSP source expressions that allow exactly these inline blocks: (style, script)."""
        return f"{_csp_hash(self.css)} {_csp_hash(self.report_css)}", _csp_hash(self.js)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def load() -> Assets:
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    js = (STATIC / "exit.js").read_text(encoding="utf-8")
    report_css = (STATIC / "report.css").read_text(encoding="utf-8")
    # Staff pages also link staff.css (tables, case page): public pages never carry it.
    staff_css = (STATIC / "staff.css").read_text(encoding="utf-8")
    version = hashlib.sha256("\0".join((css, js, staff_css)).encode("utf-8")).hexdigest()[:12]
    return Assets(css=css, js=js, report_css=report_css, version=version)
