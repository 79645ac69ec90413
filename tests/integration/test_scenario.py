"""`sayso scenario run`: a meeting's consent story replayed through participants' own links."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, func, select

from sayso.domain.decision import Segment, decide
from sayso.domain.fold import fold_events
from sayso.domain.records import Scope, ScopeKind
from sayso.errors import InvalidInput
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import ConsentEventRow
from sayso.scenario.model import json_schema, load_scenario, parse_offset
from sayso.scenario.runner import run_scenario
from sayso.services import policies
from sayso.services.consent import events_for
from sayso.services.context import Context

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "job-interview" / "scenario.yaml"
START = datetime(2024, 3, 1, 10, tzinfo=UTC)


def _run(engine: Engine, ctx: Context, raw: object, base: Path = EXAMPLE.parent) -> str:
    with unit_of_work(engine) as session:
        return run_scenario(session, ctx, load_scenario(raw), base).meeting_id


def _count(engine: Engine) -> int:
    with unit_of_work(engine, readonly=True) as session:
        return int(session.execute(select(func.count()).select_from(ConsentEventRow)).scalar_one())


def test_the_job_interview_replays_in_time_order_and_decides_as_told(
    engine: Engine, ctx: Context
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    meeting_id = _run(engine, ctx, raw)
    assert _count(engine) == 12
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(ConsentEventRow.event_time, ConsentEventRow.document).order_by(
                ConsentEventRow.log_index
            )
        ).all()
        times = [t for t, _ in rows]
        assert times == sorted(times)
        assert times[0] == START - timedelta(days=1)
        assert all(json.loads(d)["indication_method"] == "scenario" for _, d in rows)
        people = {json.loads(d)["principal_id"] for _, d in rows}
        scope = str(Scope(ScopeKind.MEETING, meeting_id))
        records = fold_events(events_for(session, {(p, scope) for p in people}))
        org_id = json.loads(rows[0][1])["org_id"]
        policy = policies.current_policy(session, org_id).policy
    diane, sheila = sorted(
        people, key=lambda p: min(r.log_index for r in records if r.principal_id == p)
    )

    def allowed(who: str, purpose: str, modality: str, minute: int) -> str:
        t = START + timedelta(minutes=minute)
        seg = Segment(org_id, meeting_id, who, modality, t, t + timedelta(seconds=30))
        recipient = "partner" if purpose == "third_party_sharing" else None
        return decide(
            records, policy, seg, purpose, START + timedelta(hours=2), recipient=recipient
        ).reason.value

    assert allowed(diane, "recording", "audio", 5) == "consent"
    assert allowed(diane, "ai_training", "audio", 5) == "refused"
    assert allowed(sheila, "recording", "audio", 11) == "outside_capture_window"  # paused
    assert allowed(sheila, "recording", "audio", 13) == "consent"  # resumed
    assert allowed(sheila, "ai_training", "audio", 5) == "withdrawn"
    assert allowed(sheila, "ai_training", "video", 5) == "withdrawn"


def test_running_a_scenario_again_adds_nothing(engine: Engine, ctx: Context) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    first = _run(engine, ctx, raw)
    second = _run(engine, ctx, raw)
    assert first == second
    assert _count(engine) == 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["participants"][0]["decisions"][0].update(at="yesterday"), "not an offset"),
        (
            lambda r: r["participants"][0]["decisions"][0].update(refuse=["ai_training"]),
            "exactly one",
        ),
        (lambda r: r["meeting"].update(starts_at="2024-03-01T10:00:00"), "time zone"),
        (lambda r: r.update(colour="blue"), "colour"),
        (lambda r: r["participants"][0]["decisions"][0].update(grant=["telepathy"]), "telepathy"),
        (lambda r: r["participants"][1]["decisions"][1].update(modalities=["audio"]), "grant only"),
    ],
)
def test_an_invalid_field_is_named_and_nothing_is_written(
    engine: Engine, ctx: Context, change: object, message: str
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    change(raw)  # type: ignore[operator]
    with pytest.raises(InvalidInput, match=message):
        _run(engine, ctx, raw)
    assert _count(engine) == 0


def test_offsets() -> None:
    assert parse_offset("-1d") == timedelta(days=-1)
    assert parse_offset("90s") == timedelta(seconds=90)
    assert parse_offset("1.5h") == timedelta(minutes=90)
    with pytest.raises(ValueError, match="offset"):
        parse_offset("10 minutes")


def test_the_committed_json_schema_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert committed == json_schema()
