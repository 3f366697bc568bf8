"""Security defaults for every response, uploads kept in memory, no request logging, rate limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import logging
import re
from typing import IO

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter

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
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
    "browsing-topics=(), accelerometer=(), gyroscope=(), magnetometer=()"
)


class InMemoryUploadRequest(Request):
    """Keep uploaded files in memory: a plaintext temp file would outlive the request on disk."""

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
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000"
    if not (request.endpoint or "").endswith("static"):
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


def _client_bucket() -> str:
    """A keyed, hourly-rotating hash of the client address: counts floods, stores no address.

    The address itself is read here and nowhere else, and never leaves this function.
    """
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    hour = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H")
    address = (request.remote_addr or "").encode("utf-8")
    return hmac.new(
        secret, b"ratelimit|" + hour.encode() + b"|" + address, hashlib.sha256
    ).hexdigest()[:32]


limiter = Limiter(key_func=_client_bucket, headers_enabled=False, strategy="fixed-window")
