"""The `reporter` command: Flask's commands (run, shell, ...) plus db, init and demo."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from reporter import crypto, migrate
from reporter.context import current_settings
from reporter.db import engine_of, new_session
from reporter.reports.service import ReceiptSecrets

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reporter.audit.service import Anchor, Problem
    from reporter.orgs.models import Organisation


def _invitation_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_settings().invitation_hours)


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    migrate.upgrade(engine_of(current_app), revision)
    click.echo(f"database upgraded to {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION ("base" removes every table)."""
    migrate.downgrade(engine_of(current_app), revision)
    click.echo(f"database downgraded to {revision}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.autogenerate(engine_of(current_app), message)


@click.command("init")
@click.option("--name", required=True, help="The network's name.")
@click.option("--slug", default="network", show_default=True)
@click.option("--countries", required=True, help="Country codes the network covers, e.g. AR,BR,CO.")
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="Where staff reach this site."
)
@click.option(
    "--admin",
    "admin_username",
    default="admin",
    show_default=True,
    help="The first admin's username.",
)
@with_appcontext
def init_command(name: str, slug: str, countries: str, url: str, admin_username: str) -> None:
    """Create the network organisation, its keys, its recovery key and the first admin's invitation."""
    from reporter.accounts.models import NETWORK_ADMIN
    from reporter.orgs.models import NETWORK

    migrate.upgrade(engine_of(current_app))
    _add_organisation(name, slug, NETWORK, countries, admin_username, NETWORK_ADMIN, url)


@click.group("org")
def org_group() -> None:
    """Member organisations of the network."""


@org_group.command("add")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--slug", required=True, help="Short lower-case name, e.g. red-colombia.")
@click.option("--countries", required=True, help="Country codes it receives reports from, e.g. CO.")
@click.option(
    "--admin", "admin_username", required=True, help="Its first administrator's username."
)
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="Where staff reach this site."
)
@with_appcontext
def org_add(name: str, slug: str, countries: str, admin_username: str, url: str) -> None:
    """Add a national member organisation: its keys, its recovery key and its first admin's invitation."""
    from reporter.accounts.models import ORG_ADMIN
    from reporter.orgs.models import NATIONAL

    _add_organisation(name, slug, NATIONAL, countries, admin_username, ORG_ADMIN, url)


def _add_organisation(
    name: str, slug: str, kind: str, countries: str, admin_username: str, admin_role: str, url: str
) -> None:
    """Create an organisation and its first admin's invitation; print the recovery key once."""
    from reporter.accounts.service import AccountError, create_invitation
    from reporter.audit.service import audit_key, record
    from reporter.orgs.service import OrganisationError, create_organisation

    session = new_session()
    try:
        created = create_organisation(
            session, name=name, slug=slug, kind=kind, countries=countries.split(",")
        )
        invitation = create_invitation(
            session,
            created.organisation,
            username=admin_username,
            role=admin_role,
            organisation_keys={created.organisation.key_version: created.private_key},
            advocacy_keys={created.organisation.advocacy_key_version: created.advocacy_key},
            lifetime=_invitation_lifetime(),
        )
        record(
            session,
            audit_key(current_settings().secret_key),
            action="organisation_added",
            organisation_id=created.organisation.id,
            actor_name=f"reporter ({kind})",
            target=slug,
        )
        session.commit()
    except (OrganisationError, AccountError) as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    finally:
        session.close()
    _print_keys(name, slug, created.recovery_key, admin_username, url, invitation.token)


def _print_keys(
    name: str, slug: str, recovery_key: str, admin_username: str, url: str, token: str
) -> None:
    click.echo(f"Created the organisation {name!r}.\n")
    click.secho("RECOVERY KEY (shown only this once):", bold=True)
    click.echo(f"\n    {recovery_key}\n")
    click.echo(
        "Print it or write it on paper and keep it offline, in a safe place away from the server.\n"
        "It is the only way to read reports if every staff password is lost. Nobody can show it again.\n"
    )
    click.echo(
        f"Then type it back from the paper, to show it was written right:\n    reporter keys confirm {slug}\n"
    )
    click.echo(
        f"Invitation for the first administrator, {admin_username!r} "
        f"(single use, valid {current_settings().invitation_hours} hours):"
    )
    click.echo(f"    {url.rstrip('/')}/staff/invitation/{token}")


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as one JSON object.")
@with_appcontext
def demo_command(as_json: bool) -> None:
    """Create (once) a demo network with staff of every role and sample reports."""
    from reporter.demo import build_demo

    migrate.upgrade(engine_of(current_app))
    session = new_session()
    try:
        result = build_demo(
            session,
            current_settings().password_cost,
            ReceiptSecrets.from_settings(current_settings()),
        )
        session.commit()
    finally:
        session.close()
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(
        "Demo network created."
        if result.created
        else "Demo network exists already; nothing changed."
    )
    click.echo("DEMO ONLY: these passwords are public. Never use the demo data in production.\n")
    for person in result.staff:
        click.echo(
            f"  {person['username']:<22} {person['role']:<14} password: {person['password']!r}  "
            f"TOTP secret: {person['totp_secret']}"
        )
    if result.receipts:
        click.echo("\nSample receipts (follow-up with these):")
        for item in result.receipts:
            click.echo(f"  {item['country']}: {item['receipt']}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


def _parse_anchor(text: str | None) -> Anchor | None:
    from reporter.audit.service import InvalidAnchor, parse_anchor

    if text is None:
        return None
    try:
        return parse_anchor(text)
    except InvalidAnchor as error:
        raise click.BadParameter(str(error), param_hint="'--anchor'") from error


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"entry {problem.entry_id}: {problem.what}", err=True)


@audit_group.command("verify")
@click.option(
    "--anchor",
    "anchor_text",
    metavar='"N HASH"',
    help="An anchor printed earlier by `reporter audit anchor` (the whole line, or the entry "
    "number and hash): also check that entry N still exists with exactly that hash.",
)
@with_appcontext
def audit_verify(anchor_text: str | None) -> None:
    """Check the whole chain and its head; exit 1 if any entry was edited, deleted, inserted or
    reordered, or the head was rewound."""
    from reporter.audit.service import audit_key, verify

    anchor = _parse_anchor(anchor_text)
    session = new_session()
    try:
        problems = verify(session, audit_key(current_settings().secret_key), anchor)
    finally:
        session.close()
    if problems:
        _print_problems(problems)
        raise SystemExit(1)
    if anchor is None:
        click.echo("audit log intact")
    else:
        click.echo(f"audit log intact and matches the anchor at entry {anchor.entry_id}")


@audit_group.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Print the newest entry's number and hash as one line, after checking the log.

    Store the line away from this server (on paper, in a password manager, in another
    organisation's records), e.g. weekly. Later, `reporter audit verify --anchor "LINE"`
    detects a log cut below that entry or rewritten up to it, even by someone holding the
    database and the secret key.
    """
    from reporter.audit.service import audit_key, current_anchor, verify

    session = new_session()
    try:
        problems = verify(session, audit_key(current_settings().secret_key))
        anchor = None if problems else current_anchor(session)
    finally:
        session.close()
    if problems:
        _print_problems(problems)
        click.echo("the audit log has problems; no anchor was printed", err=True)
        raise SystemExit(1)
    if anchor is None:
        click.echo("the audit log is empty; there is nothing to anchor yet", err=True)
        raise SystemExit(1)
    click.echo(str(anchor))


@audit_group.command("seal")
@click.option(
    "--anchor",
    "anchor_text",
    metavar='"N HASH"',
    help="Also require the log to match this anchor before sealing.",
)
@with_appcontext
def audit_seal(anchor_text: str | None) -> None:
    """Write the MAC of the audit head when it has none (a log from before head MACs) or after an
    investigation; refused if any entry fails to verify. The sealing is itself recorded."""
    from reporter.audit.service import CannotSeal, audit_key, current_anchor, record, seal_head

    anchor = _parse_anchor(anchor_text)
    key = audit_key(current_settings().secret_key)
    session = new_session()
    try:
        try:
            sealed = seal_head(session, key, anchor)
        except CannotSeal as error:
            session.rollback()
            _print_problems(error.problems)
            click.echo(str(error), err=True)
            raise SystemExit(1) from error
        if sealed:
            record(session, key, action="audit_head_sealed", actor_name="reporter audit seal")
            session.commit()
        printed = current_anchor(session)
    finally:
        session.close()
    click.echo("audit head sealed" if sealed else "the audit head was sealed already")
    if printed is not None:
        click.echo(str(printed))


@click.group("keys")
def keys_group() -> None:
    """Organisation keys: recovery and rotation."""


def _organisation_named(session: Session, slug: str) -> Organisation:
    """The organisation with this slug, or the command stops saying there is none."""
    from sqlalchemy import select

    from reporter.orgs.models import Organisation

    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(f"no organisation {slug!r}")
    return org


@keys_group.command("recover")
@click.argument("organisation")
@click.option(
    "--admin", "admin_username", required=True, help="Username for the restored administrator."
)
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option(
    "--recovery-key", prompt=True, hide_input=True, help="The organisation's recovery key."
)
@with_appcontext
def keys_recover(organisation: str, admin_username: str, url: str, recovery_key: str) -> None:
    """Restore access when every password is lost: the recovery key opens the organisation key,
    and a new administrator invitation is made with it."""
    from sqlalchemy import select

    from reporter.accounts.models import NETWORK_ADMIN, ORG_ADMIN, StaffMember
    from reporter.accounts.service import AccountError, create_invitation, reset_access
    from reporter.audit.service import audit_key, record
    from reporter.orgs.models import NETWORK
    from reporter.orgs.service import open_advocacy_key_with_recovery_key, open_with_recovery_key

    session = new_session()
    try:
        org = _organisation_named(session, organisation)
        try:
            private_key = open_with_recovery_key(session, org, recovery_key)
            advocacy_key = open_advocacy_key_with_recovery_key(session, org, recovery_key)
        except (crypto.DecryptionFailed, crypto.InvalidRecoveryKeyFormat) as error:
            raise click.ClickException(
                "this recovery key does not open that organisation"
            ) from error
        keys = {org.key_version: private_key}
        advocacy_keys = {org.advocacy_key_version: advocacy_key}
        existing = session.scalar(select(StaffMember).where(StaffMember.username == admin_username))
        role = NETWORK_ADMIN if org.kind == NETWORK else ORG_ADMIN
        try:
            if existing is not None and existing.organisation_id == org.id:
                invitation = reset_access(
                    session, existing, keys, advocacy_keys, lifetime=_invitation_lifetime()
                )
            else:
                invitation = create_invitation(
                    session,
                    org,
                    username=admin_username,
                    role=role,
                    organisation_keys=keys,
                    advocacy_keys=advocacy_keys,
                    lifetime=_invitation_lifetime(),
                )
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        record(
            session,
            audit_key(current_settings().secret_key),
            action="recovery_key_used",
            organisation_id=org.id,
            actor_name="reporter keys recover",
            target=admin_username,
        )
        session.commit()
    finally:
        session.close()
    click.echo(
        f"Invitation for {admin_username!r} "
        f"(single use, valid {current_settings().invitation_hours} hours):"
    )
    click.echo(f"    {url.rstrip('/')}/staff/invitation/{invitation.token}")


@keys_group.command("confirm")
@click.argument("organisation")
@click.option(
    "--recovery-key", prompt=True, hide_input=True, help="The organisation's recovery key."
)
@with_appcontext
def keys_confirm(organisation: str, recovery_key: str) -> None:
    """Show that the recovery key is written down and kept safe, by typing it back: if it opens
    the organisation's keys, the day is recorded (`reporter check` asks for it)."""

    from reporter.audit.service import audit_key, record
    from reporter.orgs.service import confirm_recovery_key

    session = new_session()
    try:
        org = _organisation_named(session, organisation)
        try:
            confirm_recovery_key(session, org, recovery_key, dt.date.today())
        except (crypto.DecryptionFailed, crypto.InvalidRecoveryKeyFormat) as error:
            raise click.ClickException(
                "this recovery key does not open that organisation: find the copy that was "
                "written down when it was created"
            ) from error
        record(
            session,
            audit_key(current_settings().secret_key),
            action="recovery_key_confirmed",
            organisation_id=org.id,
            actor_name="reporter keys confirm",
        )
        session.commit()
    finally:
        session.close()
    click.echo(f"The recovery key of {organisation} opens its keys. Keep it where it is.")


@click.command("backup")
@click.argument(
    "destination", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write the whole database, still encrypted, to one file with checksums, while the app
    runs. Keep the instance secrets and the recovery keys apart from it (docs/deploy.md)."""
    from reporter.audit.service import audit_key, record
    from reporter.operations.backup import BackupError, make_backup

    settings = current_settings()
    try:
        rows = make_backup(
            engine_of(current_app),
            destination,
            settings.secret_key,
            settings.receipt_pepper,
            dt.date.today(),
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    session = new_session()
    try:
        record(
            session,
            audit_key(settings.secret_key),
            action="backup_made",
            actor_name="reporter backup",
        )
        session.commit()
    finally:
        session.close()
    click.echo(f"Wrote {destination}: {len(rows)} tables, {sum(rows.values())} rows.")


@click.command("restore")
@click.argument(
    "archive", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@with_appcontext
def restore_command(archive: Path) -> None:
    """Bring a backup into this empty instance, upgrade it, and verify it: every checksum, every
    row count and the audit chain."""
    from reporter.audit.service import audit_key, record, verify
    from reporter.operations.backup import BackupError, restore_backup

    settings = current_settings()
    try:
        restored = restore_backup(
            engine_of(current_app), archive, settings.secret_key, settings.receipt_pepper
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    session = new_session()
    try:
        key = audit_key(settings.secret_key)
        problems = verify(session, key)
        if problems:
            _print_problems(problems)
            raise click.ClickException("the restored audit chain does not verify")
        record(session, key, action="backup_restored", actor_name="reporter restore")
        session.commit()
    finally:
        session.close()
    click.echo(
        f"Restored {archive} (made at revision {restored.revision}): "
        f"{sum(restored.rows.values())} rows; checksums, row counts and the audit chain verified."
    )


@click.command("check")
@click.option(
    "--gunicorn",
    "gunicorn_config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The gunicorn settings file the app runs with (read, not run).",
)
@with_appcontext
def check_command(gunicorn_config: Path | None) -> None:
    """Find configuration mistakes before a deployment goes live. Exits non-zero on any error."""
    from reporter.operations.check import ERROR, read_gunicorn_settings, run_checks

    findings = run_checks(
        current_app,
        current_settings(),
        engine_of(current_app),
        new_session,
        gunicorn=read_gunicorn_settings(gunicorn_config) if gunicorn_config else None,
    )
    for finding in findings:
        click.echo(f"{finding.level}: {finding.message}")
    errors = sum(finding.level == ERROR for finding in findings)
    click.echo(
        f"{errors} error(s), {len(findings) - errors} warning(s)"
        + ("" if errors else ": nothing stands in the way of going live")
    )
    if errors:
        raise SystemExit(1)


@keys_group.command("rotate")
@click.argument("organisation")
@click.option(
    "--recovery-key", prompt=True, hide_input=True, help="The organisation's recovery key."
)
@click.option(
    "--batch-size", default=200, show_default=True, help="Cases resealed per transaction."
)
@with_appcontext
def keys_rotate(organisation: str, recovery_key: str, batch_size: int) -> None:
    """Replace an organisation's keypair and reseal every report to it, then replace its advocacy
    key and encrypt the statistics again. Safe to interrupt: run it again to carry on where it
    stopped."""

    from reporter.audit.service import audit_key, record
    from reporter.orgs import rotation
    from reporter.orgs.service import (
        OrganisationError,
        open_advocacy_key_with_recovery_key,
        open_next_with_recovery_key,
        open_with_recovery_key,
    )

    session = new_session()
    try:
        org = _organisation_named(session, organisation)
        try:
            current = open_with_recovery_key(session, org, recovery_key)
            advocacy = open_advocacy_key_with_recovery_key(session, org, recovery_key)
        except (crypto.DecryptionFailed, crypto.InvalidRecoveryKeyFormat) as error:
            raise click.ClickException(
                "this recovery key does not open that organisation"
            ) from error
        except OrganisationError as error:
            raise click.ClickException(str(error)) from error
        key = audit_key(current_settings().secret_key)
        if rotation.start(session, org, current):
            record(
                session,
                key,
                action="key_rotation_started",
                organisation_id=org.id,
                actor_name="reporter keys rotate",
            )
            session.commit()
            click.echo(f"New key made for {org.name}; resealing reports.")
        else:
            click.echo(f"Resuming the rotation of {org.name}.")
        upcoming = open_next_with_recovery_key(session, org, recovery_key)
        total = rotation.remaining(session, org)
        with click.progressbar(length=total, label="Resealing reports") as bar:
            while True:
                moved = rotation.reseal_batch(session, org, current, batch_size, upcoming)
                session.commit()
                if not moved:
                    break
                bar.update(moved)
        rotation.finish(session, org)
        rotation.rotate_advocacy_key(session, org, advocacy)
        record(
            session,
            key,
            action="key_rotation_finished",
            organisation_id=org.id,
            actor_name="reporter keys rotate",
            details={"version": org.key_version},
        )
        session.commit()
    finally:
        session.close()
    click.echo(f"Done: {org.name} now uses key version {org.key_version}. Staff must log in again.")


@click.command("export")
@click.option("--username", required=True, help="A staff member of the organisation (any role).")
@click.option("--passphrase", prompt=True, hide_input=True, help="That member's passphrase.")
@click.option("--code", prompt="Code from the authenticator app", help="The current TOTP code.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["json", "csv", "xlsx", "pdf"]),
    default="json",
    show_default=True,
)
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="Language of the spreadsheet and the brief (XLSX, PDF).",
)
@click.option("--countries", default="", help="Country codes, comma-separated (default: all).")
@click.option("--violations", default="", help="Violation types, comma-separated (default: all).")
@click.option("--from", "first_month", default="", help="First month, YYYY-MM (default: open).")
@click.option("--to", "last_month", default="", help="Last month, YYYY-MM (default: open).")
@click.option(
    "--threshold",
    type=click.IntRange(2, 1000),
    default=None,
    help="Smallest count shown (default: the organisation's; never below it).",
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def export_command(
    username: str,
    passphrase: str,
    code: str,
    file_format: str,
    language: str,
    countries: str,
    violations: str,
    first_month: str,
    last_month: str,
    threshold: int | None,
    output: str,
) -> None:
    """Export the organisation's statistics, protected (small cells hidden, the rest checked by
    linear programming), as JSON, CSV, a spreadsheet or a PDF brief. The member's passphrase and code open the advocacy key;
    the export is recorded in the audit log."""
    import re

    from reporter.accounts.service import LoginFailed, authenticate
    from reporter.audit.service import audit_key, record
    from reporter.statistics import export, ledger, tables
    from reporter.statistics.models import StatContribution
    from reporter.statistics.service import opened_cells

    if language not in current_settings().languages:
        raise click.BadParameter(
            f"{language!r} is not one of {', '.join(current_settings().languages)}"
        )
    for month in (first_month, last_month):
        if month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise click.BadParameter(f"{month!r} is not a month (YYYY-MM)")
    scope = tables.Scope(
        countries=frozenset(c.strip().upper() for c in countries.split(",") if c.strip()),
        violations=frozenset(v.strip() for v in violations.split(",") if v.strip()),
        first_month=first_month,
        last_month=last_month,
    )
    session = new_session()
    try:
        try:
            unlocked = authenticate(
                session, username, passphrase, code, current_settings().password_cost
            )
        except LoginFailed as error:
            session.commit()  # the TOTP step used stays used
            raise click.ClickException("that passphrase and code do not open this account") from (
                error
            )
        member = unlocked.member
        organisation = member.organisation
        if organisation.advocacy_key_version not in unlocked.advocacy_keys:
            raise click.ClickException("this account holds no advocacy key of its organisation")
        total = session.query(StatContribution).filter_by(organisation_id=organisation.id).count()
        with click.progressbar(length=total, label="Opening the statistics") as bar:
            opened = opened_cells(session, organisation, unlocked.advocacy_keys, bar.update)
        if threshold is None:
            threshold = organisation.statistics_threshold
        if threshold < organisation.statistics_threshold:
            raise click.ClickException(
                f"{organisation.name} shows no count below {organisation.statistics_threshold}"
            )
        click.echo("Checking what can be published, with the earlier exports…")
        protected = ledger.protected_export(
            session, organisation, unlocked.advocacy_keys, scope, threshold, opened
        )
        made_on = dt.date.today()
        with current_app.test_request_context("/"):
            body = export.render(
                protected, organisation.name, scope, made_on, file_format, language
            )
        with open(output, "wb") as file:
            file.write(body)
        ledger.remember(session, organisation, unlocked.advocacy_keys, scope, protected, made_on)
        record(
            session,
            audit_key(current_settings().secret_key),
            action="statistics_exported",
            actor_id=member.id,
            actor_name=member.username,
            organisation_id=organisation.id,
            details={"format": file_format, "hidden": len(protected.hidden)},
        )
        session.commit()
    finally:
        session.close()
    click.echo(
        f"Wrote {output}: {len(protected.tables)} tables, {len(protected.hidden)} cells hidden."
    )


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Apply every organisation's retention rules, and end expired staff sessions (daily)."""
    from reporter.accounts.service import SessionLimits, purge_expired_sessions
    from reporter.audit.service import audit_key, record
    from reporter.cases.retention import purge

    session = new_session()
    try:
        # An expired session still holds its member's organisation keys, encrypted: remove it.
        sessions_ended = purge_expired_sessions(
            session, SessionLimits.from_settings(current_settings())
        )
        result = purge(session)
        record(
            session,
            audit_key(current_settings().secret_key),
            action="retention_purge",
            actor_name="reporter purge",
            details=dict(vars(result)),
        )
        session.commit()
    finally:
        session.close()
    click.echo(
        f"spam cases deleted: {result.spam_cases_deleted}; reports deleted: {result.reports_deleted}; "
        f"report contents purged: {result.contents_purged}; "
        f"old marks of sent reports deleted: {result.sent_marks_deleted}; "
        f"expired staff sessions removed: {sessions_ended}"
    )


@click.command("notify")
@with_appcontext
def notify_command() -> None:
    """Send the staff notices that are due: run every notice_minimum_minutes by a timer."""
    from reporter.accounts.service import utcnow
    from reporter.notices.mail import Mailer
    from reporter.notices.service import collect, send_due

    settings = current_settings()
    if not (settings.smtp_host and settings.notice_sender):
        raise click.ClickException("notices need smtp_host and notice_sender in the settings")
    # One run at a time on this server (a run by hand beside the timer's would send twice).
    with open(Path(settings.instance_path) / "notify.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo("another run of reporter notify is under way")
            return
        session = new_session()
        mailer = Mailer(settings)
        try:
            now = utcnow()
            collected = collect(session, settings, now)
            session.commit()
            with current_app.test_request_context("/"):
                sent = send_due(session, settings, now, mailer.send)
        finally:
            mailer.close()
            session.close()
    click.echo(
        f"new activity for {collected.members} staff members; "
        f"digests sent: {sent.sent}; not sent: {sent.failed}"
    )
    if sent.failed:
        raise click.ClickException(
            f"{sent.failed} digests could not be sent; the next run tries them again"
        )


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(org_group)
    app.cli.add_command(purge_command)
    app.cli.add_command(notify_command)
    app.cli.add_command(check_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(export_command)


def main() -> None:
    # Whatever this command writes (database, secrets, exports, backups) is for this user only.
    os.umask(0o077)
    from reporter import create_app

    FlaskGroup(create_app=create_app, name="reporter").main()
