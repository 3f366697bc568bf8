"""Landing and safety pages."""

from __future__ import annotations

from flask import render_template

from reporter.db import get_session
from reporter.orgs.service import public_directory
from reporter.public import public_blueprint

blueprint = public_blueprint("pages", __name__)


@blueprint.get("/")
def index() -> str:
    return render_template("public/index.html", organisations=public_directory(get_session()))


@blueprint.get("/safety")
def safety() -> str:
    return render_template("public/safety.html")
