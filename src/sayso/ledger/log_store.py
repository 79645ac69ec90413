"""The transparency log's storage: leaves, perfect-subtree nodes, the head, checkpoints.

Appending takes the head lock (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), so concurrent writers get dense, unforked indexes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import LargeBinary, TextClause, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sayso.domain.records import iso_text
from sayso.errors import LogCorrupt, NotFound
from sayso.ledger.models import Base, CheckpointRow, LogHead, UTCDateTime
from sayso.transparency import (
    Checkpoint,
    NodeKey,
    NoteSigner,
    append_nodes,
    frontier_keys,
    root_from_source,
    sign_checkpoint,
)

# Keeps each IN (…) list well under every driver's parameter limit.
_CHUNK = 400


@functools.cache
def _probe_nodes(count: int) -> TextClause:
    """An OR of exact (level, idx) probes: each one an index lookup on every store. Plain
    text, built once per key count: proofs are hot, and compiling the ORM form cost more
    than the lookups themselves."""
    probes = " OR ".join(f"(level = :l{i} AND idx = :i{i})" for i in range(count))
    return text(f"SELECT level, idx, hash FROM log_nodes WHERE {probes}")  # noqa: S608


class DbNodeSource:
    """Perfect-subtree hashes read from ``log_nodes``, one query per call."""

    def __init__(self, session: Session, overlay: Mapping[NodeKey, bytes] | None = None) -> None:
        self.session = session
        self.overlay = dict(overlay or {})

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        wanted = [k for k in dict.fromkeys(keys) if k not in self.overlay]
        found = {k: self.overlay[k] for k in keys if k in self.overlay}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            params = {f"l{i}": lv for i, (lv, _) in enumerate(chunk)}
            params |= {f"i{i}": ix for i, (_, ix) in enumerate(chunk)}
            rows = self.session.connection().execute(_probe_nodes(len(chunk)), params)
            found.update({(lv, ix): bytes(h) for lv, ix, h in rows})
        missing = [k for k in keys if k not in found]
        if missing:
            level, idx = missing[0]
            raise LogCorrupt(
                f"log node (level {level}, index {idx}) is missing; run `sayso log verify`"
            )
        return found


@dataclass(frozen=True)
class Appended:
    first_index: int
    size: int
    root: bytes
    leaf_hashes: tuple[bytes, ...]
    frontier: Mapping[NodeKey, bytes]  # the old frontier
    created: Sequence[tuple[int, int, bytes]]  # every new node (level, index, hash)

    def known_nodes(self) -> dict[NodeKey, bytes]:
        """The old frontier plus every new node: enough for the new leaves' inclusion
        proofs without a read (built only when proofs are wanted)."""
        return dict(self.frontier) | {(lv, ix): h for lv, ix, h in self.created}


_READ_HEAD = "SELECT size FROM log_head WHERE id = 1"  # SQLite: BEGIN IMMEDIATE holds it
_LOCK_HEAD_PG = _READ_HEAD + " FOR UPDATE"


def lock_head(session: Session) -> int:
    """Take the append lock and return the current size. (Driver SQL: this runs once per
    append, and the ORM's select cost more than the lookup.)"""
    postgres = session.connection().dialect.name == "postgresql"
    rows = _driver_rows(session, _LOCK_HEAD_PG if postgres else _READ_HEAD)
    if not rows:
        raise LogCorrupt("the log head row is missing; the database was not initialised by Sayso")
    return int(rows[0][0])


def current_size(session: Session) -> int:
    size = session.execute(select(LogHead.size).where(LogHead.id == 1)).scalar_one_or_none()
    if size is None:
        raise LogCorrupt("the log head row is missing; the database was not initialised by Sayso")
    return size


def append(session: Session, size: int, commitments: Sequence[bytes]) -> Appended:
    """Append leaves after ``lock_head``; stores every new node; returns the new root."""
    sha256 = hashlib.sha256  # leaf_hash, inlined: one call per leaf instead of two
    hashes = [sha256(b"\x00" + c).digest() for c in commitments]
    frontier = DbNodeSource(session).get_nodes(frontier_keys(size)) if size else {}
    nodes = append_nodes(size, frontier, hashes)
    leaves = list(zip(range(size, size + len(hashes)), hashes, commitments, strict=True))
    insert_rows(session, "log_leaves", ("idx", "leaf_hash", "commitment"), leaves)
    insert_rows(session, "log_nodes", ("level", "idx", "hash"), nodes)
    new_size = size + len(commitments)
    execute_driver(session, "UPDATE log_head SET size = {} WHERE id = 1", [new_size])
    # The new root needs only the new frontier's nodes, all among the old frontier's
    # and the new ones: no read.
    wanted = set(frontier_keys(new_size))
    overlay = {k: v for k, v in frontier.items() if k in wanted}
    overlay |= {(lv, ix): h for lv, ix, h in nodes if (lv, ix) in wanted}
    root = root_from_source(new_size, DbNodeSource(session, overlay))
    return Appended(size, new_size, root, tuple(hashes), frontier, nodes)


def store_checkpoint(
    session: Session,
    origin: str,
    size: int,
    root: bytes,
    signer: NoteSigner,
    kid: str,
    now: datetime,
) -> str:
    """Sign and store the checkpoint for ``size`` (once per size); return the signed note."""
    session.flush()
    found = _driver_rows(session, "SELECT note FROM checkpoints WHERE size = {}", [size])
    if found:
        return str(found[0][0])
    note = sign_checkpoint(Checkpoint(origin=origin, size=size, root=root), [signer])
    row = (size, root, note, kid, now)
    insert_rows(session, "checkpoints", ("size", "root", "note", "key_id", "created_at"), [row])
    return note


def latest_checkpoint(session: Session) -> CheckpointRow:
    row = session.execute(
        select(CheckpointRow).order_by(CheckpointRow.size.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("the log has no checkpoint yet; run `sayso log checkpoint`")
    return row


def checkpoint_at(session: Session, size: int) -> CheckpointRow:
    row = session.get(CheckpointRow, size)
    if row is None:
        raise NotFound(f"there is no checkpoint for tree size {size}")
    return row


# ---------------------------------------------------------------- full-log reads

Row = tuple[Any, ...]

# Plain driver tuples: a million rows through SQLAlchemy's result machinery cost more than
# the checks made on them. Integers only are formatted in, never text.
_EVENT_PAGE = (
    "SELECT log_index, event_id, principal_id, org_id, scope, event_type, event_time, "
    "{document}, salt FROM consent_events WHERE log_index >= {start} "
    "ORDER BY log_index LIMIT {limit}"
)
# SQLite hands the document over as the bytes it stores (what the commitment hashes),
# saving a decode and an encode per event; other stores send text.
_DOCUMENT = {"sqlite": "CAST(document AS BLOB)"}
_LEAF_PAGE = (
    "SELECT idx, leaf_hash, commitment FROM log_leaves WHERE idx >= {start} "
    "ORDER BY idx LIMIT {limit}"
)
_NODE_PAGE = (
    "SELECT idx, hash FROM log_nodes WHERE level = {level} AND idx >= {start} "
    "ORDER BY idx LIMIT {limit}"
)


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """``INSERT`` many rows through the driver's ``executemany``, in the session's
    transaction: the ORM's bulk insert spent more per row than the store did. Values are
    converted as the column types would (e.g. times to SQLite's text form)."""
    if not rows:
        return
    session.flush()  # pending ORM rows first: these may refer to them
    connection = session.connection()
    dialect = connection.dialect
    types = [Base.metadata.tables[table].c[name].type for name in columns]
    convert = [
        (n, _sqlite_time(fn) if dialect.name == "sqlite" and isinstance(type_, UTCDateTime) else fn)
        for n, type_ in enumerate(types)
        if not isinstance(type_, LargeBinary)  # bytes go to every driver as they are
        and (fn := type_.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if convert:
        rows = [_converted(row, convert) for row in rows]
    names = ", ".join(columns)
    if dialect.name == "postgresql":  # COPY: a fraction of the INSERTs' cost per row
        sql = f"COPY {table} ({names}) FROM STDIN"
        with _driver_cursor(connection, sql) as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join([_PLACEHOLDERS[dialect.paramstyle]] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    with _driver_cursor(connection, sql) as cursor:
        cursor.executemany(sql, rows)


def execute_driver(session: Session, sql: str, params: Sequence[Any]) -> None:
    """Run one statement through the driver in the session's transaction; ``{}`` in
    ``sql`` stands for each parameter's placeholder (values are bound, never formatted)."""
    session.flush()
    connection = session.connection()
    sql = _bind(connection, sql, len(params))
    with _driver_cursor(connection, sql) as cursor:
        cursor.execute(sql, list(params))


def executemany_driver(session: Session, sql: str, rows: Sequence[Row]) -> None:
    """``execute_driver`` once per row of parameters, as one ``executemany``."""
    if not rows:
        return
    session.flush()
    connection = session.connection()
    sql = _bind(connection, sql, len(rows[0]))
    with _driver_cursor(connection, sql) as cursor:
        cursor.executemany(sql, rows)


def _bind(connection: Connection, sql: str, count: int) -> str:
    """``sql`` with each ``{}`` replaced by the driver's placeholder."""
    return sql.format(*[_PLACEHOLDERS[connection.dialect.paramstyle]] * count)


def select_in(
    session: Session, table: str, columns: Sequence[str], where_in: Mapping[str, Sequence[Any]]
) -> list[Row]:
    """``SELECT columns FROM table WHERE a IN (…) AND b IN (…)`` through the driver: for
    long IN lists, which SQLAlchemy re-renders and re-binds on every call."""
    session.flush()
    connection = session.connection()
    mark = _PLACEHOLDERS[connection.dialect.paramstyle]
    tests = [f"{name} IN ({', '.join([mark] * len(values))})" for name, values in where_in.items()]
    if any(not values for values in where_in.values()):
        return []
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(tests)}"  # noqa: S608
    params = [value for values in where_in.values() for value in values]
    with _driver_cursor(connection, sql) as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _sqlite_time(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` (a UTC time to SQLite's text, ``YYYY-MM-DD HH:MM:SS.ffffff``) for times
    already in UTC, from their ``isoformat`` text, which the event's document has just
    written (``iso_text`` keeps it): SQLAlchemy's formats each field anew."""

    def to_text(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            iso = iso_text(value)  # YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00
            if len(iso) == 32:
                return f"{iso[:10]} {iso[11:26]}"
            if len(iso) == 25:
                return f"{iso[:10]} {iso[11:19]}.000000"
        return convert(value)

    return to_text


def _converted(row: Row, convert: Sequence[tuple[int, Callable[[Any], Any]]]) -> Row:
    values = list(row)
    for n, fn in convert:
        values[n] = fn(values[n])
    return tuple(values)


@contextmanager
def _driver_cursor(connection: Connection, sql: str) -> Iterator[Any]:
    """A DB-API cursor in the connection's transaction; driver errors come out as
    SQLAlchemy's (``OperationalError``, ``IntegrityError``…), as they would through it."""
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()


def _driver_rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Rows as the DB-API driver returns them, read inside the session's transaction
    (``{}`` in ``sql`` stands for each parameter's placeholder, as in ``execute_driver``)."""
    connection = session.connection()
    if params:
        sql = _bind(connection, sql, len(params))
    with _driver_cursor(connection, sql) as cursor:
        if params:
            cursor.execute(sql, list(params))
        else:
            cursor.execute(sql)
        return list(cursor.fetchall())


def event_page(session: Session, start: int, limit: int) -> list[Row]:
    """Up to ``limit`` events from log index ``start`` on, in index order, as raw tuples:
    ``(log_index, event_id, principal_id, org_id, scope, event_type, event_time, document,
    salt)``, as the driver gives them: on SQLite ``event_time`` is text and ``document``
    its UTF-8 bytes, elsewhere ``document`` is text."""
    document = _DOCUMENT.get(session.connection().dialect.name, "document")
    sql = _EVENT_PAGE.format(document=document, start=int(start), limit=int(limit))
    return _driver_rows(session, sql)


def leaf_page(session: Session, start: int, limit: int) -> list[Row]:
    """Up to ``limit`` leaves ``(idx, leaf_hash, commitment)`` from ``start`` on, in order."""
    return _driver_rows(session, _LEAF_PAGE.format(start=int(start), limit=int(limit)))


def node_page(session: Session, level: int, start: int, limit: int) -> list[Row]:
    """Up to ``limit`` stored nodes ``(idx, hash)`` of one level from ``start`` on, in order."""
    sql = _NODE_PAGE.format(level=int(level), start=int(start), limit=int(limit))
    return _driver_rows(session, sql)
