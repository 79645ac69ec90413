"""Transcript exports never make one person's words read as another's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from sayso.exports import manifest
from sayso.ingest import BadArchive
from sayso.ledger.db import unit_of_work
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services.auditing import audit
from sayso.services.context import Context
from sayso.services.exporting import export

TRANSCRIPT = """WEBVTT

1
00:00:02.000 --> 00:00:06.000
Diane Example: Here is my answer.

2
00:00:21.000 --> 00:00:24.000
Sheila Example: Off the record now.

3
00:00:27.000 --> 00:00:29.000
And still me, after resuming.
"""
SCENARIO = {
    "org": "Acme Corp",
    "meeting": {"title": "Interview", "starts_at": "2024-03-01T10:00:00Z"},
    "participants": [
        {"name": "Diane Example", "decisions": [{"at": "-1d", "grant": ["transcription"]}]},
        {
            "name": "Sheila Example",
            "decisions": [
                {"at": "-1h", "grant": ["transcription"]},
                {"at": "19s", "pause": ["transcription"]},
                {"at": "26s", "resume": ["transcription"]},
            ],
        },
    ],
    "archive": {"format": "zoom", "path": "export"},
}


def test_a_continuation_whose_speaker_was_cut_is_left_out(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "GMT20240301-100000_Recording.transcript.vtt").write_text(TRANSCRIPT)
    with unit_of_work(engine) as session:
        meeting_id = run_scenario(session, ctx, load_scenario(SCENARIO), tmp_path).meeting_id
    out = tmp_path / "dataset"
    with unit_of_work(engine) as session:
        export(session, ctx, purpose="transcription", meeting_ids=[meeting_id], out=out)
    text = next(out.glob("*/*.vtt")).read_text()
    assert "Here is my answer" in text
    assert "Off the record" not in text  # paused
    assert "And still me" not in text  # would read as Diane's words
    reasons = {r["location"]: r["reason"] for r in manifest.read(out).to_pylist()}
    assert reasons == {
        "cue 1": "consent",
        "cue 2": "outside_capture_window",
        "cue 3": "continues_withheld_speech",
    }
    with unit_of_work(engine, readonly=True) as session:
        assert audit(session, ctx, out).violations == []


def test_a_source_swapped_for_a_huge_file_after_ingest_is_refused_and_nothing_is_exported(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    vtt = tmp_path / "export" / "GMT20240301-100000_Recording.transcript.vtt"
    vtt.parent.mkdir()
    vtt.write_text(TRANSCRIPT)
    with unit_of_work(engine) as session:
        meeting_id = run_scenario(session, ctx, load_scenario(SCENARIO), tmp_path).meeting_id
    with vtt.open("ab") as handle:
        handle.truncate(3 * 2**30)  # sparse: no disk used
    out = tmp_path / "dataset"
    with unit_of_work(engine) as session, pytest.raises(BadArchive, match=rf"^{vtt.name}, whole"):
        export(session, ctx, purpose="transcription", meeting_ids=[meeting_id], out=out)
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".dataset")]  # no partial
