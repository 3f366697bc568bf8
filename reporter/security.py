"""Security defaults for every response, uploads kept in memory, no request logging, proxies."""

from __future__ import annotations

import io
import ipaddress
import logging
import re
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from flask import Flask, Request, Response, after_this_request, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, ClientDisconnected
from werkzeug.formparser import FormDataParser

from reporter.assets import Assets

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# For files nginx serves itself (config/nginx-security-headers.conf); pages get
# content_security_policy() below, which adds the hashes of their inline blocks.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
# Compresses the responses of the views decorated with compress.compressed(): only GET pages that
# echo nothing an attacker chose next to a secret (the BREACH rule, docs/deploy.md).
compress = Compress()
# Every POST needs its CSRF token, checked before the view runs (a view that forgot to check is
# still protected). The public report and follow-up pages check it themselves instead: a person
# whose page expired gets 400 with everything they typed kept (reporter/reports/views.py,
# reporter/followup/views.py); a question page needs none to move on, only "Send report" does.
csrf = CSRFProtect()
PUBLIC_FORMS_CHECKING_THEIR_OWN_TOKEN = ("reports", "followup")
# Ending one's own session needs no token: its cookie is SameSite=Strict, and a staff page whose
# token expired must still be able to log out.
VIEWS_WITHOUT_TOKEN = ("reporter.staff.views.logout",)


def protect_forms(app: Flask) -> None:
    """Once the blueprints are registered: every POST checked, but for the exceptions above."""
    csrf.init_app(app)
    for name in PUBLIC_FORMS_CHECKING_THEIR_OWN_TOKEN:
        if name in app.blueprints:  # absent from a staff-only process
            csrf.exempt(app.blueprints[name])
    for view in VIEWS_WITHOUT_TOKEN:
        csrf.exempt(view)


def compress_this_response() -> None:
    """Compress the response to this request (if the browser asks): for a page that carries no
    receipt and no message, whose only echoed text is the person's own (docs/deploy.md)."""
    after_this_request(compress.after_request)


# Versioned static files (?v=<version>) never change under their URL.
STATIC_MAX_AGE = 365 * 24 * 3600


def content_security_policy(assets: Assets) -> str:
    """The policy of every page: our inline style and script by hash, a data: icon, nothing else."""
    style, script = assets.csp_sources
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {script}",
            f"style-src 'self' {style}",
            "img-src 'self' data:",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
    "browsing-topics=(), accelerometer=(), gyroscope=(), magnetometer=()"
)


class UnreadableBody(BadRequest):
    """The request body was cut off or malformed: nothing in it can be trusted or kept."""


class LenientFormDataParser(FormDataParser):
    """Read a form body whose text is not valid UTF-8 instead of dropping the whole form.

    The unreadable letters become U+FFFD, which the text checks answer with "some letters could
    not be read", while everything else the person typed comes back to them. A body that cannot
    be parsed at all (a cut-off upload) raises instead of passing for an empty form, which would
    be answered as an expired page.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.silent = False

    def _parse_urlencoded(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        items = parse_qsl(
            stream.read().decode("utf-8", "replace"), keep_blank_values=True, errors="replace"
        )
        return stream, self.cls(items), self.cls()


class InMemoryUploadRequest(Request):
    """Keep uploaded files in memory: a plaintext temp file would outlive the request on disk."""

    form_data_parser_class = LenientFormDataParser

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except (ValueError, ClientDisconnected) as exc:
            raise UnreadableBody() from exc

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


class CsrfOnlySessionInterface(SecureCookieSessionInterface):
    """The public session cookie holds only the CSRF secret; Secure whenever served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["REPORTER_CSP"])
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000"
    if (request.endpoint or "").endswith("static"):
        if request.args.get("v") == current_app.config["REPORTER_ASSETS_VERSION"]:
            headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
    else:
        # Nothing a reporter sees may stay in the browser cache of a shared phone.
        headers["Cache-Control"] = "no-store, max-age=0"
        headers["Pragma"] = "no-cache"
    return response


class _DropRequestLines(logging.Filter):
    """Drop the development server's per-request lines ("ADDRESS - - [time] ..."), keep the rest."""

    _REQUEST_LINE = re.compile(r"^\S* - - \[")

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._REQUEST_LINE.match(record.getMessage())


def silence_request_logging(enabled: bool) -> None:
    logger = logging.getLogger("werkzeug")
    for existing in list(logger.filters):
        if isinstance(existing, _DropRequestLines):
            logger.removeFilter(existing)
    if not enabled:
        logger.addFilter(_DropRequestLines())


class TrustedProxies:
    """The proxies whose forwarded headers are believed; every other sender's are ignored."""

    def __init__(self, entries: tuple[str, ...]) -> None:
        self.networks = tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)

    def trusts(self, address: str | None) -> bool:
        try:
            parsed = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)

    def client_address(self, remote_addr: str | None, forwarded_for: str | None) -> str:
        """The address of the client: the connection's, or the one a trusted proxy forwards.

        Behind a proxy, the nearest hop that is not one of ours: a client can prepend anything.
        Empty when a trusted proxy forwards none (the onion path of the shipped nginx).
        """
        if not self.trusts(remote_addr):
            return remote_addr or ""
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return ""


class TrustedProxyScheme:
    """WSGI middleware: believe X-Forwarded-Proto only from a trusted proxy.

    The scheme decides whether cookies are Secure and whether HSTS is sent; a client of the onion
    service must not be able to claim https by sending the header itself.
    """

    def __init__(self, app: WSGIApplication, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.proxies.trusts(environ.get("REMOTE_ADDR")):
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
