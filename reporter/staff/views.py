"""Staff sign-in: invitation, passphrase, TOTP enrolment, login, logout, account."""

from __future__ import annotations

from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from reporter import flood
from reporter.accounts import service as accounts
from reporter.accounts.models import StaffMember
from reporter.audit import service as audit
from reporter.context import current_settings
from reporter.db import get_session
from reporter.flood import Verdict
from reporter.forms import choices
from reporter.i18n import LANGUAGE_NAMES, current_language
from reporter.notices import service as notices
from reporter.orgs.keyring import Keyring
from reporter.queue import service as queue_service
from reporter.staff import auth
from reporter.staff.forms import (
    CodeForm,
    ConfirmForm,
    LanguageForm,
    LoginForm,
    NoticeForm,
    PassphraseForm,
)

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)

# A host that serves the staff surface alone: its root leads to the staff pages, and no search
# engine may list anything on it.
staff_host = Blueprint("staff_host", __name__)


@staff_host.get("/")
def staff_host_root() -> Response:
    return redirect(url_for("staff.home"))


@staff_host.get("/robots.txt")
def staff_host_robots() -> Response:
    return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")


def _safe_next(target: str | None) -> str:
    """Only a plain path inside the staff area: no scheme or host, no backslash (browsers read it
    as a slash), no empty or dot segment that could climb out of /staff/."""
    if target and "\\" not in target:
        parts = urlsplit(target)
        segments = parts.path.split("/")[1:]
        if (
            not parts.scheme
            and not parts.netloc
            and parts.path.startswith("/staff/")
            and not any(segment in ("", ".", "..") for segment in segments[:-1])
            and segments[-1] not in (".", "..")
        ):
            return target
    return url_for("staff.home")


def _login_page(
    form: LoginForm, status: int = 200, failed: bool = False, too_many: Verdict | None = None
) -> tuple[str, int]:
    return render_template("staff/login.html", form=form, failed=failed, too_many=too_many), status


def _catch_up(
    member: StaffMember, org_keys: dict[int, bytes], advocacy_keys: dict[int, bytes]
) -> None:
    """Index the cases that arrived while nobody held the keys, and reconcile their statistics:
    a write, so it belongs to this POST and not to the queue's GET."""
    if member.totp_confirmed and member.reads_reports and org_keys:
        keyring = Keyring(member.organisation, org_keys, advocacy_keys)
        queue_service.bring_up_to_date(
            get_session(), keyring, current_settings().search_index_seconds
        )


def _record_failed_login(member: StaffMember | None) -> None:
    # Never the typed name: a passphrase typed in the wrong field would be kept in clear.
    audit.record(
        get_session(),
        auth.audit_key(),
        action="login_failed",
        actor_id=member.id if member else None,
        actor_name=member.username if member else "unknown account",
        organisation_id=member.organisation_id if member else None,
    )


@blueprint.get("/login")
def login() -> tuple[str, int]:
    return _login_page(LoginForm())


@blueprint.post("/login")
def login_post() -> tuple[str, int] | Response:
    form = LoginForm()
    if not form.validate():
        # Junk (no token, nothing typed) is refused before it touches anyone's budget.
        return _login_page(form, 400)
    username = form.username.data.strip()
    control = flood.flood_control()
    device = auth.device_client(username)
    client = device or flood.current_client()
    verdict = control.spend("login", client)
    if not verdict.allowed:
        return _login_page(LoginForm(username=username), 429, too_many=verdict)
    session = get_session()
    try:
        if not control.login_backoff(username, client).allowed:
            # The same answer as a wrong passphrase: the name is neither confirmed nor locked.
            raise accounts.LoginFailed(accounts.find_member(session, username))
        unlocked = accounts.authenticate(
            session, username, form.passphrase.data, form.code.data or "", auth.password_cost()
        )
    except accounts.LoginFailed as failure:
        control.login_failed(username, client)
        _record_failed_login(failure.member)
        # The audit entry must be kept even though the page answers 401.
        session.commit()
        return _login_page(LoginForm(username=username), 401, failed=True)
    control.login_succeeded(username, client)
    accounts.purge_expired_sessions(session, auth.session_limits())
    cookie = accounts.start_session(session, unlocked)
    _catch_up(unlocked.member, unlocked.org_keys, unlocked.advocacy_keys)
    audit.record(
        session,
        auth.audit_key(),
        action="login",
        actor_id=unlocked.member.id,
        actor_name=unlocked.member.username,
        organisation_id=unlocked.member.organisation_id,
    )
    target = (
        url_for("staff.enrol")
        if not unlocked.member.totp_confirmed
        else _safe_next(request.args.get("next"))
    )
    response = auth.set_cookie(redirect(target), cookie)
    return auth.set_device_cookie(response, unlocked.member.username)


@blueprint.post("/logout")
def logout() -> Response:
    # A valid session cookie is enough: ending one's own session needs no token (the cookie is
    # SameSite=Strict), and a page whose token expired must still be able to end it.
    staff = g.get("staff")
    if staff is not None:
        auth.record("logout")
        accounts.end_session(get_session(), staff)
    return auth.clear_cookie(redirect(url_for("staff.login")))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> tuple[str, int] | Response:
    session = get_session()
    try:
        invited = accounts.find_invitation(session, token)
    except accounts.InvitationInvalid:
        return render_template("staff/invitation_invalid.html"), 404
    form = PassphraseForm()
    problems: list[str] = []
    if form.validate_on_submit():
        verdict = flood.spend("login")
        if not verdict.allowed:
            return render_template(
                "staff/invitation.html", form=form, invitation=invited, too_many=verdict
            ), 429
        problems = accounts.passphrase_problems(
            form.passphrase.data,
            [invited.username, invited.organisation.name, current_settings().site_name],
        )
        if not problems:
            member = accounts.accept_invitation(
                session, token, form.passphrase.data, auth.password_cost()
            )
            audit.record(
                session,
                auth.audit_key(),
                action="invitation_accepted",
                actor_id=member.id,
                actor_name=member.username,
                organisation_id=member.organisation_id,
            )
            unlocked = accounts.authenticate(
                session, member.username, form.passphrase.data, "", auth.password_cost()
            )
            cookie = accounts.start_session(session, unlocked)
            return auth.set_cookie(redirect(url_for("staff.enrol")), cookie)
    return render_template(
        "staff/invitation.html", form=form, invitation=invited, problems=problems
    ), 200


@blueprint.route("/enrol", methods=["GET", "POST"])
def enrol() -> tuple[str, int] | Response:
    staff = g.get("staff")
    if staff is None:
        return redirect(url_for("staff.login"))
    if staff.record.stage == "full":
        return redirect(url_for("staff.home"))
    form = CodeForm()
    rejected = False
    if form.validate_on_submit():
        try:
            accounts.confirm_totp(staff.member, staff.totp_secret, form.code.data)
        except accounts.CodeRejected:
            rejected = True
        else:
            staff.record.stage = "full"
            auth.record("totp_enrolled")
            _catch_up(staff.member, staff.org_keys, staff.advocacy_keys)
            return redirect(url_for("staff.home"))
    uri = accounts.totp_uri(staff.member, staff.totp_secret, current_settings().site_name)
    svg = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string(
        encoding="unicode"
    )
    grouped = " ".join(staff.totp_secret[i : i + 4] for i in range(0, len(staff.totp_secret), 4))
    return render_template(
        "staff/enrol.html", form=form, qr_svg=svg, secret=grouped, rejected=rejected
    ), (400 if rejected else 200)


NOTICE_LABELS = {
    "reports": _l("a new report for my organisation, or a reply on a case assigned to nobody"),
    "replies": _l("a reply from a reporter on a case assigned to me"),
    "approvals": _l("a story waiting for a second approval"),
    "invitations": _l("an invitation that will expire soon"),
}


def _notice_form(member: StaffMember, formdata: object = None) -> NoticeForm:
    form = NoticeForm(
        formdata=formdata,
        email=notices.email_of(member, current_settings().secret_key) or "",
        kinds=sorted(notices.chosen_kinds(member)),
    )
    form.kinds.choices = choices(
        (kind, NOTICE_LABELS[kind]) for kind in notices.kinds_open_to(member)
    )
    return form


def _language_form(member: StaffMember) -> LanguageForm:
    form = LanguageForm(language=member.language or current_language())
    form.language.choices = choices(
        (code, LANGUAGE_NAMES[code]) for code in current_settings().languages
    )
    return form


def _home(language_form: LanguageForm | None = None, notice_form: NoticeForm | None = None) -> str:
    member = auth.current_staff().member
    return render_template(
        "staff/home.html",
        member=member,
        language_form=language_form or _language_form(member),
        notice_form=notice_form or _notice_form(member),
        remove_form=ConfirmForm(),
        notice_minutes=current_settings().notice_minutes,
        notice_urgent=current_settings().notice_urgent_minutes,
        mail_ready=bool(current_settings().smtp_host and current_settings().notice_sender),
    )


@blueprint.route("/", methods=["GET", "POST"])
@auth.login_required()
def home() -> str | Response:
    staff = auth.current_staff()
    form = _language_form(staff.member)
    if form.validate_on_submit():
        staff.member.language = form.language.data
        return redirect(url_for("staff.home"))
    return _home(language_form=form)


@blueprint.post("/notices")
@auth.login_required()
def notice_choices() -> tuple[str, int] | Response:
    """Save the member's address and the notices they ask for; an empty address removes it."""
    member = auth.current_staff().member
    form = _notice_form(member, request.form)
    valid = form.validate()
    if valid and form.kinds.data and not form.email.data:
        form.email.errors = [_l("Enter the email address the notices should go to.")]
        valid = False
    if not valid:
        return _home(notice_form=form), 400
    notices.choose(member, form.kinds.data or [])
    if form.email.data:
        notices.set_email(
            get_session(), member, form.email.data.strip(), current_settings().secret_key
        )
    elif member.email_sealed is not None:
        notices.remove_email(get_session(), member)
    # Never the address: the audit log is kept for years.
    auth.record(
        "notices_chosen",
        details={"kinds": sorted(notices.chosen_kinds(member)), "address": bool(form.email.data)},
    )
    return redirect(url_for("staff.home") + "#notices")


@blueprint.post("/notices/remove")
@auth.login_required()
def remove_email() -> Response:
    member = auth.current_staff().member
    if not ConfirmForm().validate():
        abort(400)
    notices.remove_email(get_session(), member)
    auth.record("email_removed")
    return redirect(url_for("staff.home") + "#notices")
