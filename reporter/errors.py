"""Translated error pages: bad input gets a clear answer, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from reporter.security import UnreadableBody

MESSAGES = {
    400: (
        _l("Something was wrong with what was sent"),
        _l(
            "The page could not read what your browser sent. Go back, check your answers and try again."
        ),
    ),
    403: (_l("Not allowed"), _l("You cannot open this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist. Check the address, or go back to the start."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used this way. Go back to the start.")),
    413: (
        _l("Files too large"),
        _l(
            "What you sent is too large. Send smaller files, or fewer of them. Go back: your text is still in the form."
        ),
    ),
    429: (
        _l("Too many tries"),
        _l("Too many tries in a short time. Please wait a while and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("Something went wrong on our side. Nothing was saved. Please try again later."),
    ),
}


def render_error(code: int) -> tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_template("errors/error.html", code=code, title=title, message=message), code


UNREADABLE = (
    _l("What you sent could not be read"),
    _l(
        "What your browser sent was cut off or damaged on the way, so nothing was saved. Go back, check that your answers are still there, and send again. On a slow connection, try without files first."
    ),
)


EXPIRED = (
    _l("This page has expired"),
    _l(
        "This page was open for a long time, or it did not come from this site, so nothing was done. Go back, reload the page and try again."
    ),
)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_error: CSRFError) -> tuple[str, int]:
        title, message = EXPIRED
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(UnreadableBody)
    def unreadable_body(_error: UnreadableBody) -> tuple[str, int]:
        title, message = UNREADABLE
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_error(error.code or 500)

    @app.errorhandler(InternalServerError)
    def server_error(_error: InternalServerError) -> tuple[str, int]:
        return render_error(500)
