"""The published stories page and its downloads, for every staff member (advocates included):
the organisation's approved, redacted stories, opened with the advocacy key."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request

from reporter.advocacy import export
from reporter.advocacy.forms import StoriesForm
from reporter.advocacy.service import (
    FoundStories,
    StoryFilters,
    find_stories,
    violations_of_groups,
)
from reporter.db import get_session
from reporter.forms import choices
from reporter.i18n import current_language
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.staff import auth
from reporter.vocabulary import VIOLATION_GROUPS, places

blueprint = Blueprint("advocacy", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


def _form() -> StoriesForm:
    form = StoriesForm(request.args)
    countries = places.sorted_countries(covered_countries(get_session()), current_language())
    form.countries.choices = choices(countries)
    form.groups.choices = choices((group.key, group.label) for group in VIOLATION_GROUPS)
    return form


def _filters(form: StoriesForm) -> StoryFilters:
    return StoryFilters(
        countries=frozenset(form.countries.data or []),
        violations=violations_of_groups(form.groups.data or []),
        first_month=form.first_month.data or "",
        last_month=form.last_month.data or "",
    )


def _found(filters: StoryFilters) -> FoundStories:
    organisation = auth.current_staff().member.organisation
    return find_stories(get_session(), organisation.id, auth.advocacy_keys(), filters)


@blueprint.get("/stories")
@auth.login_required()
def stories() -> tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stories.html", form=form, found=None), 400
    return render_template(
        "staff/stories.html",
        form=form,
        found=_found(_filters(form)),
        arguments=request.query_string.decode("ascii", "replace"),
    ), 200


@blueprint.get("/stories/export.<any(json, csv):file_format>")
@auth.login_required()
def download(file_format: str) -> Response | tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stories.html", form=form, found=None), 400
    filters = _filters(form)
    found = _found(filters)
    organisation = auth.current_staff().member.organisation
    made_on = dt.date.today()
    body = export.render(found.stories, organisation.name, filters, made_on, file_format)
    mimetype = "application/json" if file_format == "json" else "text/csv"
    auth.record("stories_exported", details={"format": file_format, "count": len(found.stories)})
    name = f"stories-{organisation.slug}-{made_on.isoformat()}.{file_format}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
