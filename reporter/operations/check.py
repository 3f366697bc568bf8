"""`reporter check`: the configuration mistakes that would put people at risk, found before a
deployment goes live.

Each finding is an error (the deployment is not safe: `reporter check` exits non-zero) or a
warning (something the checks could not tell, or a risk an administrator may accept knowingly).
The checks read the settings, the built app, the database and, when named, the gunicorn
settings file; they change nothing.
"""

from __future__ import annotations

import ast
import ipaddress
import os
import stat
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reporter import blueprints_for
from reporter.accounts.models import StaffMember
from reporter.demo import NETWORK_SLUG, ORGANISATIONS, STAFF
from reporter.migrate import current_revision, head_revision
from reporter.orgs.models import Organisation
from reporter.settings import Settings

ERROR = "error"
WARNING = "warning"

# Shorter secrets than this are refused: the generated ones are 64 characters.
MIN_SECRET_CHARS = 32
# Values people type when a secret is asked for; none of them is secret.
KNOWN_WEAK_SECRETS = frozenset(
    {"dev", "development", "secret", "changeme", "change-me", "change_me", "test", "testing"}
)


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR or WARNING
    message: str


@dataclass(frozen=True)
class Gunicorn:
    """What `reporter check` reads of a gunicorn settings file (without running it)."""

    workers: int | None = None
    accesslog: object = None
    has_accesslog: bool = False


def read_gunicorn_settings(path: Path) -> Gunicorn:
    """The literal values of `workers` and `accesslog` in a gunicorn settings file. The file is
    parsed, never run: running it here could change this process."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        values[target.id] = ast.unparse(node.value)
    workers = values.get("workers")
    return Gunicorn(
        workers=workers if isinstance(workers, int) else None,
        accesslog=values.get("accesslog"),
        has_accesslog="accesslog" in values,
    )


def _secrets(settings: Settings) -> Iterator[Finding]:
    for name in ("secret_key", "receipt_pepper"):
        value: str = getattr(settings, name)
        if value.strip().lower() in KNOWN_WEAK_SECRETS:
            yield Finding(ERROR, f"{name} is a well-known value: anyone can guess it")
        elif len(value) < MIN_SECRET_CHARS:
            yield Finding(
                ERROR,
                f"{name} is {len(value)} characters long: use at least {MIN_SECRET_CHARS} random "
                "characters, or leave it unset so that one is made in the instance folder",
            )


def _private(path: Path, what: str) -> Iterator[Finding]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        yield Finding(
            ERROR,
            f"{what} {path} can be read by other users of the server (mode {mode:04o}): "
            f"chmod {'700' if path.is_dir() else '600'} {path}",
        )


def _files(settings: Settings, environ: dict[str, str]) -> Iterator[Finding]:
    instance = Path(settings.instance_path)
    yield from _private(instance, "The instance folder")
    for name in ("secret_key", "receipt_pepper"):
        yield from _private(instance / name, "The secret file")
    if settings.database_url.startswith("sqlite:///"):
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        if database.parent != instance:
            yield from _private(database.parent, "The database's folder")
        yield from _private(database, "The database file")
    config = environ.get("REPORTER_CONFIG")
    if config and _holds_a_secret(Path(config)):
        yield from _private(Path(config), "The settings file, which holds a secret,")


def _holds_a_secret(path: Path) -> bool:
    """Whether a settings file names a secret: a key, the pepper, a database or mail password."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    password = urlsplit(str(data.get("database_url", ""))).password
    return bool(
        data.get("secret_key")
        or data.get("receipt_pepper")
        or data.get("smtp_password")
        or password
    )


def _is_safe_without_tls(host: str) -> bool:
    if host.endswith(".onion") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _addresses(settings: Settings) -> Iterator[Finding]:
    if not settings.site_urls:
        yield Finding(
            WARNING,
            "site_urls is not set: the addresses people reach this site at cannot be checked "
            "for TLS",
        )
    for url in settings.site_urls:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "https":
            continue
        if parts.scheme == "http" and _is_safe_without_tls(host):
            continue
        yield Finding(
            ERROR,
            f"{url} is reached without TLS: a reporter's words would cross the network in the "
            "clear (only an onion address or the server itself may use http://)",
        )


def _notices(settings: Settings) -> Iterator[Finding]:
    """The mail path of staff notices, when one is set up."""
    if not settings.smtp_host:
        return
    if not settings.notice_sender:
        yield Finding(ERROR, "smtp_host is set but notice_sender is not: notices cannot be sent")
    if settings.smtp_security == "none" and not _is_safe_without_tls(settings.smtp_host):
        yield Finding(
            ERROR,
            f"smtp_security is none for {settings.smtp_host}: staff addresses and the mail "
            "password would cross the network in the clear (starttls or tls)",
        )
    link = settings.staff_url or (settings.site_urls[0] if settings.site_urls else "")
    if not link:
        yield Finding(
            ERROR, "notices link to the staff pages: set staff_url (or site_urls) to their address"
        )
    elif urlsplit(link).scheme == "http" and not _is_safe_without_tls(
        urlsplit(link).hostname or ""
    ):
        yield Finding(ERROR, f"notices would link to {link} without TLS")


def _logging_and_debug(
    app: Flask, settings: Settings, environ: dict[str, str]
) -> Iterator[Finding]:
    if app.debug or environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on"):
        yield Finding(ERROR, "debug is on: an error page would show code and data to anyone")
    if settings.testing:
        yield Finding(ERROR, "testing is on: it weakens checks meant for real use")
    if settings.log_public_requests:
        yield Finding(
            ERROR,
            "log_public_requests is on: every request line would keep a reporter's address and "
            "time",
        )


def _gunicorn(
    settings: Settings, gunicorn: Gunicorn | None, environ: dict[str, str]
) -> Iterator[Finding]:
    workers = gunicorn.workers if gunicorn is not None else None
    if workers is None and environ.get("WEB_CONCURRENCY", "").isdigit():
        workers = int(environ["WEB_CONCURRENCY"])
    in_memory = settings.ratelimit_storage_url.startswith("memory://")
    if in_memory and workers is not None and workers > 1:
        yield Finding(
            ERROR,
            f"ratelimit_storage_url keeps the counters in each worker's memory, with {workers} "
            "workers: a flooder gets each worker's allowance; use redis://127.0.0.1:6379/0",
        )
    elif in_memory and workers is None:
        yield Finding(
            WARNING,
            "ratelimit_storage_url keeps the counters in memory: right for one process only "
            "(name the gunicorn settings with --gunicorn to check)",
        )
    if gunicorn is not None and gunicorn.has_accesslog and gunicorn.accesslog not in (None, ""):
        yield Finding(
            ERROR,
            "gunicorn writes an access log: every request line would keep a reporter's address "
            "and time (set accesslog = None)",
        )


# What a split process must not serve, by its surface: the other surface's routes.
_FOREIGN = {"public": ("staff", "staff routes"), "staff": ("public", "the reporter's routes")}


def _routes(app: Flask, settings: Settings) -> Iterator[Finding]:
    if settings.surfaces not in _FOREIGN:
        return
    other, what = _FOREIGN[settings.surfaces]

    def names(surfaces: str) -> set[str]:
        return {blueprint.name for blueprint in blueprints_for(settings.replace(surfaces=surfaces))}

    foreign = names(other) - names(settings.surfaces)
    leaks = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in foreign
        or (settings.surfaces == "public" and rule.rule.startswith("/staff"))
    )
    if leaks:
        yield Finding(
            ERROR, f"the {settings.surfaces} surface serves {what}: {', '.join(leaks[:5])}"
        )


def _schema(engine: Engine) -> Iterator[Finding]:
    with engine.connect() as connection:
        current = current_revision(connection)
    head = head_revision(engine)
    if current != head:
        yield Finding(
            ERROR,
            f"the database is at revision {current or 'none'}, the code needs {head}: "
            "run `reporter db upgrade`",
        )


def _accounts(session: Session) -> Iterator[Finding]:
    demo_names = [username for _slug, username, _role in STAFF]
    present = session.scalars(
        select(StaffMember.username).where(StaffMember.username.in_(demo_names))
    ).all()
    if present:
        yield Finding(
            ERROR,
            f"demo accounts, whose passwords are published, exist: {', '.join(sorted(present))}",
        )
    demo_slugs = [NETWORK_SLUG, *(slug for slug, *_ in ORGANISATIONS)]
    demo_orgs = session.scalars(
        select(Organisation.slug).where(Organisation.slug.in_(demo_slugs))
    ).all()
    if demo_orgs:
        yield Finding(
            ERROR,
            f"demo organisations exist, with keys printed by `reporter demo`: "
            f"{', '.join(sorted(demo_orgs))}",
        )
    unconfirmed = session.scalars(
        select(Organisation.slug).where(Organisation.recovery_key_confirmed_on.is_(None))
    ).all()
    for slug in sorted(unconfirmed):
        yield Finding(
            ERROR,
            f"nobody has shown that {slug}'s recovery key is kept safe: without it, lost "
            f"passwords lose every report; run `reporter keys confirm {slug}`",
        )


def run_checks(
    app: Flask,
    settings: Settings,
    engine: Engine,
    session_factory: Callable[[], Session],
    environ: dict[str, str] | None = None,
    gunicorn: Gunicorn | None = None,
) -> list[Finding]:
    """Every finding, errors first."""
    env = dict(os.environ if environ is None else environ)
    findings = [
        *_secrets(settings),
        *_files(settings, env),
        *_addresses(settings),
        *_notices(settings),
        *_logging_and_debug(app, settings, env),
        *_gunicorn(settings, gunicorn, env),
        *_routes(app, settings),
    ]
    schema = list(_schema(engine))
    findings += schema
    if not schema:  # the accounts are read with today's models only
        session = session_factory()
        try:
            findings += _accounts(session)
        finally:
            session.close()
    return sorted(findings, key=lambda finding: finding.level != ERROR)
