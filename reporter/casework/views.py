"""Case work actions on the case page: referrals, related reports, the advocacy story, its
approval and the withdrawal of that approval."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from reporter import bounds
from reporter.cases.access import case_or_404
from reporter.cases.page import case_page_with
from reporter.casework import service as casework
from reporter.casework.forms import LinkForm, StoryForm, referral_form
from reporter.db import get_session
from reporter.orgs.keyring import KeyMissing
from reporter.staff import auth
from reporter.staff.forms import ConfirmForm

blueprint = Blueprint("casework", __name__, url_prefix="/staff")
# Ids in paths are `<id:...>`: bounded, so a number no column can hold is a 404, not a 500.
blueprint.record_once(bounds.register_converter)
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


def _back(report_id: uuid.UUID, anchor: str) -> Response:
    return redirect(url_for("cases.case_page", report_id=report_id) + anchor)


@blueprint.post("/cases/<uuid:report_id>/referrals")
@blueprint.post("/cases/<uuid:report_id>/referrals/<id:referral_id>")
@auth.report_readers
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
@auth.report_readers
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
@auth.report_readers
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
@auth.report_readers
def approve_story(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        casework.approve_story(
            get_session(), case, auth.keyring(), auth.current_staff().member, None
        )
    except casework.CaseworkError as error:
        return case_page_with(case, 409, notice=f"story_{error.reason}")
    auth.record("story_approved", target=str(report_id))
    return _back(report_id, "#story")


@blueprint.post("/cases/<uuid:report_id>/story/withdraw")
@auth.report_readers
def withdraw_story(report_id: uuid.UUID) -> Response:
    case = case_or_404(report_id)
    if not ConfirmForm().validate():
        abort(400)
    if casework.withdraw_story(get_session(), case):
        auth.record("story_withdrawn", target=str(report_id))
    return _back(report_id, "#story")
