"""Invariant 9 (nothing acknowledged is lost) and an unforked log under concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sayso.ledger.db import unit_of_work
from sayso.ledger.models import CheckpointRow, ConsentEventRow, LogLeaf
from sayso.services.context import Context
from sayso.services.logs import verify_log
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _writer(ctx: Context, world: World, who: str, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.writer_process",
            ctx.settings.database_url,
            str(ctx.settings.key_file),
            world.people[who],
            world.meeting_id,
            prefix,
            str(count),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _acks(lines: list[str]) -> dict[str, tuple[str, int]]:
    out = {}
    for line in lines:
        _, key, record_id, index = line.split()
        out[key] = (record_id, int(index))
    return out


def _stored(engine: Engine) -> dict[str, list[tuple[str, int]]]:
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(
                ConsentEventRow.idempotency_key, ConsentEventRow.event_id, ConsentEventRow.log_index
            )
        ).all()
    stored: dict[str, list[tuple[str, int]]] = {}
    for key, event_id, index in rows:
        stored.setdefault(key, []).append((event_id, index))
    return stored


def test_sigkill_mid_stream_loses_and_duplicates_nothing_acknowledged(
    engine: Engine, ctx: Context, world: World
) -> None:
    proc = _writer(ctx, world, "Diane", "w", 10_000)
    assert proc.stdout is not None
    lines = []
    while len(lines) < 25:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "writer died"
        lines.append(line)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()  # reap it and close its pipes
    assert proc.returncode == -signal.SIGKILL
    acked = _acks(lines)

    stored = _stored(engine)
    for key, (record_id, index) in acked.items():
        assert stored.get(key) == [(record_id, index)], f"{key} lost or duplicated"
    with unit_of_work(engine, readonly=True) as session:
        report = verify_log(session, ctx)
    assert report.size == sum(len(v) for v in stored.values())

    # A restarted writer re-sends the same keys: acknowledged ones are answered, never re-appended.
    again = _writer(ctx, world, "Diane", "w", len(acked) + 5)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    replayed = _acks(out.splitlines())
    for key, value in acked.items():
        assert replayed[key] == value
    stored = _stored(engine)
    assert all(len(v) == 1 for v in stored.values())
    with unit_of_work(engine, readonly=True) as session:
        assert verify_log(session, ctx).size == len(stored)


def test_concurrent_writers_never_fork_the_log(engine: Engine, ctx: Context, world: World) -> None:
    per_writer = 15
    procs = [_writer(ctx, world, who, who, per_writer) for who in ("Diane", "Sheila", "Guest")]
    acks: dict[str, tuple[str, int]] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        acks.update(_acks(out.splitlines()))
    total = 3 * per_writer
    assert sorted(index for _, index in acks.values()) == list(range(total))
    with unit_of_work(engine, readonly=True) as session:
        leaves = session.execute(select(LogLeaf.idx).order_by(LogLeaf.idx)).scalars().all()
        checkpoints = session.execute(select(func.count()).select_from(CheckpointRow)).scalar_one()
        report = verify_log(session, ctx)  # checks each checkpoint is consistent with the next
    assert leaves == list(range(total))
    assert checkpoints == total
    assert report.size == total
