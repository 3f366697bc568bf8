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
    from reporter.accounts.service import create_invitation
    from reporter.orgs.models import NETWORK
    from reporter.orgs.service import OrganisationError, create_organisation

    migrate.upgrade(engine_of(current_app))
    session = new_session()
    try:
        created = create_organisation(
            session, name=name, slug=slug, kind=NETWORK, countries=countries.split(",")
        )
        invitation = create_invitation(
            session,
            created.organisation,
            username=admin_username,
            role=NETWORK_ADMIN,
            organisation_keys={created.organisation.key_version: created.private_key},
        )
        session.commit()
    except OrganisationError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    finally:
        session.close()
    click.echo(f"Created the network organisation {name!r}.\n")
    click.secho("RECOVERY KEY (shown only this once):", bold=True)
    click.echo(f"\n    {created.recovery_key}\n")
    click.echo(
        "Print it or write it on paper and keep it offline, in a safe place away from the server.\n"
        "It is the only way to read reports if every staff password is lost. Nobody can show it again.\n"
    )
    click.echo(
        f"Invitation for the first network administrator, {admin_username!r} (single use, valid 7 days):"
    )
    click.echo(f"    {url.rstrip('/')}/staff/invitation/{invitation.token}")


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


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)


def main() -> None:
    from reporter import create_app

    FlaskGroup(create_app=create_app, name="reporter").main()
