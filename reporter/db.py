"""Database engine and the per-request session: services flush, the request boundary commits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

_EXTENSION = "reporter.db"


class Base(DeclarativeBase):
    """Base of every model; constraint names are fixed so migrations stay stable."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Overwrite deleted content, so purged rows do not linger in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    # Readers and the writer do not wait for each other: a flood of reports and a moderator's
    # pages go on side by side (in the default rollback journal, a writer waits for every reader
    # to finish and may give up: "database is locked").
    cursor.execute("PRAGMA journal_mode=WAL")
    # Every commit reaches the disk before its answer leaves: a receipt shown is a report kept.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _create_private_sqlite_file(url: str) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would use 0644 under the usual
    umask); SQLite then gives its journal and WAL files the database file's mode. An existing
    file is left as it is: the instance folder (0700) is what keeps it from other users."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder itself.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def make_engine(url: str) -> Engine:
    """An engine for SQLite (the embedded default) or PostgreSQL."""
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        # A writer waits up to 15 s for another to finish (SQLite's busy timeout) before giving up.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def take_write_lock(session: Session) -> None:
    """Begin the session's transaction as a writer now. On SQLite (BEGIN IMMEDIATE) it then
    waits its turn behind another writer, up to the busy timeout, where a transaction that read
    first would fail at its first write if another writer committed meanwhile ("database is
    locked" at once, whatever the timeout). Nothing to do on PostgreSQL, or once the transaction
    has begun."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def empty_log_after_commit(session: Session) -> None:
    """Once this session commits, copy SQLite's write-ahead log into the database and empty it.
    The log keeps every page a transaction wrote, as it was written, until the log is reused: a
    deleted report's ciphertexts would stay in it after `secure_delete` has overwritten them in
    the database. Nothing to do on PostgreSQL (docs/security.md, "Known limits")."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite" or not isinstance(engine, Engine):
        return

    def checkpoint(_session: Session) -> None:
        with engine.connect() as connection:
            # Waits (busy timeout) for readers of older pages; what it cannot do now, the next
            # deletion or SQLite's own checkpoints do.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    event.listen(session, "after_commit", checkpoint, once=True)


def init_app(app: Flask, url: str) -> None:
    """Bind an engine to the app and commit at the request boundary."""
    engine = make_engine(url)
    app.extensions[_EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.after_request
    def commit_session(response: Response) -> Response:
        # One commit per request, before the answer leaves: a receipt is shown only for stored data.
        db_session: Session | None = g.pop("db_session", None)
        if db_session is not None:
            try:
                if response.status_code < 400:
                    db_session.commit()
                else:
                    db_session.rollback()
            finally:
                db_session.close()
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        db_session: Session | None = g.pop("db_session", None)
        if db_session is not None:
            db_session.rollback()
            db_session.close()


def engine_of(app: Flask) -> Engine:
    factory: sessionmaker[Session] = app.extensions[_EXTENSION]
    bind = factory.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def new_session(app: Flask | None = None) -> Session:
    """A session outside a request (commands, tests); the caller commits and closes it."""
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    return factory()


def get_session() -> Session:
    """The session of the current request, created on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    db_session: Session = g.db_session
    return db_session
