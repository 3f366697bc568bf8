"""Administration: people of the organisation (invite, disable, reset access), the audit log,
retention, publishing, and the operations page."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from reporter import bounds
from reporter.accounts import service as accounts
from reporter.accounts.models import (
    ADMIN_ROLES,
    ADVOCATE,
    MODERATOR,
    NETWORK_ADMIN,
    ORG_ADMIN,
    ROLES_WITH_REPORT_ACCESS,
    StaffMember,
)
from reporter.admin import service as admin_service
from reporter.admin.forms import (
    InvitationActionForm,
    InviteForm,
    MemberActionForm,
    PublishingForm,
    RetentionForm,
)
from reporter.audit.service import verify_since_last_check
from reporter.context import current_settings
from reporter.db import engine_of, get_session
from reporter.forms import choices
from reporter.labels import (
    AUDIT_ACTION_LABELS,
    AUDIT_DETAIL_LABELS,
    CASE_STATUS_LABELS,
    PRIORITY_LABELS,
    ROLE_LABELS,
)
from reporter.operations import status as operations
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.models import NETWORK
from reporter.reports.service import references_of
from reporter.staff import auth
from reporter.statistics import ledger, presentation
from reporter.statistics.disclosure import MAX_THRESHOLD, MIN_THRESHOLD

blueprint = Blueprint("admin", __name__, url_prefix="/staff/admin")
blueprint.before_request(auth.load_staff)
# Granting access seals the organisation's keys to the newcomer: a session without the current
# ones (begun before a rotation or an upgrade) logs in again to get them.
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)
admins = auth.login_required(*sorted(ADMIN_ROLES))

AUDIT_PAGE = 100


def _grantable_roles() -> list[str]:
    """The roles an admin may grant, and so also disable or reset: within their own
    organisation, never above their own (only a network admin makes or manages another).
    Least privileged first: the form starts on the role that can see the least."""
    member = auth.current_staff().member
    roles = [ADVOCATE, MODERATOR, ORG_ADMIN]
    if member.role == NETWORK_ADMIN and member.organisation.kind == NETWORK:
        roles = [*roles, NETWORK_ADMIN]
    return roles


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = choices((role, ROLE_LABELS[role]) for role in _grantable_roles())
    if not form.is_submitted():
        form.role.data = ADVOCATE
    return form


def _confirm_first(form: MemberActionForm, member: StaffMember, action: str) -> tuple[str, int]:
    """Disabling or resetting an account is asked once more before it is done."""
    return render_template(
        "staff/confirm_member.html", member=member, action=action, form=form
    ), 200


def _member_of_my_organisation(member_id: str) -> StaffMember:
    member = admin_service.member_in(
        get_session(), member_id, auth.current_staff().member.organisation_id
    )
    if member is None:
        abort(404)
    return member


def _people_page(status: int = 200, **extra: object) -> tuple[str, int]:
    session = get_session()
    organisation = auth.current_staff().member.organisation
    members = admin_service.members_of(session, organisation.id)
    return render_template(
        "staff/people.html",
        members=members,
        pending=accounts.pending_invitations(session, organisation.id),
        invitation_hours=current_settings().invitation_hours,
        invite_form=extra.pop("invite_form", None) or _invite_form(),
        action_form=MemberActionForm(formdata=None),
        **extra,
    ), status


@blueprint.get("/people")
@admins
def people() -> tuple[str, int]:
    return _people_page()


def _invitation_link(token: str) -> str:
    return url_for("staff.invitation", token=token, _external=True)


def _org_keys_for(role: str) -> dict[int, bytes] | None:
    staff = auth.current_staff()
    return dict(staff.org_keys) if role in ROLES_WITH_REPORT_ACCESS else None


@blueprint.post("/people/invite")
@admins
def invite() -> tuple[str, int]:
    form = _invite_form()
    if not form.validate():
        return _people_page(400, invite_form=form)
    staff = auth.current_staff()
    try:
        created = accounts.create_invitation(
            get_session(),
            staff.member.organisation,
            username=form.username.data,
            role=form.role.data,
            organisation_keys=_org_keys_for(form.role.data),
            advocacy_keys=auth.advocacy_keys(),
            lifetime=auth.invitation_lifetime(),
        )
    except accounts.AccountError:
        return _people_page(400, invite_form=form, username_taken=True)
    auth.record(
        "invitation_created", target=str(created.invitation.id), details={"role": form.role.data}
    )
    return _people_page(
        invitation_link=_invitation_link(created.token), invited=created.invitation.username
    )


@blueprint.post("/people/disable")
@admins
def disable() -> tuple[str, int]:
    form = MemberActionForm()
    if not form.validate():
        abort(400)
    member = _member_of_my_organisation(form.member_id.data)
    if member.id == auth.current_staff().member.id:
        abort(400)
    if member.role not in _grantable_roles():
        abort(403)
    if form.confirm.data != "yes":
        return _confirm_first(form, member, "disable")
    accounts.disable_member(get_session(), member)
    auth.record("account_disabled", target=str(member.id))
    return _people_page(notice="disabled")


@blueprint.post("/people/reset")
@admins
def reset() -> tuple[str, int]:
    form = MemberActionForm()
    if not form.validate():
        abort(400)
    member = _member_of_my_organisation(form.member_id.data)
    if member.role not in _grantable_roles():
        abort(403)
    if form.confirm.data != "yes":
        return _confirm_first(form, member, "reset")
    created = accounts.reset_access(
        get_session(),
        member,
        _org_keys_for(member.role),
        auth.advocacy_keys(),
        lifetime=auth.invitation_lifetime(),
    )
    auth.record("access_reset", target=str(member.id))
    return _people_page(invitation_link=_invitation_link(created.token), invited=member.username)


@blueprint.post("/people/revoke")
@admins
def revoke() -> tuple[str, int]:
    """A pending invitation or access-reset link stops working at once."""
    form = InvitationActionForm()
    if not form.validate():
        abort(400)
    session = get_session()
    invitation = admin_service.pending_invitation_in(
        session, form.invitation_id.data, auth.current_staff().member.organisation_id
    )
    if invitation is None:
        abort(404)
    invitation_id, username = str(invitation.id), invitation.username
    accounts.revoke_invitation(session, invitation)
    auth.record("invitation_revoked", target=invitation_id)
    return _people_page(notice="revoked", revoked=username)


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# Values in an entry's details that have a translated name.
_DETAIL_LABELS: dict[str, Mapping[str, object]] = {
    "status": CASE_STATUS_LABELS,
    "priority": PRIORITY_LABELS,
    "role": ROLE_LABELS,
}


def _readable_details(details: str, references: Mapping[str, str]) -> str:
    """An entry's details as "what: value" pairs in the reader's language: statuses and roles by
    their names, reports by their reference, yes and no as words."""
    parts = []
    for key, value in sorted(json.loads(details or "{}").items()):
        shown: object = value
        if isinstance(value, bool):
            shown = _l("yes") if value else _l("no")
        elif isinstance(value, str):
            shown = references.get(value) or _DETAIL_LABELS.get(key, {}).get(value, value)
        parts.append(f"{AUDIT_DETAIL_LABELS.get(key, key)}: {shown}")
    return "; ".join(parts)


@blueprint.get("/audit")
@admins
def audit_log() -> tuple[str, int]:
    session = get_session()
    member = auth.current_staff().member
    page = bounds.page_number(request.args.get("page"))
    entries = admin_service.audit_entries(session, member, page, AUDIT_PAGE)
    checked = member.role == NETWORK_ADMIN
    problems = verify_since_last_check(session, auth.audit_key()) if checked else []
    auth.record("audit_viewed", details={"page": page})
    # Reports appear as targets and in details ("linked with"): shown by their reference.
    mentioned = [entry.target for entry in entries] + [
        str(value)
        for entry in entries
        for value in json.loads(entry.details or "{}").values()
        if isinstance(value, str)
    ]
    ids = {_as_uuid(text) for text in mentioned}
    references = references_of(session, {report_id for report_id in ids if report_id is not None})
    return render_template(
        "staff/audit.html",
        entries=entries[:AUDIT_PAGE],
        page=page,
        has_next=len(entries) > AUDIT_PAGE,
        problems=problems,
        chain_checked=member.role == NETWORK_ADMIN,
        references={str(key): value for key, value in references.items()},
        action_labels=AUDIT_ACTION_LABELS,
        readable_details=_readable_details,
    ), 200


@blueprint.route("/retention", methods=["GET", "POST"])
@admins
def retention() -> tuple[str, int] | Response:
    """How long this organisation keeps spam and the raw content of closed reports."""
    organisation = auth.current_staff().member.organisation
    form = RetentionForm(obj=organisation)
    if form.validate_on_submit():
        organisation.purge_spam_after_days = form.purge_spam_after_days.data
        organisation.purge_closed_content_after_days = form.purge_closed_content_after_days.data
        auth.record(
            "retention_changed",
            details={
                "spam_days": organisation.purge_spam_after_days,
                "closed_content_days": organisation.purge_closed_content_after_days,
            },
        )
        return redirect(url_for("admin.retention"))
    return render_template("staff/retention.html", form=form), 400 if form.errors else 200


@blueprint.route("/publishing", methods=["GET", "POST"])
@admins
def publishing() -> tuple[str, int] | Response:
    """The smallest number this organisation's statistics show, and the downloads already
    published (the ledger every new one is checked with)."""
    organisation = auth.current_staff().member.organisation
    form = PublishingForm(obj=organisation)
    if form.validate_on_submit():
        organisation.statistics_threshold = form.statistics_threshold.data
        auth.record("threshold_changed", details={"threshold": organisation.statistics_threshold})
        return redirect(url_for("statistics.statistics"))
    remembered = ledger.releases(get_session(), organisation, auth.advocacy_keys())
    page = render_template(
        "staff/publishing.html",
        form=form,
        min_threshold=MIN_THRESHOLD,
        max_threshold=MAX_THRESHOLD,
        releases=list(reversed(remembered)),
        scope_text=presentation.scope_text,
    )
    return page, 400 if form.errors else 200


@blueprint.get("/operations")
@admins
def operations_page() -> tuple[str, int]:
    """Whether this server is in order: database, schema, disk, purge, backup, keys."""
    session = get_session()
    member = auth.current_staff().member
    figures = operations.status(
        session,
        engine_of(current_app),
        current_settings().instance_path,
        admin_service.organisations_seen_by(session, member),
        dt.date.today(),
    )
    return render_template(
        "staff/operations.html", status=figures, format_decimal=format_decimal
    ), 200
