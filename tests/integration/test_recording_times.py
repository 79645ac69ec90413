"""A Zoom recording restarted five minutes into the meeting, end to end: ingest places
its files five minutes late (the webhook's ``recording_start``), the gate decides at that
time, redaction cuts at the position in each file, and the audit finds nothing wrong.

Sheila stops her capture (a pause) at 10:05:19. Her cue at 00:00:21 of the late
recording was spoken at 10:05:21, after it: withheld. Counted from the meeting's start
(10:00:21, before the pause) it would have been kept, as it is without the webhook.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from sayso.exports import manifest
from sayso.ledger.db import unit_of_work
from sayso.redact import Interval, leaked_samples
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services.auditing import audit
from sayso.services.context import Context
from sayso.services.exporting import export
from sayso.services.ingest import ingest, load_segments
from tests.integration.cli_helpers import Cli
from tests.integration.test_export_media import TRANSCRIPT
from tests.unit.redact.media import write_m4a

S = timedelta(seconds=1)
MEETING = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
LATE = MEETING + timedelta(minutes=5)
HOOK = "recording.completed.json"
FIRST_AUDIO = "GMT20240301-100000_Recording.m4a"
LATE_AUDIO = "GMT20240301-100500_Recording.m4a"
LATE_TRANSCRIPT = "GMT20240301-100500_Recording.transcript.vtt"
SHEILA = "Audio only - Sheila Example.m4a"
SCENARIO: dict[str, Any] = {
    "org": "Acme Corp",
    "policy": "all-by-consent",
    "meeting": {"title": "Restarted recording", "starts_at": "2024-03-01T10:00:00Z"},
    "participants": [
        {"name": "Diane Example", "decisions": [{"at": "-1d", "grant": ["recording"]}]},
        {
            "name": "Sheila Example",
            "decisions": [
                {"at": "-1h", "grant": ["recording"]},
                # after meeting start + 21 s, before the late file's start + 21 s
                {"at": "319s", "pause": ["recording"]},
            ],
        },
    ],
}


def _zulu(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _file(file_type: str, recording_type: str | None, start: datetime) -> dict[str, Any]:
    entry = {
        "id": f"{file_type.lower()}-{start:%H%M}",
        "recording_start": _zulu(start),
        "recording_end": _zulu(start + 30 * S),
        "file_type": file_type,
        "file_extension": "VTT" if file_type == "TRANSCRIPT" else file_type,
        "download_url": "https://example.invalid/rec/webhook_download/x",
        "status": "completed",
    }
    if recording_type:
        entry["recording_type"] = recording_type
    return entry


def _webhook() -> dict[str, Any]:
    sheila = _file("M4A", None, LATE) | {"file_name": "Audio only - Sheila Example"}
    files = [
        _file("M4A", "audio_only", MEETING),  # the first recording: no transcript came with it
        _file("M4A", "audio_only", LATE),
        _file("TRANSCRIPT", "audio_transcript", LATE),
    ]
    return {
        "event": "recording.completed",
        "payload": {
            "object": {
                "uuid": "restarted==",
                "start_time": _zulu(MEETING),
                "timezone": "Europe/Berlin",
                "duration": 10,
                "recording_files": files,
                "participant_audio_files": [sheila],
            }
        },
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    root.mkdir()
    (root / HOOK).write_text(json.dumps(_webhook()))
    (root / LATE_TRANSCRIPT).write_text(TRANSCRIPT)
    for name in (FIRST_AUDIO, LATE_AUDIO, SHEILA):
        write_m4a(root / name, 30)
    return root


def _meeting(engine: Engine, ctx: Context, folder: Path) -> str:
    with unit_of_work(engine) as session:
        meeting_id = run_scenario(session, ctx, load_scenario(SCENARIO), folder.parent).meeting_id
        ingest(session, ctx, meeting_id, "zoom", folder)
    return meeting_id


def _by_location(rows: list[dict[str, Any]], source: str) -> dict[str, dict[str, Any]]:
    return {r["location"]: r for r in rows if r["source"] == source}


def test_a_late_recording_is_placed_late_and_redacted_in_its_own_file(
    engine: Engine, ctx: Context, folder: Path, tmp_path: Path
) -> None:
    meeting_id = _meeting(engine, ctx, folder)
    segments = load_segments(ctx, meeting_id).to_pylist()
    cues = _by_location(segments, LATE_TRANSCRIPT)
    assert cues["cue 4"]["start"] == LATE + 21 * S
    assert _by_location(segments, LATE_AUDIO)["track mixed_audio"]["start"] == LATE
    assert _by_location(segments, FIRST_AUDIO)["track mixed_audio"]["start"] == MEETING

    out = tmp_path / "dataset"
    with unit_of_work(engine) as session:
        export(session, ctx, purpose="recording", meeting_ids=[meeting_id], out=out)
    rows = manifest.read(out).to_pylist()
    decided = _by_location(rows, LATE_TRANSCRIPT)
    assert [decided[f"cue {n}"]["allowed"] for n in (1, 2, 3, 4)] == [True, True, True, False]
    assert decided["cue 4"]["reason"] == "outside_capture_window"
    text = (out / meeting_id / LATE_TRANSCRIPT).read_text()
    assert "Please go on." in text
    assert "off the record" not in text

    # The mixed track of the late recording: Sheila's cut cue is silent at 21-25 s of
    # the file (not at 5 min 21 s, where the file has nothing), her kept cue is audible.
    mixed = out / meeting_id / LATE_AUDIO
    assert leaked_samples(mixed, [Interval(21 * S - S / 4, 25 * S + S / 4)]) == 0
    assert leaked_samples(mixed, [Interval(8 * S, 12 * S)]) > 0
    own = out / meeting_id / SHEILA
    assert leaked_samples(own, [Interval(0 * S, 8 * S), Interval(12 * S, 30 * S)]) == 0
    assert leaked_samples(own, [Interval(8 * S, 12 * S)]) > 0
    # No transcript covers the first recording: nobody's speech in it can be attributed.
    assert not (out / meeting_id / FIRST_AUDIO).exists()

    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert report.violations == []
    assert report.checked == len(rows)


def test_without_the_webhook_the_files_count_from_the_meeting_start(
    engine: Engine, ctx: Context, folder: Path
) -> None:
    (folder / HOOK).unlink()
    meeting_id = _meeting(engine, ctx, folder)
    cues = _by_location(load_segments(ctx, meeting_id).to_pylist(), LATE_TRANSCRIPT)
    assert cues["cue 4"]["start"] == MEETING + 21 * S  # before the pause: the old placement


def test_ingesting_again_gives_the_same_table(engine: Engine, ctx: Context, folder: Path) -> None:
    meeting_id = _meeting(engine, ctx, folder)
    first = load_segments(ctx, meeting_id)
    with unit_of_work(engine) as session:
        ingest(session, ctx, meeting_id, "zoom", folder)
    assert load_segments(ctx, meeting_id).equals(first)


def test_the_cli_names_a_malformed_recording_start_without_a_traceback(
    db_url: str, tmp_path: Path, folder: Path
) -> None:
    cli = Cli(db_url, tmp_path / "keys.json")
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    meeting_id = cli.json("scenario", "run", str(tmp_path / "scenario.yaml"))["meeting_id"]
    body = _webhook()
    body["payload"]["object"]["recording_files"][2]["recording_start"] = "2024-03-01 10:05"
    (folder / HOOK).write_text(json.dumps(body))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = cli("ingest", "zoom", str(folder), "--meeting", meeting_id, expect=1)
    assert "recording.completed.json, $.payload.object.recording_files[2].recording_start" in out
    assert "the TRANSCRIPT audio_transcript file is not a date and time with a time zone" in out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_manifest_file_that_starts_late_is_cut_at_its_own_positions(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    root = tmp_path / "jitsi"
    root.mkdir()
    (root / "transcript.vtt").write_text(TRANSCRIPT)
    write_m4a(root / "mix.m4a", 30)
    mix = {"path": "mix.m4a", "kind": "media", "modality": "audio", "role": "mixed_audio"}
    files = [
        {"path": "transcript.vtt", "kind": "zoom_transcript_vtt"},
        mix | {"start": 10},  # the mix began 10 s into the meeting
    ]
    body = {"sayso_manifest": 1, "platform": "jitsi", "files": files}
    (root / "sayso-manifest.json").write_text(json.dumps(body))
    story = json.loads(json.dumps(SCENARIO))
    story["participants"][1]["decisions"][1]["at"] = "19s"  # cue 4 (21-25 s) is cut
    with unit_of_work(engine) as session:
        meeting_id = run_scenario(session, ctx, load_scenario(story), tmp_path).meeting_id
        ingest(session, ctx, meeting_id, "manifest", root)
    out = tmp_path / "dataset"
    with unit_of_work(engine) as session:
        export(session, ctx, purpose="recording", meeting_ids=[meeting_id], out=out)
    mixed = out / meeting_id / "mix.m4a"
    assert leaked_samples(mixed, [Interval(11 * S - S / 4, 15 * S + S / 4)]) == 0
    assert leaked_samples(mixed, [Interval(4 * S, 8 * S)]) > 0  # Diane's cue 3, kept
    with unit_of_work(engine, readonly=True) as session:
        assert audit(session, ctx, out).violations == []
