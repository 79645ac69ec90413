"""The gate over an ingested meeting: decisions per segment from the ledger, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from sayso.ledger.db import unit_of_work
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services import ray_runner
from sayso.services.context import Context
from sayso.services.gating import gather, run_gate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "job-interview"
AFTER = datetime(2024, 3, 2, tzinfo=UTC)


def _meeting(engine: Engine, ctx: Context) -> tuple[str, dict[str, str]]:
    raw = yaml.safe_load((EXAMPLE / "scenario.yaml").read_text())
    with unit_of_work(engine) as session:
        result = run_scenario(session, ctx, load_scenario(raw), EXAMPLE)
    return result.meeting_id, result.participants


def _decided(
    engine: Engine, ctx: Context, meeting_id: str, purpose: str, **kw: object
) -> list[dict[str, object]]:
    with unit_of_work(engine, readonly=True) as session:
        inputs = gather(session, ctx, [meeting_id])
    rows: list[dict[str, object]] = run_gate(inputs, purpose=purpose, at=AFTER, **kw).to_pylist()  # type: ignore[arg-type]
    return rows


def test_recording_follows_each_persons_yes_and_pause(engine: Engine, ctx: Context) -> None:
    meeting_id, people = _meeting(engine, ctx)
    rows = _decided(engine, ctx, meeting_id, "recording")
    by_location = {(r["participant_id"], r["location"]): r for r in rows}
    diane, sheila = people["Diane Example"], people["Sheila Example"]
    assert by_location[(diane, "cue 2")]["reason"] == "consent"
    assert by_location[(diane, "cue 2")]["record_id"] is not None
    assert by_location[(sheila, "cue 5")]["reason"] == "outside_capture_window"  # she paused
    assert by_location[(sheila, "cue 6")]["reason"] == "consent"  # and resumed


def test_training_takes_nothing_of_the_candidate(engine: Engine, ctx: Context) -> None:
    meeting_id, people = _meeting(engine, ctx)
    rows = _decided(engine, ctx, meeting_id, "ai_training")
    diane = [r for r in rows if r["participant_id"] == people["Diane Example"]]
    assert diane
    assert {r["reason"] for r in diane} == {"refused"}
    assert not any(r["allowed"] for r in diane)
    sheila = [r for r in rows if r["participant_id"] == people["Sheila Example"]]
    assert {r["reason"] for r in sheila} == {"withdrawn"}  # withdrawn at 40m, before AFTER


@pytest.mark.slow
def test_ray_gives_the_same_decisions_byte_for_byte(engine: Engine, ctx: Context) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    with unit_of_work(engine, readonly=True) as session:
        inputs = gather(session, ctx, [meeting_id])
    ray_runner.connect(num_cpus=2)
    for purpose in ("recording", "ai_training", "transcription"):
        local = run_gate(inputs, purpose=purpose, at=AFTER, batch_size=3)
        on_ray = run_gate(inputs, purpose=purpose, at=AFTER, engine="ray", batch_size=3)
        assert on_ray.equals(local)
        assert on_ray.to_pylist() == local.to_pylist()
