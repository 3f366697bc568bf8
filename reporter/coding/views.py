"""Pages to code a case into acts. Each save updates the anonymised statistics."""

from __future__ import annotations

import datetime as dt
import uuid

from babel.dates import get_month_names
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from reporter import bounds
from reporter import vocabulary as v
from reporter.cases.access import case_or_404
from reporter.coding import service as coding
from reporter.coding.forms import ActForm
from reporter.db import get_session
from reporter.forms import choices
from reporter.i18n import current_language
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.reports.models import Case
from reporter.reports.service import ContentPurged, decrypt_content
from reporter.search import service as search_texts
from reporter.staff import auth
from reporter.staff.forms import ConfirmForm
from reporter.vocabulary import places

blueprint = Blueprint("coding", __name__, url_prefix="/staff")
# Ids in paths are `<id:...>`: bounded, so a number no column can hold is a 404, not a 500.
blueprint.record_once(bounds.register_converter)
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)

NOT_KNOWN = ("", "—")


def _act_form(case: Case, act: coding.Act | None, formdata: object = None) -> ActForm:
    language = current_language()
    form = ActForm(formdata=formdata)
    form.violation_type.choices = [
        SelectChoice(term.key, term.label, optgroup=str(group.label))
        for group in v.VIOLATION_GROUPS
        for term in group.terms
    ]
    this_year = dt.date.today().year
    form.year.choices = choices(
        [NOT_KNOWN, *((str(y), str(y)) for y in range(this_year, this_year - 30, -1))]
    )
    months = get_month_names("wide", context="stand-alone", locale=get_locale())
    form.month.choices = choices(
        [NOT_KNOWN, *((str(n), name) for n, name in sorted(months.items()))]
    )
    form.day.choices = choices([NOT_KNOWN, *((str(d), str(d)) for d in range(1, 32))])
    form.date_precision.choices = choices((t.key, t.label) for t in v.DATE_PRECISION_LABELS)
    countries = places.sorted_countries(
        sorted(
            {*covered_countries(get_session()), *([act.country] if act and act.country else [])}
        ),
        language,
    )
    form.country.choices = choices(countries)
    form.region.choices = [SelectChoice("", "—")] + [
        SelectChoice(code, name, optgroup=country_name)
        for country_code, country_name in countries
        for code, name in places.regions(country_code, language)
    ]
    form.location_type.choices = choices([NOT_KNOWN, *((t.key, t.label) for t in v.LOCATION_TYPES)])
    form.perpetrators.choices = choices(
        (t.key, t.label) for g in v.PERPETRATOR_GROUPS for t in g.terms
    )
    form.populations.choices = choices((t.key, t.label) for t in v.POPULATIONS)
    form.violation_status.choices = choices((t.key, t.label) for t in v.VIOLATION_STATUSES)
    form.sought_protection.choices = choices(
        [NOT_KNOWN, *((t.key, t.label) for t in v.SOUGHT_PROTECTION)]
    )
    form.reasons_not.choices = choices((t.key, t.label) for t in v.REASONS_NOT)
    if formdata is None and act is not None:
        form.violation_type.data = act.violation_type
        form.year.data = str(act.year or "")
        form.month.data = str(act.month or "")
        form.day.data = str(act.day or "")
        form.date_precision.data = act.date_precision
        form.country.data = act.country
        form.region.data = act.region
        form.location_type.data = act.location_type
        form.perpetrators.data = act.perpetrators
        form.populations.data = act.populations
        form.violation_status.data = act.violation_status
        form.sought_protection.data = act.sought_protection
        form.reasons_not.data = act.reasons_not
    return form


def _act_from(form: ActForm) -> coding.Act:
    def number(value: str | None) -> int | None:
        return int(value) if value else None

    return coding.Act(
        violation_type=form.violation_type.data,
        year=number(form.year.data),
        month=number(form.month.data),
        day=number(form.day.data),
        date_precision=form.date_precision.data,
        country=form.country.data,
        region=form.region.data or "",
        location_type=form.location_type.data or "",
        perpetrators=list(form.perpetrators.data or []),
        populations=list(form.populations.data or []),
        violation_status=form.violation_status.data,
        sought_protection=form.sought_protection.data or "",
        reasons_not=list(form.reasons_not.data or []),
    )


def _starting_act(case: Case) -> coding.Act:
    """A new act starts from what the reporter said."""
    try:
        content = decrypt_content(case, case.report, auth.keyring().for_case(case))
    except ContentPurged:
        return coding.Act(violation_type=v.VIOLATION_KEYS[0])
    suggestions = coding.acts_from_report(content)
    return (
        suggestions[0]
        if suggestions
        else coding.Act(violation_type=v.VIOLATION_KEYS[0], country=content.country)
    )


def _render(case: Case, form: ActForm, act_id: int | None, status: int = 200) -> tuple[str, int]:
    title = _l("Edit act") if act_id else _l("Add an act")
    return render_template(
        "staff/act.html", case=case, form=form, act_id=act_id, title=title
    ), status


@blueprint.route("/cases/<uuid:report_id>/acts/new", methods=["GET", "POST"])
@auth.report_readers
def new_act(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    return _edit(case, None)


@blueprint.route("/cases/<uuid:report_id>/acts/<id:act_id>", methods=["GET", "POST"])
@auth.report_readers
def edit_act(report_id: uuid.UUID, act_id: int) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    return _edit(case, act_id)


def _edit(case: Case, act_id: int | None) -> tuple[str, int] | Response:
    session = get_session()
    key = auth.keyring().for_case(case)
    existing = {stored.id: stored.act for stored in coding.list_acts(session, case, key)}
    if act_id is not None and act_id not in existing:
        abort(404)
    if request.method == "GET":
        act = existing[act_id] if act_id is not None else _starting_act(case)
        return _render(case, _act_form(case, act), act_id)
    form = _act_form(case, existing.get(act_id) if act_id else None, request.form)
    if not form.validate():
        return _render(case, form, act_id, 400)
    try:
        coding.save_act(session, case, auth.keyring(), _act_from(form), act_id)
    except coding.InvalidAct:
        form.region.errors = [*form.region.errors, _l("This region is not in the chosen country.")]
        return _render(case, form, act_id, 400)
    search_texts.refresh(session, case, auth.keyring())
    auth.record("act_saved" if act_id else "act_added", target=str(case.report_id))
    return redirect(url_for("cases.case_page", report_id=case.report_id) + "#coding")


@blueprint.post("/cases/<uuid:report_id>/acts/<id:act_id>/delete")
@auth.report_readers
def delete_act(report_id: uuid.UUID, act_id: int) -> Response:
    case = case_or_404(report_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        coding.delete_act(get_session(), case, auth.keyring(), act_id)
    except coding.InvalidAct:
        abort(404)
    search_texts.refresh(get_session(), case, auth.keyring())
    auth.record("act_deleted", target=str(report_id))
    return redirect(url_for("cases.case_page", report_id=report_id) + "#coding")
