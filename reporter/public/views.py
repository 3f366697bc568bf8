"""Landing and safety pages, and the root address that sends each visitor to their language."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from reporter.context import current_settings
from reporter.db import get_session
from reporter.i18n import negotiate
from reporter.orgs.service import public_directory
from reporter.public.language import public_blueprint
from reporter.security import compress

blueprint = public_blueprint("pages", __name__)
root = Blueprint("root", __name__)


@root.get("/")
def negotiate_language() -> Response:
    response = redirect(url_for("pages.index", lang=negotiate(current_settings())))
    response.headers["Vary"] = "Accept-Language"
    return response


@root.get("/robots.txt")
def robots_txt() -> Response:
    """Only the landing and safety pages may be listed (their pages say so too)."""
    settings = current_settings()
    if settings.search_engines_may_index:
        # A public-only host names no staff address, not even here.
        staff = "Disallow: /staff/\n" if settings.serves_staff else ""
        rules = f"User-agent: *\n{staff}Disallow: /static/\n"
    else:
        rules = "User-agent: *\nDisallow: /\n"
    return Response(rules, mimetype="text/plain")


@blueprint.get("/")
@compress.compressed()
def index() -> str:
    return render_template("public/index.html", organisations=public_directory(get_session()))


@blueprint.get("/safety")
@compress.compressed()
def safety() -> str:
    return render_template("public/safety.html")
