"""`reporter backup` and `reporter restore`: the whole archive of cases, still encrypted, in one
file that can be checked and brought back.

A backup is a tar file holding `manifest.json` and one `tables/<name>.jsonl` per table: every row
as it is stored (binary values in base64), so it holds nothing in the clear that the database
does not. The rows are read from one consistent state while the app runs: on PostgreSQL a
read-only, repeatable-read transaction; on SQLite a copy made with SQLite's online backup.
The manifest names the schema revision, the columns of each table and their kinds, the number
of rows and the SHA-256 of every table file, and a fingerprint of the two instance secrets (never
the secrets): the receipts and the audit chain need the same ones after a restore.

Staff sessions are left out: they hold nothing worth keeping, and everyone logs in again.

A restore checks the whole file first (every checksum and row count), then fills an empty
database at the backup's revision, upgrades it to this code's, and verifies the audit chain.
Because rows are written through each column's kind, a backup made on SQLite restores into
PostgreSQL and the other way round.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reporter import crypto, migrate
from reporter.db import Base

FORMAT = "reporter-backup/1"
MANIFEST = "manifest.json"
LEFT_OUT = frozenset({"staff_sessions"})
BATCH = 500

# Each column's kind in the manifest, and the type it is written back with.
_KINDS: dict[str, Any] = {
    "uuid": sa.Uuid(),
    "bytes": sa.LargeBinary(),
    "int": sa.Integer(),
    "str": sa.Text(),
    "bool": sa.Boolean(),
    "date": sa.Date(),
    "datetime": sa.DateTime(),
    "float": sa.Float(),
}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    revision: str
    rows: dict[str, int]


def _kind(column: sa.Column[Any]) -> str:
    for kind, sql_type in (
        ("uuid", sa.Uuid),
        ("bytes", sa.LargeBinary),
        ("bool", sa.Boolean),
        ("int", sa.Integer),
        ("datetime", sa.DateTime),
        ("date", sa.Date),
        ("float", sa.Float),
        ("str", sa.String),
    ):
        if isinstance(column.type, sql_type):
            return kind
    raise BackupError(f"no backup kind for {column.table.name}.{column.name} ({column.type})")


def _to_json(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "uuid":
        return value.hex
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind in ("date", "datetime"):
        return value.isoformat()
    return value


def _from_json(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "uuid":
        return uuid.UUID(hex=value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    return value


def secret_fingerprints(secret_key: str, receipt_pepper: str) -> dict[str, str]:
    """What tells two instances' secrets apart without saying anything about them."""
    return {
        "secret_key": crypto.key_check_value(secret_key.encode()),
        "receipt_pepper": crypto.key_check_value(receipt_pepper.encode()),
    }


@contextlib.contextmanager
def _consistent(engine: Engine, scratch: Path) -> Iterator[Connection]:
    """A connection that sees one state of the database from start to end, while the app writes."""
    if engine.dialect.name == "sqlite":
        source = engine.raw_connection()
        copy_path = scratch / "snapshot.sqlite3"
        try:
            target = sqlite3.connect(copy_path)
            try:
                source.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            source.close()
        copy = sa.create_engine(f"sqlite:///{copy_path}")
        try:
            with copy.connect() as connection:
                yield connection
        finally:
            copy.dispose()
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


def _private_scratch(beside: Path) -> Path:
    """A folder for this user only, on the same disk as the archive (rename, not copy)."""
    return Path(tempfile.mkdtemp(prefix=".reporter-backup-", dir=beside))


def make_backup(
    engine: Engine,
    destination: Path,
    secret_key: str,
    receipt_pepper: str,
    made_on: dt.date,
    older_schema: Sequence[sa.Table] | None = None,
) -> dict[str, int]:
    """Write the backup to `destination` (which must not exist). Returns the rows per table.
    `older_schema`: the tables of the revision the database is at, when not this code's (only
    for the upgrade test's fixture, `scripts/upgrade_fixture.py`)."""
    if destination.exists():
        raise BackupError(f"{destination} exists already: choose a new name")
    if not destination.parent.is_dir():
        raise BackupError(f"no folder {destination.parent}")
    scratch = _private_scratch(destination.parent)
    try:
        with _consistent(engine, scratch) as connection:
            revision = migrate.current_revision(connection)
            if older_schema is None and revision != migrate.head_revision(engine):
                raise BackupError(
                    f"the database is at revision {revision}, the code at "
                    f"{migrate.head_revision(engine)}: run `reporter db upgrade` first"
                )
            schema = Base.metadata.sorted_tables if older_schema is None else older_schema
            tables = [
                _write_table(connection, table, scratch)
                for table in schema
                if table.name not in LEFT_OUT
            ]
        manifest = {
            "format": FORMAT,
            "revision": revision,
            "made_on": made_on.isoformat(),
            "secrets": secret_fingerprints(secret_key, receipt_pepper),
            "tables": tables,
        }
        # Written beside its final name, on disk before it takes that name: a backup that is
        # there is whole.
        partial = scratch / "backup.tar"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:") as archive:
                _add(archive, MANIFEST, io.BytesIO(json.dumps(manifest, indent=1).encode()))
                for entry in tables:
                    with (scratch / entry["file"]).open("rb") as handle:
                        _add(archive, entry["file"], handle)
            raw.flush()
            os.fsync(raw.fileno())
        partial.rename(destination)
        return {entry["name"]: entry["rows"] for entry in tables}
    finally:
        # Also whatever a failed backup left: the copy, the table files, a partial archive.
        shutil.rmtree(scratch, ignore_errors=True)


def _add(archive: tarfile.TarFile, name: str, handle: IO[bytes]) -> None:
    """A member with nothing of this machine: no owner, no time."""
    handle.seek(0, os.SEEK_END)
    info = tarfile.TarInfo(name)
    info.size = handle.tell()
    info.mode = 0o600
    handle.seek(0)
    archive.addfile(info, handle)


def _write_table(connection: Connection, table: sa.Table, scratch: Path) -> dict[str, Any]:
    columns = list(table.columns)
    kinds = [_kind(column) for column in columns]
    name = f"tables/{table.name}.jsonl"
    path = scratch / name
    path.parent.mkdir(exist_ok=True)
    digest = hashlib.sha256()
    rows = 0
    ordered = sa.select(*columns).order_by(*table.primary_key.columns)
    with path.open("wb") as handle:
        result = connection.execution_options(yield_per=BATCH).execute(ordered)
        for row in result:
            line = (
                json.dumps([_to_json(kind, value) for kind, value in zip(kinds, row, strict=True)])
                + "\n"
            ).encode()
            digest.update(line)
            handle.write(line)
            rows += 1
    return {
        "name": table.name,
        "file": name,
        "columns": [[column.name, kind] for column, kind in zip(columns, kinds, strict=True)],
        "rows": rows,
        "sha256": digest.hexdigest(),
    }


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError as error:
        raise BackupError("not a Reporter backup: it has no manifest") from error
    if member is None:
        raise BackupError("not a Reporter backup: its manifest is not a file")
    try:
        manifest: dict[str, Any] = json.loads(member.read())
    except ValueError as error:
        raise BackupError("the backup's manifest cannot be read") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"not a backup this version can read (format {manifest.get('format')!r})")
    return manifest


def _lines(archive: tarfile.TarFile, entry: dict[str, Any]) -> Iterator[bytes]:
    try:
        member = archive.extractfile(entry["file"])
    except KeyError as error:
        raise BackupError(f"the backup has lost {entry['file']}") from error
    if member is None:
        raise BackupError(f"{entry['file']} in the backup is not a file")
    yield from member


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(path, mode="r:")  # noqa: SIM115 (closed below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} cannot be read as a backup: {error}") from error
    with archive:
        yield archive


def verify_archive(path: Path) -> dict[str, Any]:
    """Read the whole backup and check every table file against the manifest. Returns it."""
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive)
        for entry in manifest["tables"]:
            digest = hashlib.sha256()
            rows = 0
            for line in _lines(archive, entry):
                digest.update(line)
                rows += 1
            if digest.hexdigest() != entry["sha256"] or rows != entry["rows"]:
                raise BackupError(
                    f"{entry['file']} does not match its checksum: the backup is damaged"
                )
    return manifest


def _is_empty(engine: Engine) -> bool:
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in present and connection.scalar(
                sa.select(sa.func.count()).select_from(table)
            ):
                return False
    return True


def restore_backup(engine: Engine, path: Path, secret_key: str, receipt_pepper: str) -> Restored:
    """Bring a backup into an empty database, upgrade it to this code's schema. The caller
    verifies the audit chain (it needs the instance's audit key)."""
    manifest = verify_archive(path)
    if manifest["secrets"] != secret_fingerprints(secret_key, receipt_pepper):
        raise BackupError(
            "this instance's secret_key or receipt_pepper is not the one the backup was made "
            "with: copy both files from the old instance folder first (docs/deploy.md, Backups)"
        )
    revision = manifest["revision"]
    if not isinstance(revision, str) or not migrate.knows_revision(engine, revision):
        raise BackupError(f"the backup was made by a newer Reporter (revision {revision})")
    if not _is_empty(engine):
        raise BackupError("the database holds data already: restore into an empty instance")
    with engine.connect() as connection:
        at = migrate.current_revision(connection)
    if at is not None and at != revision:
        migrate.downgrade(engine, "base")
    migrate.upgrade(engine, revision)
    with _open_archive(path) as archive, engine.begin() as connection:
        for entry in manifest["tables"]:
            _load_table(connection, entry, _lines(archive, entry))
        _continue_sequences(connection, manifest)
    migrate.upgrade(engine)
    return Restored(revision, {entry["name"]: entry["rows"] for entry in manifest["tables"]})


def _load_table(connection: Connection, entry: dict[str, Any], lines: Iterable[bytes]) -> None:
    names = [name for name, _kind in entry["columns"]]
    kinds = [kind for _name, kind in entry["columns"]]
    # Names come from the file: only tables and columns the schema has are written to.
    inspector = sa.inspect(connection)
    if entry["name"] not in inspector.get_table_names():
        raise BackupError(f"the backup names a table the schema does not have: {entry['name']!r}")
    known = {column["name"] for column in inspector.get_columns(entry["name"])}
    if not set(names) <= known or set(kinds) - set(_KINDS):
        raise BackupError(f"the columns of {entry['name']} in the backup do not fit the schema")
    table = sa.Table(
        entry["name"],
        sa.MetaData(),
        *(sa.Column(name, _KINDS[kind]) for name, kind in zip(names, kinds, strict=True)),
    )
    batch: list[dict[str, Any]] = []
    for line in lines:
        values = json.loads(line)
        batch.append(
            {
                name: _from_json(kind, value)
                for name, kind, value in zip(names, kinds, values, strict=True)
            }
        )
        if len(batch) == BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)


def _continue_sequences(connection: Connection, manifest: dict[str, Any]) -> None:
    """PostgreSQL: numbered rows go on after the highest restored number."""
    if connection.dialect.name != "postgresql":
        return
    for entry in manifest["tables"]:
        if ["id", "int"] in entry["columns"] and entry["rows"]:
            # The name was checked against the schema when the table was loaded.
            table = sa.table(entry["name"], sa.column("id"))
            highest = connection.scalar(sa.select(sa.func.max(table.c.id)))
            connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :highest)"),
                {"table": entry["name"], "highest": highest},
            )
