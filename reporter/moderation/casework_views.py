"""Case page actions: referrals, related reports, the advocacy story and its approval."""

from __future__ import annotations

import uuid

from flask import abort, redirect, request, url_for
from werkzeug.wrappers import Response

from reporter import vocabulary as v
from reporter.db import get_session
from reporter.forms import choices
from reporter.moderation import casework
from reporter.moderation.forms import LinkForm, ReferralForm, StoryForm
from reporter.moderation.views import blueprint, case_or_404, case_page_with, readers
from reporter.staff import auth
from reporter.staff.forms import ConfirmForm


def referral_form(formdata: object = None) -> ReferralForm:
    form = ReferralForm(formdata=formdata)
    form.intervention_type.choices = choices((t.key, t.label) for t in v.INTERVENTION_TYPES)
    form.status.choices = choices((t.key, t.label) for t in v.INTERVENTION_STATUSES)
    form.outcome.choices = choices([("", "—"), *((t.key, t.label) for t in v.OUTCOMES)])
    return form


def _back(report_id: uuid.UUID, anchor: str) -> Response:
    return redirect(url_for("moderation.case_page", report_id=report_id) + anchor)


@blueprint.post("/cases/<uuid:report_id>/referrals")
@blueprint.post("/cases/<uuid:report_id>/referrals/<id:referral_id>")
@readers
def referral(report_id: uuid.UUID, referral_id: int | None = None) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = referral_form(request.form)
    if not form.validate():
        return case_page_with(case, 400, referral_form=form)
    data = casework.ReferralData(
        intervention_type=form.intervention_type.data,
        status=form.status.data,
        date=form.date.data.isoformat() if form.date.data else "",
        outcome=form.outcome.data or "",
        note=(form.note.data or "").strip(),
    )
    try:
        casework.save_referral(
            get_session(), case, auth.keyring().for_case(case), data, referral_id
        )
    except casework.CaseworkError:
        abort(404)
    auth.record(
        "referral_saved",
        target=str(report_id),
        details={"type": data.intervention_type, "status": data.status},
    )
    return _back(report_id, "#referrals")


@blueprint.post("/cases/<uuid:report_id>/links")
@readers
def link(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = LinkForm()
    if not form.validate():
        return case_page_with(case, 400, link_form=form)
    try:
        other = casework.link_report(get_session(), case, form.reference.data)
    except casework.CaseworkError:
        form.reference.errors = [*form.reference.errors, "no_such_report"]
        return case_page_with(case, 400, link_form=form)
    auth.record("reports_linked", target=str(report_id), details={"with": str(other.id)})
    return _back(report_id, "#links")


@blueprint.post("/cases/<uuid:report_id>/story")
@readers
def story(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = StoryForm()
    if not form.validate():
        return case_page_with(case, 400, story_form=form)
    staff = auth.current_staff()
    casework.save_story(
        get_session(), case, auth.keyring().for_case(case), staff.member, form.text.data.strip()
    )
    auth.record("story_saved", target=str(report_id))
    return _back(report_id, "#story")


@blueprint.post("/cases/<uuid:report_id>/story/approve")
@readers
def approve_story(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        casework.approve_story(get_session(), case, auth.current_staff().member)
    except casework.CaseworkError as error:
        return case_page_with(case, 409, notice=f"story_{error.reason}")
    auth.record("story_approved", target=str(report_id))
    return _back(report_id, "#story")
