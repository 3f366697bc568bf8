"""Report form (two plain HTML steps: country, then the rest) and the receipt page."""

from __future__ import annotations

import datetime as dt

from babel.dates import get_month_names
from flask import g, render_template, request
from flask_babel import get_locale

from reporter import crypto, flood
from reporter.context import current_settings
from reporter.db import get_session
from reporter.flood import Verdict
from reporter.forms import check_files, choices, csrf_expired
from reporter.orgs.service import covered_countries, recipients_for
from reporter.public.language import public_blueprint
from reporter.reports.forms import CountryForm, ReportForm
from reporter.reports.service import ReceiptSecrets, SubmissionFailed, submit_report
from reporter.security import compress
from reporter.vocabulary import places

blueprint = public_blueprint("reports", __name__)


def _country_form(formdata: object = None) -> CountryForm:
    form = CountryForm(formdata=formdata)
    countries = places.sorted_countries(covered_countries(get_session()), g.lang)
    form.country.choices = choices([("", "—"), *countries])
    return form


def _report_form(country: str, formdata: object = None) -> ReportForm:
    settings = current_settings()
    form = ReportForm(
        formdata=formdata,
        regions=list(places.regions(country, g.lang)),
        # Month names as they stand alone (Russian nominative), not as inside a full date.
        month_names=dict(get_month_names("wide", context="stand-alone", locale=get_locale())),
        narrative_max=settings.narrative_max_chars,
        short_max=settings.short_text_max_chars,
        today=dt.date.today(),
    )
    if formdata is None:
        form.country.data = country
    return form


def _render_details(
    form: ReportForm,
    file_errors: list[str] | None = None,
    failed: bool = False,
    too_many: Verdict | None = None,
) -> str:
    country = form.country.data
    session = get_session()
    settings = current_settings()
    return render_template(
        "public/report_form.html",
        form=form,
        country_name=places.country_name(country, g.lang),
        national=[org for org in recipients_for(session, country, False) if org.kind == "national"],
        file_errors=file_errors or [],
        expired=csrf_expired(form),
        failed=failed,
        too_many=too_many,
        several_countries=len(covered_countries(session)) > 1,
        max_attachments=settings.max_attachments,
        max_attachment_mb=settings.max_attachment_mb,
    )


@blueprint.get("/report")
@compress.compressed()  # a GET echoes nothing: BREACH needs attacker-chosen text beside a secret
def start() -> str:
    countries = covered_countries(get_session())
    if len(countries) == 1:
        return _render_details(_report_form(countries[0]))
    return render_template("public/report_country.html", form=_country_form())


@blueprint.post("/report")
def submit() -> tuple[str, int] | str:
    if request.form.get("step") != "details":
        country_form = _country_form(request.form)
        if not country_form.validate():
            # Only a forged, broken or expired request can fail to pick from the list.
            return render_template("public/report_country.html", form=country_form), 400
        return _render_details(_report_form(country_form.country.data))

    country = request.form.get("country", "")
    if country not in covered_countries(get_session()):
        # Only a forged form can name a country that is not on the list.
        return render_template("public/report_country.html", form=_country_form()), 400
    form = _report_form(country, request.form)
    if not form.validate():
        return _render_details(form)
    # Only a well-formed report with a valid token counts against a flood limit.
    verdict = flood.spend("submit")
    if not verdict.allowed:
        return _render_details(form, too_many=verdict), 429
    settings = current_settings()
    files, file_errors = check_files(
        request.files.getlist(form.attachments.name),
        settings.max_attachments,
        settings.max_attachment_bytes,
    )
    if file_errors:
        return _render_details(form, file_errors)
    if form.website.data:
        # A bot filled the hidden field: it gets a receipt that opens nothing.
        return render_template(
            "public/receipt.html", receipt=crypto.format_receipt(crypto.new_receipt())
        )
    try:
        submitted = submit_report(
            get_session(),
            form.to_content(g.lang),
            files,
            ReceiptSecrets.from_settings(current_settings()),
        )
    except SubmissionFailed:
        return _render_details(form, failed=True), 503
    return render_template("public/receipt.html", receipt=crypto.format_receipt(submitted.receipt))
