"""Staff authentication on every /staff/ request: the session cookie, stages, roles, keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from reporter import crypto, flood
from reporter.accounts.models import ROLES_WITH_REPORT_ACCESS
from reporter.accounts.service import ActiveSession, SessionLimits, end_session, load_session
from reporter.audit import service as audit
from reporter.context import current_settings
from reporter.db import get_session
from reporter.orgs.keyring import KeyMissing, Keyring

COOKIE = "staff_session"
# Set after a successful login: a browser that logged in as a name before has its own failure
# budget for that name, so a stranger's wrong tries cannot keep the owner out.
DEVICE_COOKIE = "staff_device"
DEVICE_COOKIE_DAYS = 180
View = TypeVar("View", bound=Callable[..., Any])


def session_limits() -> SessionLimits:
    return SessionLimits.from_settings(current_settings())


def password_cost() -> crypto.Cost:
    return current_settings().password_cost


def load_staff() -> None:
    """Before every staff request: who is logged in, and in which language they read."""
    g.staff = None
    cookie = request.cookies.get(COOKIE)
    if cookie:
        g.staff = load_session(get_session(), cookie, session_limits())
    if g.staff is not None:
        g.lang = (
            g.staff.member.language
            if g.staff.member.language in current_settings().languages
            else None
        )


def current_staff() -> ActiveSession:
    staff: ActiveSession | None = g.get("staff")
    if staff is None:
        abort(401)
    return staff


def set_cookie(response: Response, value: str) -> Response:
    response.set_cookie(
        COOKIE, value, path="/staff", httponly=True, samesite="Strict", secure=request.is_secure
    )
    return response


def clear_cookie(response: Response) -> Response:
    response.delete_cookie(
        COOKIE, path="/staff", httponly=True, samesite="Strict", secure=request.is_secure
    )
    return response


def invitation_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_settings().invitation_hours)


def _device_key() -> bytes:
    return crypto.derive_subkey(current_settings().secret_key.encode("utf-8"), b"staff-device")


def _device_tag(device_id: str, username: str) -> bytes:
    return crypto.mac(_device_key(), f"{device_id}|{username}".encode())


def new_device_cookie(username: str) -> str:
    device_id = crypto.new_token()
    return f"{device_id}.{_device_tag(device_id, username).hex()}"


def device_client(username: str) -> str | None:
    """The failure-budget name of this browser for this username, if it logged in as it before."""
    device_id, _, tag = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    try:
        presented = bytes.fromhex(tag)
    except ValueError:
        return None
    if not device_id or not crypto.verifier_matches(_device_tag(device_id, username), presented):
        return None
    return "device-" + flood.flood_control().name_hash(device_id)


def set_device_cookie(response: Response, username: str) -> Response:
    response.set_cookie(
        DEVICE_COOKIE,
        new_device_cookie(username),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path="/staff",
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
    )
    return response


def login_required(*roles: str) -> Callable[[View], View]:
    """Allow only fully logged-in staff (TOTP enrolled), and only the given roles if any."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff: ActiveSession | None = g.get("staff")
            if staff is None:
                return redirect(url_for("staff.login", next=request.path))
            if staff.record.stage != "full":
                return redirect(url_for("staff.enrol"))
            if roles and staff.member.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


# Staff who read reports: the queue, the case page and the work done on it.
report_readers = login_required(*sorted(ROLES_WITH_REPORT_ACCESS))


def audit_key() -> bytes:
    return audit.audit_key(current_settings().secret_key)


def record(action: str, *, target: str = "", details: dict[str, Any] | None = None) -> None:
    """Append an audit entry for the logged-in staff member's action."""
    staff = current_staff()
    audit.record(
        get_session(),
        audit_key(),
        action=action,
        actor_id=staff.member.id,
        actor_name=staff.member.username,
        organisation_id=staff.member.organisation_id,
        target=target,
        details=details,
    )


def keyring() -> Keyring:
    """The logged-in member's organisation keys, by version."""
    staff = current_staff()
    if not staff.org_keys:
        abort(403)
    return Keyring(staff.member.organisation, staff.org_keys, staff.advocacy_keys)


def advocacy_keys() -> dict[int, bytes]:
    """The logged-in member's advocacy keys, by version; a session without the current one (begun
    before a rotation or an upgrade) is asked to log in again."""
    staff = current_staff()
    organisation = staff.member.organisation
    if organisation.advocacy_key_version not in staff.advocacy_keys:
        raise KeyMissing(f"advocacy {organisation.advocacy_key_version}")
    return dict(staff.advocacy_keys)


def log_in_again_for_new_key(_error: KeyMissing) -> Response:
    """After a key rotation an older session lacks the new key: log in again to get it.

    The error handler of every blueprint whose pages open reports."""
    staff = current_staff()
    end_session(get_session(), staff)
    return clear_cookie(redirect(url_for("staff.login", next=request.path)))
