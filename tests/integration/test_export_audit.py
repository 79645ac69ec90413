"""`sayso export` and `sayso audit` end to end on the job-interview scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from sqlalchemy import Engine, select

from sayso.domain.records import EventType
from sayso.errors import InvalidInput
from sayso.exports import manifest
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import ExportRow
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services import access, participants
from sayso.services.auditing import audit
from sayso.services.context import Context
from sayso.services.exporting import export

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "job-interview"


def _meeting(engine: Engine, ctx: Context) -> tuple[str, dict[str, str]]:
    raw = yaml.safe_load((EXAMPLE / "scenario.yaml").read_text())
    with unit_of_work(engine) as session:
        result = run_scenario(session, ctx, load_scenario(raw), EXAMPLE)
    return result.meeting_id, result.participants


def _export(
    engine: Engine, ctx: Context, meeting_id: str, out: Path, purpose: str = "recording"
) -> str:
    with unit_of_work(engine) as session:
        return export(session, ctx, purpose=purpose, meeting_ids=[meeting_id], out=out).export_id


def _audit(engine: Engine, ctx: Context, folder: Path) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, folder)
    assert report.checked == 8
    return report.violations


def _vtt(folder: Path) -> str:
    return next(folder.glob("*/*.transcript.vtt")).read_text()


def test_the_export_keeps_only_consented_cues_and_the_audit_agrees(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    out = tmp_path / "recording"
    _export(engine, ctx, meeting_id, out)
    text = _vtt(out)
    assert text.startswith("WEBVTT")
    assert "Welcome, Diane" in text
    assert "off the record" not in text  # Sheila had paused capture
    rows = manifest.read(out).to_pylist()
    assert {r["reason"] for r in rows if not r["allowed"]} == {"outside_capture_window"}
    chat = next(out.glob("*/*newChat.txt")).read_text()
    assert "portfolio link" in chat
    assert all(r["record_id"] and r["log_index"] is not None for r in rows if r["allowed"])
    assert "Diane" not in str(manifest.read(out).column("participant").to_pylist())
    assert _audit(engine, ctx, out) == []


def test_a_smuggled_withheld_cue_is_caught_by_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    out = tmp_path / "recording"
    _export(engine, ctx, meeting_id, out)
    target = next(out.glob("*/*.transcript.vtt"))
    target.write_text(
        target.read_text()
        + "\n99\n00:11:00.000 --> 00:11:20.000\n"
        + "Sheila Example: That is off the record, I paused my recording.\n"
    )
    violations = _audit(engine, ctx, out)
    assert len(violations) == 1
    assert "withheld cue" in violations[0]


def test_a_manifest_that_claims_more_than_the_log_allows_is_caught(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    out = tmp_path / "training"
    _export(engine, ctx, meeting_id, out, purpose="ai_training")
    table = manifest.read(out)
    rows = table.to_pylist()
    assert not any(r["allowed"] for r in rows)  # nobody's content may train a model
    rows[0]["allowed"], rows[0]["reason"] = True, "consent"
    forged = manifest.SCHEMA.with_metadata(table.schema.metadata)
    manifest.write(pa.Table.from_pylist(rows, schema=forged), out)
    violations = _audit(engine, ctx, out)
    assert len(violations) == 1
    assert "the log says" in violations[0]


def test_a_rerun_gives_the_same_bytes_and_one_registry_entry(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    first = _export(engine, ctx, meeting_id, tmp_path / "a")
    second = _export(engine, ctx, meeting_id, tmp_path / "b")
    assert first == second
    for name in ("manifest.parquet", "README.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert _vtt(tmp_path / "a") == _vtt(tmp_path / "b")
    with unit_of_work(engine, readonly=True) as session:
        assert len(session.execute(select(ExportRow)).scalars().all()) == 1


def test_an_existing_folder_is_refused_and_nothing_partial_is_left(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _meeting(engine, ctx)
    exports = tmp_path / "exports"
    out = exports / "taken"
    out.mkdir(parents=True)
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not an empty folder"):
        _export(engine, ctx, meeting_id, out)
    assert [p.name for p in exports.iterdir()] == ["taken"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_withdrawal_flags_the_export_and_my_data_lists_it(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, people = _meeting(engine, ctx)
    export_id = _export(engine, ctx, meeting_id, tmp_path / "rec")
    with unit_of_work(engine) as session:
        diane = access.resolve(
            session,
            ctx,
            access.issue_join_link(
                session,
                ctx,
                session.get(access.Participant, people["Diane Example"]),
                session.get(access.Meeting, meeting_id),  # type: ignore[attr-defined,arg-type]
            ),
        )
        listed = participants.my_data(session, diane).exports
        assert [(x.export_id, x.status) for x in listed] == [(export_id, "current")]
        participants.act(session, ctx, diane, meeting_id, EventType.WITHDRAW, ["recording"], "w")
    with unit_of_work(engine, readonly=True) as session:
        row = session.get(ExportRow, export_id)
        assert row is not None
        assert row.status == "flagged"
    shutil.rmtree(tmp_path / "rec")
