"""Shared bench helpers: scratch stores, a demo world, synthetic events, interleaved timing."""

from __future__ import annotations

import os
import shutil
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from sayso.domain.canonical import canonical_json
from sayso.domain.catalogue import default_catalogue
from sayso.domain.notice import generate_notice
from sayso.domain.policy import Policy, parse_policy
from sayso.domain.records import (
    ConsentEvent,
    ConsentRecord,
    EventType,
    NoticeTerms,
    Scope,
    ScopeKind,
    record_to_document,
)
from sayso.ledger.db import make_engine, unit_of_work
from sayso.ledger.migrate import upgrade
from sayso.ledger.models import ConsentEventRow
from sayso.services import directory, policies
from sayso.services.consent import ConsentRequest
from sayso.services.context import Context
from sayso.services.demo import demo_policy
from sayso.settings import Settings

OUT = Path(__file__).resolve().parent / "out"
POSTGRES_ENV = "SAYSO_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BASE_TIME = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PURPOSE = "ai_training"
T = TypeVar("T")

# ---------------------------------------------------------------- timing


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleave(
    reps: int, *runs: Callable[[], float], budget_s: float | None = None
) -> list[list[float]]:
    """Run each ``run`` once per repetition, rotating who goes first; return rates per run.

    With ``budget_s``, no new repetition starts once that many seconds have gone by (the
    first always runs): for a run so slow that three repetitions would take too long.
    """
    rates: list[list[float]] = [[] for _ in runs]
    start = time.perf_counter()
    for rep in range(reps):
        if rep and budget_s is not None and time.perf_counter() - start > budget_s:
            break
        shift = rep % len(runs)
        for k in [*range(shift, len(runs)), *range(shift)]:
            rates[k].append(runs[k]())
    return rates


def count_within(budget_s: float, items: Sequence[T], fn: Callable[[T], object]) -> Counted:
    """Call ``fn`` on each item, stopping early once ``budget_s`` has passed."""
    start = time.perf_counter()
    done = 0
    for item in items:
        fn(item)
        done += 1
        if time.perf_counter() - start > budget_s:
            break
    return Counted(done, time.perf_counter() - start)


@dataclass(frozen=True)
class Counted:
    calls: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


# ---------------------------------------------------------------- stores


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL)


def postgres_unreachable(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        with psycopg.connect(admin_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {admin_url} is unreachable: {str(exc).strip().splitlines()[0]}"
    return None


@contextmanager
def scratch_postgres(admin_url: str, names: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Fresh databases (one per name), dropped afterwards; yields their URLs by name."""
    tag = uuid.uuid4().hex[:10]
    dbs = {name: f"sayso_bench_{tag}_{name}" for name in names}
    base = admin_url.rpartition("/")[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for db in dbs.values():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    try:
        yield {name: f"{base}/{db}" for name, db in dbs.items()}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for db in dbs.values():
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(db)))


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A directory under bench/out (a real disk, so fsync costs what it costs), removed after."""
    path = OUT / f"{prefix}-{uuid.uuid4().hex[:10]}"
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def open_context(database_url: str, key_file: Path) -> Context:
    """Migrate the database and open (or create) its key file."""
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    return Context.open(Settings(database_url=database_url, key_file=key_file))


_SQLITE = sqlite.dialect()
_SQLITE_TIME = ConsentEventRow.__table__.c.event_time.type.dialect_impl(_SQLITE).bind_processor(
    _SQLITE
)


def sqlite_time(value: datetime) -> object:
    """A UTC datetime exactly as SQLAlchemy stores it in SQLite."""
    return _SQLITE_TIME(value) if _SQLITE_TIME else value


# ---------------------------------------------------------------- the demo world


@dataclass(frozen=True)
class World:
    org_id: str
    meeting_id: str
    participants: tuple[str, ...]

    @property
    def scope(self) -> Scope:
        return Scope(ScopeKind.MEETING, self.meeting_id)


def setup_world(engine: Engine, ctx: Context, participants: int) -> World:
    """The demo org and policy, one meeting and some participants, through the services."""
    with unit_of_work(engine) as session:
        org = directory.create_org(session, ctx, "Acme Corp")
        policies.apply_policy(session, ctx, org, demo_policy())
        meeting = directory.create_meeting(session, ctx, org, "Job interview", BASE_TIME)
        people = tuple(
            directory.add_participant(session, ctx, org, f"Person {n}", None, meeting).id
            for n in range(participants)
        )
        return World(org.id, meeting.id, people)


# ---------------------------------------------------------------- synthetic events


@dataclass(frozen=True)
class EventFactory:
    """Builds the ConsentEvent the service would build for one request (see _build_event)."""

    org_id: str
    policy: Policy
    notice_hash: str
    withdrawal_method: str

    @classmethod
    def from_session(cls, session: Session, org_id: str) -> EventFactory:
        published = policies.current_policy(session, org_id)
        notice = policies.current_notice(session, org_id)
        method = str(notice.document["withdrawal_method"])
        return cls(org_id, published.policy, published.notice_hash, method)

    @classmethod
    def demo(cls, org_id: str) -> EventFactory:
        """The demo policy without a database (for pure CPU benches)."""
        catalogue = default_catalogue()
        policy = parse_policy(demo_policy(), catalogue)
        notice = generate_notice(policy, 1, "Acme Corp", catalogue)
        return cls(org_id, policy, notice.hash, str(notice.document["withdrawal_method"]))

    def event(
        self, principal_id: str, scope: Scope, action: EventType, when: datetime, index: int
    ) -> ConsentEvent:
        terms = self.policy.terms(PURPOSE)
        assert terms is not None
        grant = action is EventType.GRANT
        return ConsentEvent(
            event_id=str(uuid.uuid4()),
            principal_id=principal_id,
            org_id=self.org_id,
            scope=scope,
            event_type=action,
            purposes=(PURPOSE,),
            modalities=terms.modalities if grant else (),
            recipients=tuple(r.id for r in terms.recipients) if grant else (),
            event_time=when,
            notice_hash=self.notice_hash,
            terms={
                PURPOSE: NoticeTerms(
                    terms.basis,
                    terms.modalities,
                    terms.retention_days,
                    tuple(r.id for r in terms.recipients),
                )
            },
            controller=self.policy.controller,
            jurisdiction=self.policy.jurisdiction,
            storage_location=self.policy.storage_location,
            language=self.policy.language,
            withdrawal_method=self.withdrawal_method,
            indication_method="web",
            log_index=index,
        )


def event_row(
    event: ConsentEvent, key: str, salt: bytes, stored_time: object
) -> tuple[object, ...]:
    """A consent_events row as the service writes it (see consent._insert_events)."""
    request = ConsentRequest(event.principal_id, event.scope, event.event_type, (PURPOSE,), key)
    return (
        event.event_id,
        event.log_index,
        event.principal_id,
        event.org_id,
        str(event.scope),
        event.event_type.value,
        stored_time,
        key,
        request.fingerprint(),
        canonical_json(event.to_document()).decode(),
        salt,
    )


def alternating(n: int) -> EventType:
    """Grant, withdraw, grant, withdraw…"""
    return EventType.GRANT if n % 2 == 0 else EventType.WITHDRAW


def state_row(record: ConsentRecord) -> tuple[object, ...]:
    """A consent_state row as the service writes it (see consent._state_row)."""
    return (
        record.record_id,
        record.purpose,
        record.principal_id,
        str(record.scope),
        record.status.value,
        record.log_index,
        canonical_json(record_to_document(record)).decode(),
    )
