"""Shared fixtures: real databases (a SQLite file; a fresh PostgreSQL database per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine

from sayso.domain.records import Scope, ScopeKind
from sayso.ledger.db import make_engine, unit_of_work
from sayso.ledger.migrate import upgrade
from sayso.services import directory, policies
from sayso.services.context import Context
from sayso.services.demo import demo_policy
from sayso.settings import Settings

PG_ENV = "SAYSO_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a skipped test is a failed test: nothing may skip for a missing dependency."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


def postgres_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} is not set in CI; the PostgreSQL tests must run")
        pytest.skip(f"set {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test) to run this")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database, dropped after the test."""
    admin = postgres_admin_url()
    name = f"sayso_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sayso.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@dataclass
class FakeClock:
    """The outside world's time, moved by the test."""

    now: datetime = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, key_file=tmp_path / "keys" / "sayso-keys.json")


@pytest.fixture
def ctx(settings: Settings, clock: FakeClock) -> Context:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    context = Context.open(settings)
    context.clock = clock
    return context


@pytest.fixture
def engine(ctx: Context) -> Iterator[Engine]:
    e = make_engine(ctx.settings.database_url)
    yield e
    e.dispose()


@dataclass
class World:
    """The demo policy's org, one meeting, and three participants."""

    org_id: str
    meeting_id: str
    people: dict[str, str]

    @property
    def scope(self) -> Scope:
        return Scope(ScopeKind.MEETING, self.meeting_id)


@pytest.fixture
def world(engine: Engine, ctx: Context) -> World:
    with unit_of_work(engine) as session:
        org = directory.create_org(session, ctx, "Acme Corp")
        policies.apply_policy(session, ctx, org, demo_policy())
        meeting = directory.create_meeting(
            session, ctx, org, "Job interview", datetime(2024, 3, 1, 10, tzinfo=UTC)
        )
        people = {
            name: directory.add_participant(session, ctx, org, name, None, meeting).id
            for name in ("Diane", "Sheila", "Guest")
        }
        return World(org.id, meeting.id, people)
