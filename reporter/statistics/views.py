"""The statistics page: the organisation's counts, protected, for every staff member; the same
tables as files (JSON, CSV, XLSX), as a printable brief and as its PDF. Files and the brief are
remembered in the ledger (`statistics/ledger.py`); the page previews them and is not."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request

from reporter import vocabulary as v
from reporter.context import current_settings
from reporter.db import get_session
from reporter.forms import choices
from reporter.i18n import LANGUAGE_NAMES, current_language
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.staff import auth
from reporter.statistics import export, ledger, presentation
from reporter.statistics.brief import brief_html
from reporter.statistics.charts import charts
from reporter.statistics.disclosure import Protected
from reporter.statistics.forms import StatisticsForm
from reporter.statistics.tables import Scope
from reporter.vocabulary import places

blueprint = Blueprint("statistics", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


def _form() -> StatisticsForm:
    form = StatisticsForm(request.args)
    countries = places.sorted_countries(covered_countries(get_session()), current_language())
    form.countries.choices = choices(countries)
    form.groups.choices = choices((group.key, group.label) for group in v.VIOLATION_GROUPS)
    form.language.choices = choices(
        (code, LANGUAGE_NAMES[code]) for code in current_settings().languages
    )
    if not form.language.data:
        form.language.data = current_language()
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
    return ledger.protected_export(
        get_session(), organisation, auth.advocacy_keys(), scope, organisation.statistics_threshold
    )


def _remember(scope: Scope, protected: Protected, made_on: dt.date) -> None:
    organisation = auth.current_staff().member.organisation
    ledger.remember(get_session(), organisation, auth.advocacy_keys(), scope, protected, made_on)


def _arguments() -> str:
    return request.query_string.decode("ascii", "replace")


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
        charts=charts(protected),
        arguments=_arguments(),
        present=presentation,
    ), 200


@blueprint.get("/stats/brief")
@auth.login_required()
def brief() -> tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stats.html", form=form, protected=None), 400
    organisation = auth.current_staff().member.organisation
    scope = _scope(form)
    protected = _protected(scope)
    made_on = dt.date.today()
    page = brief_html(
        protected, organisation.name, scope, made_on, form.language.data, arguments=_arguments()
    )
    # The brief is opened to be printed: it leaves the platform like a file.
    _remember(scope, protected, made_on)
    return page, 200


@blueprint.get("/stats/export.<any(json, csv, xlsx, pdf):file_format>")
@auth.login_required()
def download(file_format: str) -> Response | tuple[str, int]:
    form = _form()
    if not form.validate():
        return render_template("staff/stats.html", form=form, protected=None), 400
    scope = _scope(form)
    protected = _protected(scope)
    organisation = auth.current_staff().member.organisation
    made_on = dt.date.today()
    body = export.render(
        protected, organisation.name, scope, made_on, file_format, form.language.data
    )
    _remember(scope, protected, made_on)
    auth.record(
        "statistics_exported", details={"format": file_format, "hidden": len(protected.hidden)}
    )
    name = f"statistics-{organisation.slug}-{made_on.isoformat()}.{file_format}"
    response = Response(body, mimetype=export.MIMETYPES[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
