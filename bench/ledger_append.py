"""ledger_append: durable consent events per second through ``append_decisions``, in batches.

What the issue names: each batch of 1,000 requests of one participant (grant and
withdraw ai_training on a meeting, alternating) writes the events, the derived state,
the log leaves and nodes and one signed checkpoint, and commits, in one
``unit_of_work``. A fresh participant per batch. No receipts: ``append_decisions`` is
``record_decisions`` without them.

Also ``ledger_append_with_receipts``: the same batches through ``record_decisions``,
which also builds one signed receipt (inclusion proof + JWS) per event, into a third
database, because that is what a caller who hands out receipts gets.

Baseline: the bare driver inserting rows of the same tables' shapes (one event with the
same ~1 KB document, one leaf, ~2 nodes and one state row per event), ``executemany``
per table, one commit per batch, into a second database of the same store and schema.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bench.common import (
    BASE_TIME,
    PURPOSE,
    EventFactory,
    World,
    alternating,
    event_row,
    interleave,
    open_context,
    postgres_admin_url,
    postgres_unreachable,
    scratch_dir,
    scratch_postgres,
    setup_world,
    sqlite_time,
    state_row,
    timed,
)
from bench.report import Reporter, note, result, skipped
from sayso.domain.fold import fold_events
from sayso.ledger.db import make_engine, unit_of_work
from sayso.services.consent import ConsentRequest, append_decisions, record_decisions
from sayso.services.context import Actor, Context
from sayso.signing.receipts import commitment
from sayso.transparency import InMemoryNodeSource, leaf_hash

NAME = "ledger_append"
WITH_RECEIPTS = "ledger_append_with_receipts"

Row = tuple[Any, ...]


@dataclass(frozen=True)
class AppendConfig:
    batch: int = 1000
    batches_per_rep: int = 2
    reps: int = 5

    @property
    def batches(self) -> int:
        return self.reps * self.batches_per_rep + 1  # + one warm-up batch

    @property
    def events_per_rep(self) -> int:
        return self.batch * self.batches_per_rep


FULL = AppendConfig(reps=11)  # more repetitions: a shared machine's noise, evened out
QUICK = AppendConfig(batch=100, batches_per_rep=1, reps=3)


def run(cfg: AppendConfig, reporter: Reporter) -> None:
    for store in (_on_sqlite, _on_postgres):
        for line in store(cfg):
            reporter.emit(line)


def _on_sqlite(cfg: AppendConfig) -> list[dict[str, Any]]:
    note(f"{NAME} (sqlite): {cfg.reps} reps of {cfg.events_per_rep} events each side")
    with scratch_dir(NAME) as tmp:
        urls = {name: f"sqlite:///{tmp / name}.db" for name in ("sayso", "receipts", "base")}
        return _measure(cfg, Stores("sqlite", urls, tmp), lambda: SqliteBaseline(tmp / "base.db"))


def _on_postgres(cfg: AppendConfig) -> list[dict[str, Any]]:
    admin_url = postgres_admin_url()
    reason = postgres_unreachable(admin_url)
    if reason:
        return [skipped(NAME, "postgres", reason), skipped(WITH_RECEIPTS, "postgres", reason)]
    note(f"{NAME} (postgres): {cfg.reps} reps of {cfg.events_per_rep} events each side")
    names = ("sayso", "receipts", "base")
    with scratch_dir(NAME) as tmp, scratch_postgres(admin_url, names) as urls:
        return _measure(cfg, Stores("postgres", urls, tmp), lambda: PostgresBaseline(urls["base"]))


@dataclass(frozen=True)
class Stores:
    """One database each: "sayso" (no receipts), "receipts" and "base" (the baseline)."""

    kind: str
    urls: dict[str, str]
    key_dir: Path


def _measure(
    cfg: AppendConfig, stores: Stores, open_baseline: Callable[[], BaselineWriter]
) -> list[dict[str, Any]]:
    sayso = SaysoAppender.open(stores, "sayso", cfg, receipts=False)
    receipts = SaysoAppender.open(stores, "receipts", cfg, receipts=True)
    batches = _baseline_batches(stores, cfg)
    writer = open_baseline()
    try:
        sayso.batch()  # warm-up: compile caches, first pages
        receipts.batch()
        writer.write(batches.pop())
        base_rep = partial(_baseline_rep, writer, batches, cfg)
        rates = interleave(cfg.reps, sayso.rep, receipts.rep, base_rep)
    finally:
        writer.close()
        sayso.engine.dispose()
        receipts.engine.dispose()
    extra = {"events": cfg.reps * cfg.events_per_rep, "batch": cfg.batch}
    return [
        result(NAME, rates[0], writer.name, rates[2], store=stores.kind, **extra),
        result(WITH_RECEIPTS, rates[1], writer.name, rates[2], store=stores.kind, **extra),
    ]


# ---------------------------------------------------------------- Sayso


@dataclass
class SaysoAppender:
    engine: Engine
    ctx: Context
    world: World
    cfg: AppendConfig
    receipts: bool
    used: int = field(default=0)

    @classmethod
    def open(cls, stores: Stores, name: str, cfg: AppendConfig, receipts: bool) -> SaysoAppender:
        url = stores.urls[name]
        ctx = open_context(url, stores.key_dir / f"{name}-keys.json")
        engine = make_engine(url)
        return cls(engine, ctx, setup_world(engine, ctx, cfg.batches), cfg, receipts)

    def rep(self) -> float:
        seconds = sum(self.batch() for _ in range(self.cfg.batches_per_rep))
        return self.cfg.events_per_rep / seconds

    def batch(self) -> float:
        """Seconds to record one batch for a fresh participant, commit included."""
        pid = self.world.participants[self.used]
        self.used += 1
        requests = [
            ConsentRequest(pid, self.world.scope, alternating(n), (PURPOSE,), f"key-{n}")
            for n in range(self.cfg.batch)
        ]

        record = record_decisions if self.receipts else append_only

        def write() -> None:
            with unit_of_work(self.engine) as session:
                written = record(session, self.ctx, Actor.participant(pid), requests)
            if len(written) != len(requests):
                raise RuntimeError(f"{len(written)} events written for {len(requests)} requests")

        return timed(write)


def append_only(
    session: Session, ctx: Context, actor: Actor, requests: Sequence[ConsentRequest]
) -> range:
    """``append_decisions``: everything ``record_decisions`` writes, without the receipts."""
    return append_decisions(session, ctx, actor, requests).indexes


# ---------------------------------------------------------------- baseline


@dataclass(frozen=True)
class RowBatch:
    events: list[Row]
    leaves: list[Row]
    nodes: list[Row]
    states: list[Row]


def _baseline_batches(stores: Stores, cfg: AppendConfig) -> list[RowBatch]:
    """Every baseline batch's rows, made before timing starts (last one is the warm-up)."""
    url = stores.urls["base"]
    ctx = open_context(url, stores.key_dir / "base-keys.json")
    engine = make_engine(url)
    world = setup_world(engine, ctx, cfg.batches)
    with unit_of_work(engine, readonly=True) as session:
        factory = EventFactory.from_session(session, world.org_id)
    engine.dispose()
    encode: Callable[[datetime], object] = sqlite_time if stores.kind == "sqlite" else _same
    tree = InMemoryNodeSource()
    batches = [_rows(factory, world, tree, b, cfg.batch, encode) for b in range(cfg.batches)]
    batches.reverse()  # popped from the end: the warm-up batch first
    return batches


def _same(value: datetime) -> object:
    return value


def _rows(
    factory: EventFactory,
    world: World,
    tree: InMemoryNodeSource,
    number: int,
    size: int,
    encode: Callable[[datetime], object],
) -> RowBatch:
    pid = world.participants[number]
    events, leaves = [], []
    states: list[tuple[object, ...]] = []
    for n in range(size):
        index = tree.size + n
        when = BASE_TIME + timedelta(milliseconds=index)
        event = factory.event(pid, world.scope, alternating(n), when, index)
        salt = os.urandom(32)
        digest = commitment(salt, event.to_document())
        events.append(event_row(event, f"key-{n}", salt, encode(when)))
        leaves.append((index, leaf_hash(digest), digest))
        # One state row per event, derived exactly as the service derives it.
        states.extend(state_row(r) for r in fold_events([event]))
    nodes = tree.extend([row[1] for row in leaves])
    return RowBatch(events, leaves, list(nodes), states)


def _baseline_rep(writer: BaselineWriter, batches: list[RowBatch], cfg: AppendConfig) -> float:
    mine = [batches.pop() for _ in range(cfg.batches_per_rep)]
    seconds = sum(timed(partial(writer.write, batch)) for batch in mine)
    return cfg.events_per_rep / seconds


_TABLES = {
    "consent_events": (
        "event_id, log_index, principal_id, org_id, scope, event_type, event_time, "
        "idempotency_key, request_hash, document, salt"
    ),
    "log_leaves": "idx, leaf_hash, commitment",
    "log_nodes": "level, idx, hash",
    "consent_state": "record_id, purpose, principal_id, scope, status, log_index, document",
}


def _inserts(mark: str) -> list[str]:
    """INSERT statements, in RowBatch field order, with the driver's placeholder."""
    out = []
    for table, columns in _TABLES.items():
        marks = ", ".join([mark] * len(columns.split(",")))
        out.append(f"INSERT INTO {table} ({columns}) VALUES ({marks})")
    return out


def _parts(batch: RowBatch) -> list[list[Row]]:
    return [batch.events, batch.leaves, batch.nodes, batch.states]


class BaselineWriter(Protocol):
    name: str

    def write(self, batch: RowBatch) -> None: ...

    def close(self) -> None: ...


class SqliteBaseline:
    """sqlite3 with the engine's PRAGMAs (WAL, synchronous=FULL, foreign keys, BEGIN IMMEDIATE)."""

    name = "sqlite3_executemany"

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.statements = _inserts("?")

    def write(self, batch: RowBatch) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        for statement, rows in zip(self.statements, _parts(batch), strict=True):
            self.conn.executemany(statement, rows)
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class PostgresBaseline:
    """psycopg 3 ``executemany`` (pipelined), one transaction per batch."""

    name = "psycopg_executemany"

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url)
        self.statements = _inserts("%s")

    def write(self, batch: RowBatch) -> None:
        with self.conn.cursor() as cur:
            for statement, rows in zip(self.statements, _parts(batch), strict=True):
                cur.executemany(statement.encode(), rows)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
