"""The statistics page: the organisation's counts, protected, for every staff member."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date

from reporter import vocabulary as v
from reporter.db import get_session
from reporter.forms import choices
from reporter.i18n import current_language
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.staff import auth
from reporter.statistics import export
from reporter.statistics.disclosure import DEFAULT_THRESHOLD, Protected, protect
from reporter.statistics.forms import StatisticsForm
from reporter.statistics.service import contributions
from reporter.statistics.tables import Scope, build
from reporter.vocabulary import places

blueprint = Blueprint("statistics", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


def _form() -> StatisticsForm:
    form = StatisticsForm(request.args)
    countries = places.sorted_countries(covered_countries(get_session()), current_language())
    form.countries.choices = choices(countries)
    form.groups.choices = choices((group.key, group.label) for group in v.VIOLATION_GROUPS)
    return form


def _scope(form: StatisticsForm) -> Scope:
    chosen_groups = set(form.groups.data or [])
    violations = {
        term.key
        for group in v.VIOLATION_GROUPS
        if group.key in chosen_groups
        for term in group.terms
    }
    return Scope(
        countries=frozenset(form.countries.data or []),
        violations=frozenset(violations),
        first_month=form.first_month.data or "",
        last_month=form.last_month.data or "",
    )


def _protected(scope: Scope) -> Protected:
    organisation = auth.current_staff().member.organisation
    opened = contributions(get_session(), organisation, auth.advocacy_keys())
    return protect(build(opened, scope), DEFAULT_THRESHOLD)


def month_label(value: str) -> str:
    """ "2025-03" as the language writes a month ("mars 2025"); "" is a month not known."""
    if not value:
        return ""
    year, month = (int(part) for part in value.split("-"))
    return str(format_date(dt.date(year, month, 1), "MMM y"))


@blueprint.get("/stats")
@auth.login_required()
def statistics() -> tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stats.html", form=form, protected=None), 400
    protected = _protected(_scope(form))
    return render_template(
        "staff/stats.html",
        form=form,
        protected=protected,
        arguments=request.query_string.decode("ascii", "replace"),
        month_label=month_label,
    ), 200


@blueprint.get("/stats/export.<any(json, csv):file_format>")
@auth.login_required()
def download(file_format: str) -> Response | tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stats.html", form=form, protected=None), 400
    scope = _scope(form)
    protected = _protected(scope)
    organisation = auth.current_staff().member.organisation
    made_on = dt.date.today()
    body = export.render(protected, organisation.name, scope, made_on, file_format)
    mimetype = "application/json" if file_format == "json" else "text/csv"
    auth.record(
        "statistics_exported", details={"format": file_format, "hidden": len(protected.hidden)}
    )
    name = f"statistics-{organisation.slug}-{made_on.isoformat()}.{file_format}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
