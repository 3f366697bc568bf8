"""The report: one question per page, check your answers, send; then the receipt.

Every page is a POST form carrying the answers so far in hidden fields (reporter/reports/wizard.py
decides the order). Nothing is stored before "Send report"; the receipt is made when the
check-answers page is shown, so a lost confirmation loses nothing, and a resend stores one report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel.dates import get_month_names
from flask import g, render_template, request
from flask_babel import get_locale, gettext
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.datastructures import MultiDict

from reporter import crypto, flood
from reporter import vocabulary as v
from reporter.attachments.sanitize import CleanFile
from reporter.context import current_settings
from reporter.db import get_session
from reporter.flood import Verdict
from reporter.forms import check_files
from reporter.orgs.service import covered_countries, national_recipients
from reporter.public.language import public_blueprint
from reporter.reports import wizard
from reporter.reports.forms import ReportForm
from reporter.reports.service import (
    ReceiptSecrets,
    SubmissionFailed,
    draft_was_sent,
    mark_draft_sent,
    receipt_keys,
    report_with_lookup,
    submit_report,
)
from reporter.security import compress_this_response
from reporter.vocabulary import places

blueprint = public_blueprint("reports", __name__)


@dataclass
class Problems:
    """What to tell the person on the page they are shown."""

    fields: bool = False
    files: list[str] = field(default_factory=list)
    expired: bool = False
    too_many: Verdict | None = None
    failed: bool = False


def _countries() -> list[str]:
    """The countries some organisation covers, read once per request."""
    if "covered_countries" not in g:
        g.covered_countries = covered_countries(get_session())
    countries: list[str] = g.covered_countries
    return countries


def _form(answers: MultiDict[str, str]) -> ReportForm:
    settings = current_settings()
    country = answers.get("country", "")
    return ReportForm(
        formdata=answers,
        countries=places.sorted_countries(_countries(), g.lang),
        regions=list(places.regions(country, g.lang)) if places.is_country(country) else [],
        # Month names as they stand alone (Russian nominative), not as inside a full date.
        month_names=dict(get_month_names("wide", context="stand-alone", locale=get_locale())),
        narrative_max=settings.narrative_max_chars,
        short_max=settings.short_text_max_chars,
        today=dt.date.today(),
    )


YES_NO = ("voice_story", "ongoing", "share_with_network", "count_in_statistics", "allow_replies")


def _normalised(answers: MultiDict[str, str], key: str) -> MultiDict[str, str]:
    """Answers made consistent: the only country of a one-country site, no region of another
    country, and the kinds of violation that the chosen details belong to."""
    answers = MultiDict(answers)
    for name in YES_NO:
        # A ticked box comes with its hidden "n" twin: the last value is the answer.
        values = answers.getlist(name)
        if len(values) > 1:
            answers.setlist(name, values[-1:])
    countries = _countries()
    if len(countries) == 1 and not answers.get("country"):
        answers["country"] = countries[0]
    region = answers.get("region", "")
    if key == "country" and region and not region.startswith(f"{answers.get('country', '')}-"):
        # A new country: the region chosen for the old one no longer applies.
        answers.setlist("region", [])
    if key != "what":
        chosen = set(answers.getlist("violation_groups"))
        details = set(answers.getlist("violations"))
        for group in _groups_with_details(details):
            if group not in chosen:
                answers.add("violation_groups", group)
                chosen.add(group)
    return answers


def _groups_with_details(details: set[str]) -> list[str]:
    return [group.key for group in v.VIOLATION_GROUPS if details & {t.key for t in group.terms}]


def _field_errors(form: ReportForm, names: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """The form's errors on answer fields (the CSRF token is checked only when sending)."""
    form.validate()
    found = {
        name: [str(error) for error in errors]
        for name, errors in form.errors.items()
        if name in wizard.ANSWER_FIELDS and (names is None or name in names)
    }
    return found


def _receipt(answers: MultiDict[str, str]) -> str | None:
    """The receipt this report will be sent under, fixed by its draft name; None without one."""
    try:
        return crypto.receipt_for_draft(
            current_settings().secret_key.encode("utf-8"), answers.get("draft", "")
        )
    except crypto.InvalidReceiptFormat:
        return None


def _with_draft(answers: MultiDict[str, str]) -> MultiDict[str, str]:
    if _receipt(answers) is not None:
        return answers
    answers = MultiDict(answers)
    answers["draft"] = crypto.new_draft()
    return answers


def _render_page(
    key: str,
    answers: MultiDict[str, str],
    *,
    returning: bool = False,
    errors: dict[str, list[str]] | None = None,
    problems: Problems | None = None,
    status: int = 200,
) -> tuple[str, int]:
    several = len(_countries()) > 1
    answers = _with_draft(answers)
    if key != wizard.CHECK:
        # No receipt on this page; see docs/deploy.md for why a question page may be compressed.
        compress_this_response()
    form = _form(answers)
    page = wizard.PAGE_BY_KEY[key]
    country = answers.get("country", "")
    national = []
    if country and (country == wizard.COUNTRY_NOT_SAID or country in _countries()):
        national = national_recipients(get_session(), country)
    settings = current_settings()
    html = render_template(
        "public/report_page.html",
        page=page,
        key=key,
        form=form,
        errors=errors or {},
        problems=problems or Problems(),
        returning=returning,
        hidden=wizard.hidden_answers(key, answers),
        progress=wizard.progress(key, several),
        group=wizard.group_of_items_page(key),
        answers=answers,
        content=form.to_content(g.lang) if key == wizard.CHECK else None,
        receipt=crypto.format_receipt(_receipt(answers) or "") if key == wizard.CHECK else "",
        country_name=_country_label(country),
        several_countries=several,
        national=national,
        unanswered=_first_unanswered(answers, several),
        anchors=_anchors(key),
        max_attachments=settings.max_attachments,
        max_attachment_mb=settings.max_attachment_mb,
    )
    return html, status


_FIRST_OPTION = {
    "violation_groups": v.VIOLATION_GROUPS[0].key,
    "location_type": v.LOCATION_TYPES[0].key,
    "perpetrators": v.PERPETRATOR_GROUPS[0].terms[0].key,
    "relation": v.REPORTER_RELATIONS[0].key,
    "populations": v.POPULATIONS[0].key,
    "sought_protection": v.SOUGHT_PROTECTION[0].key,
    "reasons_not": v.REASONS_NOT[0].key,
}


def _anchors(key: str) -> dict[str, str]:
    """Where each error in the summary links to: the field, or the first of its options."""
    anchors = {name: f"{name}-{value}" for name, value in _FIRST_OPTION.items()}
    group = wizard.group_of_items_page(key)
    if group is not None:
        anchors["violations"] = f"violations-{group.terms[0].key}"
    return anchors


def _country_label(country: str) -> str:
    if not country or country == wizard.COUNTRY_NOT_SAID:
        return ""
    return places.country_name(country, g.lang)


def _first_unanswered(answers: MultiDict[str, str], several: bool) -> str | None:
    """The first optional question with no answer, for "Answer more questions"."""
    for key in wizard.sequence(answers, several):
        page = wizard.PAGE_BY_KEY[key]
        if page.optional and not any(answers.getlist(name) for name in page.fields):
            return key
    return None


def _render_first_error(
    answers: MultiDict[str, str], errors: dict[str, list[str]], status: int = 200
) -> tuple[str, int]:
    """The page of the first answer that needs a change, with its errors, then back to check."""
    first = min(errors, key=wizard.ANSWER_FIELDS.index)
    key = wizard.page_of_field(first, answers)
    shown = {
        name: messages
        for name, messages in errors.items()
        if wizard.page_of_field(name, answers) == key
    }
    return _render_page(key, answers, returning=True, errors=shown, status=status)


def _render_check(answers: MultiDict[str, str]) -> tuple[str, int]:
    errors = _field_errors(_form(answers))
    if errors:
        return _render_first_error(answers, errors)
    return _render_page(wizard.CHECK, answers)


@blueprint.get("/report")
def start() -> tuple[str, int]:
    return _render_page("story", _normalised(MultiDict(), "story"))


@blueprint.post("/report")
def answer() -> tuple[str, int]:
    key = request.form.get("page", "")
    if not wizard.is_page(key):
        key = "story"
    answers = _normalised(wizard.answers_from(request.form), key)
    action = request.form.get("action", "next")
    returning = request.form.get("return_to") == wizard.CHECK
    several = len(_countries()) > 1
    if _was_sent(answers):
        # A page of a report already sent, posted again from the browser's history.
        receipt = _receipt(answers)
        if action == "send" and receipt is not None:
            # The confirmation was lost on the way: the same confirmation again.
            return _confirmation(receipt, resent=True)
        return render_template("public/report_sent.html"), 200

    if action == "stay":  # another language: the same page, the same answers
        return _render_page(key, answers, returning=returning)
    if action == "check":
        return _render_check(answers)
    if action == "send":
        return _send(answers)
    if action.startswith(("change:", "goto:")):
        target = action.split(":", 1)[1]
        if target in wizard.sequence(answers, several):
            return _render_page(target, answers, returning=action.startswith("change:"))
        return _render_check(answers)
    if action == "back":
        if returning:
            return _render_check(answers)
        return _render_page(wizard.previous_page(key, answers, several), answers)
    if action == "skip" and wizard.PAGE_BY_KEY[key].optional:
        answers = wizard.clear_page(key, answers)
    elif key != wizard.CHECK:
        if key == "what":
            answers = wizard.keep_chosen_groups(answers)
        errors = _field_errors(_form(answers), wizard.PAGE_BY_KEY[key].fields)
        if errors:
            return _render_page(key, answers, returning=returning, errors=errors)
    following = (
        wizard.after_change(key, answers, several)
        if returning
        else wizard.next_page(key, answers, several)
    )
    if following == wizard.CHECK:
        return _render_check(answers)
    return _render_page(following, answers, returning=returning)


def _send(answers: MultiDict[str, str]) -> tuple[str, int]:
    form = _form(answers)
    errors = _field_errors(form)
    if errors:
        return _render_first_error(answers, errors)
    receipt = _receipt(answers)
    if receipt is None:
        # Not from a check-answers page of ours: show it, with a receipt, before anything is sent.
        return _render_page(wizard.CHECK, answers)
    if _csrf_failed():
        return _render_page(wizard.CHECK, answers, problems=Problems(expired=True), status=400)
    # Only a well-formed report with a valid token counts against a flood limit.
    verdict = flood.spend("submit")
    if not verdict.allowed:
        return _render_page(wizard.CHECK, answers, problems=Problems(too_many=verdict), status=429)
    session = get_session()
    secrets = ReceiptSecrets.from_settings(current_settings())
    keys = receipt_keys(session, receipt, secrets)
    if report_with_lookup(session, keys) is not None:
        _mark_sent(answers)
        return _confirmation(receipt, resent=True)
    settings = current_settings()
    files, file_errors = check_files(
        request.files.getlist("attachments"),
        settings.max_attachments,
        settings.max_attachment_bytes,
    )
    story_missing = form.voice_story.data and not (form.narrative.data or "").strip()
    if not file_errors and story_missing and not _has_recording(files):
        file_errors = [str(_voice_missing())]
    if file_errors:
        return _render_page(wizard.CHECK, answers, problems=Problems(files=file_errors))
    if form.website.data:
        # A bot filled the hidden field: it gets a receipt that opens nothing.
        return _confirmation(receipt)
    try:
        submitted = submit_report(
            session, form.to_content(g.lang), files, secrets, issued=(receipt, keys)
        )
    except SubmissionFailed:
        return _render_page(wizard.CHECK, answers, problems=Problems(failed=True), status=503)
    _mark_sent(answers)
    return _confirmation(receipt, resent=submitted.resent)


def _sent_tag(answers: MultiDict[str, str]) -> bytes | None:
    if _receipt(answers) is None:
        return None
    secret = current_settings().secret_key.encode("utf-8")
    return crypto.sent_draft_tag(secret, answers["draft"])


def _was_sent(answers: MultiDict[str, str]) -> bool:
    tag = _sent_tag(answers)
    return tag is not None and draft_was_sent(get_session(), tag)


def _mark_sent(answers: MultiDict[str, str]) -> None:
    tag = _sent_tag(answers)
    if tag is not None:
        mark_draft_sent(get_session(), tag)


def _csrf_failed() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except ValidationError:
        return True
    return False


def _has_recording(files: list[CleanFile]) -> bool:
    return any(clean.kind == "audio" for clean in files)


def _voice_missing() -> str:
    return str(
        gettext(
            "You chose to add a voice recording: choose it below, or press Change next to the "
            "story to write it instead."
        )
    )


def _confirmation(receipt: str, resent: bool = False) -> tuple[str, int]:
    return (
        render_template(
            "public/receipt.html", receipt=crypto.format_receipt(receipt), resent=resent
        ),
        200,
    )
