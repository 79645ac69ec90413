"""Engines and units of work. Built on demand from settings, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from sayso.errors import DatabaseError

READONLY = "sayso_readonly"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite (WAL, synchronous=FULL, immediate write locks) or PostgreSQL."""
    try:
        url = make_url(normalise_url(database_url))
    except ArgumentError:
        raise DatabaseError(
            f"cannot read database URL {database_url!r}; use sqlite:///PATH or postgresql://…"
        ) from None
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url.render_as_string(hide_password=False), url.database)
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise DatabaseError(
        f"unsupported database {url.get_backend_name()!r}; use SQLite or PostgreSQL"
    )


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: no deadlock upgrading a read lock later.
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def unit_of_work(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: commit when the block ends cleanly, roll back on any error."""
    bind = engine.execution_options(**{READONLY: True}) if readonly else engine
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        raise DatabaseError(f"the database could not be used: {_first_line(exc)}") from None


def _first_line(exc: OperationalError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig else "unknown error"
