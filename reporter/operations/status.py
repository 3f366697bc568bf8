"""What the operations page shows an administrator: whether the database answers and is at this
code's schema, the free disk space, when the purge and the backup last ran, and the keys of the
organisations they look after. Read only; nothing here is about a report."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.migrate import current_revision, head_revision
from reporter.orgs.models import Organisation

# Past these, the page says something is wrong.
LOW_DISK_SHARE = 0.10
PURGE_DUE = dt.timedelta(days=2)  # the timer runs daily
BACKUP_DUE = dt.timedelta(days=7)


@dataclass(frozen=True)
class Disk:
    free_bytes: int
    total_bytes: int

    @property
    def free_share(self) -> float:
        return self.free_bytes / self.total_bytes if self.total_bytes else 0.0

    @property
    def low(self) -> bool:
        return self.free_share < LOW_DISK_SHARE


@dataclass(frozen=True)
class OrganisationKeys:
    name: str
    slug: str
    key_version: int
    advocacy_key_version: int
    rotating: bool
    recovery_key_confirmed_on: dt.date | None


@dataclass(frozen=True)
class Status:
    database_kind: str
    answer_ms: float
    revision: str | None
    head: str
    disk: Disk
    last_purge: dt.date | None
    last_backup: dt.date | None
    today: dt.date
    organisations: list[OrganisationKeys]

    @property
    def schema_current(self) -> bool:
        return self.revision == self.head

    @property
    def purge_late(self) -> bool:
        return self.last_purge is None or self.today - self.last_purge > PURGE_DUE

    @property
    def backup_late(self) -> bool:
        return self.last_backup is None or self.today - self.last_backup > BACKUP_DUE


def _last(session: Session, action: str) -> dt.date | None:
    at = session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == action))
    return at.date() if at is not None else None


def _disk(engine: Engine, instance_path: str) -> Disk:
    """The disk of the database file (SQLite) or of the instance folder."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    folder = Path(database).parent if database else Path(instance_path)
    usage = shutil.disk_usage(folder)
    return Disk(usage.free, usage.total)


def status(
    session: Session,
    engine: Engine,
    instance_path: str,
    organisations: list[Organisation],
    today: dt.date,
) -> Status:
    """The operations page's figures; `organisations`: those whose keys the viewer may see."""
    started = time.perf_counter()
    session.execute(text("SELECT 1"))
    answer_ms = (time.perf_counter() - started) * 1000
    return Status(
        database_kind=engine.dialect.name,
        answer_ms=answer_ms,
        revision=current_revision(session.connection()),
        head=head_revision(engine),
        disk=_disk(engine, instance_path),
        last_purge=_last(session, "retention_purge"),
        last_backup=_last(session, "backup_made"),
        today=today,
        organisations=[
            OrganisationKeys(
                name=organisation.name,
                slug=organisation.slug,
                key_version=organisation.key_version,
                advocacy_key_version=organisation.advocacy_key_version,
                rotating=organisation.next_public_key is not None,
                recovery_key_confirmed_on=organisation.recovery_key_confirmed_on,
            )
            for organisation in sorted(organisations, key=lambda o: o.name)
        ],
    )
