"""A big SQLite ledger written straight with sqlite3: row for row what the service stores.

The org, policy and meeting go through the services; then every participant records ten
decisions (grant and withdraw ai_training on the meeting, alternating), written in
chunks of 1,000 events with their leaves, perfect-subtree nodes, derived state rows and
one signed checkpoint per chunk, as ``record_decisions`` would. ``verify_log`` must pass
on the result; the file is cached under bench/out/ by size.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BASE_TIME,
    OUT,
    EventFactory,
    alternating,
    event_row,
    open_context,
    sqlite_time,
    state_row,
)
from bench.report import note
from sayso.domain.fold import fold_events
from sayso.domain.records import ConsentEvent, Scope, ScopeKind
from sayso.ledger.db import make_engine, unit_of_work
from sayso.ledger.migrate import head_revision
from sayso.services import directory, policies
from sayso.services.context import Context
from sayso.services.demo import demo_policy
from sayso.signing.receipts import commitment
from sayso.transparency import (
    Checkpoint,
    NodeKey,
    RootAccumulator,
    append_nodes,
    frontier_keys,
    leaf_hash,
    sign_checkpoint,
)

CHECKPOINT_EVERY = 1000
EVENTS_PER_PERSON = 10
COMMIT_EVERY = 50_000

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Ledger:
    path: Path
    key_file: Path
    events: int

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def discard(self) -> None:
        for file in (*_db_files(self.path), self.key_file):
            file.unlink(missing_ok=True)


def _db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def cached_ledger(events: int) -> Ledger:
    """The ledger of ``events`` entries, built on first use and kept under bench/out/.

    Keyed by size and schema revision: a new migration means a rebuild.
    """
    stem = f"log_proofs-{events}-r{head_revision()}"
    ledger = Ledger(OUT / f"{stem}.db", OUT / f"{stem}-keys.json", events)
    if ledger.path.exists():
        return ledger
    building = Ledger(OUT / f"{stem}.building.db", ledger.key_file, events)
    building.discard()
    note(f"log_proofs: building a {events:,}-event ledger (cached for later runs)")
    build(building)
    building.path.rename(ledger.path)
    return ledger


def build(ledger: Ledger) -> None:
    ctx = open_context(ledger.url, ledger.key_file)
    factory, scope = _demo_org(ctx)
    conn = sqlite3.connect(ledger.path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # a rebuildable cache: no fsync while writing
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA foreign_keys=ON")
        _write(conn, ctx, factory, scope, ledger.events)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _demo_org(ctx: Context) -> tuple[EventFactory, Scope]:
    engine = make_engine(ctx.settings.database_url)
    with unit_of_work(engine) as session:
        org = directory.create_org(session, ctx, "Acme Corp")
        policies.apply_policy(session, ctx, org, demo_policy())
        meeting = directory.create_meeting(session, ctx, org, "Job interview", BASE_TIME)
        session.flush()
        factory = EventFactory.from_session(session, org.id)
        scope = Scope(ScopeKind.MEETING, meeting.id)
    engine.dispose()
    return factory, scope


def _write(
    conn: sqlite3.Connection, ctx: Context, factory: EventFactory, scope: Scope, events: int
) -> None:
    people = [str(uuid.uuid4()) for _ in range(-(-events // EVENTS_PER_PERSON))]
    conn.execute("BEGIN")
    _insert_people(conn, factory.org_id, scope.id, people)
    frontier: dict[NodeKey, bytes] = {}
    for start in range(0, events, CHECKPOINT_EVERY):
        end = min(start + CHECKPOINT_EVERY, events)
        chunk = Chunk.make(factory, scope, people, start, end)
        frontier = _append_log(conn, chunk, start, frontier)
        _store_checkpoint(conn, ctx, end, frontier, chunk.last_time)
        if end % COMMIT_EVERY == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            note(f"  {end:,} events written")
    conn.execute("UPDATE log_head SET size = ? WHERE id = 1", (events,))
    conn.execute("COMMIT")


def _insert_people(conn: sqlite3.Connection, org_id: str, meeting_id: str, ids: list[str]) -> None:
    created = sqlite_time(BASE_TIME)
    conn.executemany(
        "INSERT INTO participants (id, org_id, meeting_id, created_at) VALUES (?, ?, ?, ?)",
        [(pid, org_id, meeting_id, created) for pid in ids],
    )
    conn.executemany(
        "INSERT INTO identities (participant_id, display_name, email) VALUES (?, ?, NULL)",
        [(pid, f"Person {n}") for n, pid in enumerate(ids)],
    )


@dataclass
class Chunk:
    """The rows of events [start, end): history, state and leaves."""

    events: list[Row]
    states: list[Row]
    leaves: list[Row]
    last_time: object

    @classmethod
    def make(
        cls, factory: EventFactory, scope: Scope, people: list[str], start: int, end: int
    ) -> Chunk:
        chunk = cls([], [], [], None)
        for first in range(start, end, EVENTS_PER_PERSON):
            last = min(first + EVENTS_PER_PERSON, end)
            chunk.add_person(factory, scope, people[first // EVENTS_PER_PERSON], first, last)
        return chunk

    def add_person(
        self, factory: EventFactory, scope: Scope, pid: str, first: int, last: int
    ) -> None:
        history = []
        for index in range(first, last):
            event = factory.event(pid, scope, alternating(index - first), _when(index), index)
            self._add_event(event, f"key-{index - first}")
            history.append(event)
        self.states += [state_row(record) for record in fold_events(history)]

    def _add_event(self, event: ConsentEvent, key: str) -> None:
        salt = os.urandom(32)
        digest = commitment(salt, event.to_document())
        self.last_time = sqlite_time(event.event_time)
        self.events.append(event_row(event, key, salt, self.last_time))
        self.leaves.append((event.log_index, leaf_hash(digest), digest))


def _when(index: int) -> datetime:
    return BASE_TIME + timedelta(milliseconds=index)


def _append_log(
    conn: sqlite3.Connection, chunk: Chunk, size: int, frontier: dict[NodeKey, bytes]
) -> dict[NodeKey, bytes]:
    """Insert the chunk's rows and nodes; return the new frontier."""
    nodes = append_nodes(size, frontier, [leaf[1] for leaf in chunk.leaves])
    conn.executemany(
        "INSERT INTO consent_events (event_id, log_index, principal_id, org_id, scope, "
        "event_type, event_time, idempotency_key, request_hash, document, salt) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        chunk.events,
    )
    conn.executemany(
        "INSERT INTO consent_state (record_id, purpose, principal_id, scope, status, "
        "log_index, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
        chunk.states,
    )
    conn.executemany(
        "INSERT INTO log_leaves (idx, leaf_hash, commitment) VALUES (?, ?, ?)", chunk.leaves
    )
    conn.executemany("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
    known = frontier | {(level, idx): value for level, idx, value in nodes}
    return {key: known[key] for key in frontier_keys(size + len(chunk.leaves))}


def _store_checkpoint(
    conn: sqlite3.Connection,
    ctx: Context,
    size: int,
    frontier: dict[NodeKey, bytes],
    created: object,
) -> None:
    root = RootAccumulator.from_frontier(size, frontier).root()
    signed = sign_checkpoint(Checkpoint(ctx.origin, size, root), [ctx.note_signer()])
    conn.execute(
        "INSERT INTO checkpoints (size, root, note, key_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (size, root, signed, ctx.keyring.active_kid, created),
    )


def leaf_hashes(path: Path) -> Iterator[bytes]:
    """The stored leaf hashes in log order, read with the bare driver."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for (value,) in conn.execute("SELECT leaf_hash FROM log_leaves ORDER BY idx"):
            yield value
    finally:
        conn.close()
