"""Everything the database and the instance folder hold, as bytes, for canary searches."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from reporter.db import Base, engine_of


def database_bytes(app: Flask) -> bytes:
    """Every value of every row of every table, through SQL (works on SQLite and PostgreSQL)."""
    chunks: list[bytes] = []
    with engine_of(app).connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    return b"\x00".join(chunks)


def instance_bytes(app: Flask) -> bytes:
    """Every file of the instance folder (the SQLite database and its journal, secrets, anything)."""
    folder = Path(app.instance_path)
    return b"\x00".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def everything_stored(app: Flask) -> bytes:
    return database_bytes(app) + b"\x00" + instance_bytes(app)
