"""The `reporter` command: Flask's commands (run, shell, ...) plus db, init and demo."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from reporter import crypto, migrate
from reporter.context import current_settings
from reporter.db import engine_of, new_session
from reporter.reports.service import ReceiptSecrets


def _receipt_secrets() -> ReceiptSecrets:
    settings = current_settings()
    cost = settings.receipt_cost
    return ReceiptSecrets(
        settings.receipt_pepper.encode("utf-8"), crypto.Cost(cost.time_cost, cost.memory_kib)
    )


def _password_cost() -> crypto.Cost:
    cost = current_settings().password_cost
    return crypto.Cost(cost.time_cost, cost.memory_kib)


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
    _print_keys(name, created.recovery_key, admin_username, url, invitation.token)


def _print_keys(name: str, recovery_key: str, admin_username: str, url: str, token: str) -> None:
    click.echo(f"Created the organisation {name!r}.\n")
    click.secho("RECOVERY KEY (shown only this once):", bold=True)
    click.echo(f"\n    {recovery_key}\n")
    click.echo(
        "Print it or write it on paper and keep it offline, in a safe place away from the server.\n"
        "It is the only way to read reports if every staff password is lost. Nobody can show it again.\n"
    )
    click.echo(
        f"Invitation for the first administrator, {admin_username!r} (single use, valid 7 days):"
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
        result = build_demo(session, _password_cost(), _receipt_secrets())
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


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the whole chain; exit 1 if any entry was edited, deleted, inserted or reordered."""
    from reporter.audit.service import audit_key, verify

    session = new_session()
    try:
        problems = verify(session, audit_key(current_settings().secret_key))
    finally:
        session.close()
    if problems:
        for problem in problems:
            click.echo(f"entry {problem.entry_id}: {problem.what}", err=True)
        raise SystemExit(1)
    click.echo("audit log intact")


@click.group("keys")
def keys_group() -> None:
    """Organisation keys: recovery and rotation."""


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
    from reporter.orgs.models import NETWORK, Organisation
    from reporter.orgs.service import open_with_recovery_key

    session = new_session()
    try:
        org = session.scalar(select(Organisation).where(Organisation.slug == organisation))
        if org is None:
            raise click.ClickException(f"no organisation {organisation!r}")
        try:
            private_key = open_with_recovery_key(session, org, recovery_key)
        except (crypto.DecryptionFailed, crypto.InvalidRecoveryKeyFormat) as error:
            raise click.ClickException(
                "this recovery key does not open that organisation"
            ) from error
        keys = {org.key_version: private_key}
        existing = session.scalar(select(StaffMember).where(StaffMember.username == admin_username))
        role = NETWORK_ADMIN if org.kind == NETWORK else ORG_ADMIN
        try:
            if existing is not None and existing.organisation_id == org.id:
                invitation = reset_access(session, existing, keys)
            else:
                invitation = create_invitation(
                    session, org, username=admin_username, role=role, organisation_keys=keys
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
    click.echo(f"Invitation for {admin_username!r} (single use, valid 7 days):")
    click.echo(f"    {url.rstrip('/')}/staff/invitation/{invitation.token}")


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
    """Replace an organisation's keypair and reseal every report to it. Safe to interrupt: run
    it again to carry on where it stopped."""
    from sqlalchemy import select

    from reporter.audit.service import audit_key, record
    from reporter.orgs import rotation
    from reporter.orgs.models import Organisation, OrgKeySlot
    from reporter.orgs.service import open_slot

    session = new_session()
    try:
        org = session.scalar(select(Organisation).where(Organisation.slug == organisation))
        if org is None:
            raise click.ClickException(f"no organisation {organisation!r}")
        recovery_private = crypto.recovery_keypair(recovery_key).private_key
        slot = session.scalar(
            select(OrgKeySlot).where(
                OrgKeySlot.organisation_id == org.id,
                OrgKeySlot.holder == "recovery",
                OrgKeySlot.key_version == org.key_version,
            )
        )
        try:
            current = open_slot(slot, recovery_private) if slot else b""
        except crypto.DecryptionFailed as error:
            raise click.ClickException(
                "this recovery key does not open that organisation"
            ) from error
        if not current:
            raise click.ClickException("the organisation has no recovery slot")
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
        total = rotation.remaining(session, org)
        with click.progressbar(length=total, label="Resealing reports") as bar:
            while True:
                moved = rotation.reseal_batch(session, org, current, batch_size)
                session.commit()
                if not moved:
                    break
                bar.update(moved)
        rotation.finish(session, org)
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


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Apply every organisation's retention rules (schedule it daily)."""
    from reporter.audit.service import audit_key, record
    from reporter.moderation.retention import purge

    session = new_session()
    try:
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
        f"report contents purged: {result.contents_purged}"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(org_group)
    app.cli.add_command(purge_command)


def main() -> None:
    from reporter import create_app

    FlaskGroup(create_app=create_app, name="reporter").main()
