"""Media through the whole chain: a scenario, generated audio, export, audit, zero leaks."""

from __future__ import annotations

import json
import shutil
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sayso.errors import SaysoError
from sayso.exports import manifest, parts
from sayso.exports.parts import split_wav
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import ExportRow
from sayso.redact import Interval, leaked_samples
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services.auditing import audit
from sayso.services.context import Context
from sayso.services.exporting import ExportResult, export
from tests.unit.redact.media import luma_means, speech, write_m4a, write_mp4, write_wav

S = timedelta(seconds=1)
TRANSCRIPT = """WEBVTT

1
00:00:02.000 --> 00:00:06.000
Diane Example: I would like to talk about my last project.

2
00:00:08.000 --> 00:00:12.000
Sheila Example: Please go on.

3
00:00:14.000 --> 00:00:18.000
Diane Example: It was a billing system.

4
00:00:21.000 --> 00:00:25.000
Sheila Example: This part is off the record.
"""
SCENARIO = {
    "org": "Acme Corp",
    "policy": "all-by-consent",
    "meeting": {"title": "Recorded interview", "starts_at": "2024-03-01T10:00:00Z"},
    "participants": [
        {"name": "Diane Example", "decisions": [{"at": "-1d", "grant": ["recording"]}]},
        {
            "name": "Sheila Example",
            "decisions": [
                {"at": "-1h", "grant": ["recording"]},
                {"at": "19s", "pause": ["recording"]},
            ],
        },
    ],
    "archive": {"format": "zoom", "path": "export"},
}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "GMT20240301-100000_Recording.transcript.vtt").write_text(TRANSCRIPT)
    write_m4a(folder / "audio1234567890.m4a", 30)
    write_m4a(folder / "Audio only - Diane Example.m4a", 30)
    write_m4a(folder / "Audio only - Sheila Example.m4a", 30)
    return tmp_path


def _meeting(engine: Engine, ctx: Context, archive: Path) -> str:
    """The scenario replayed and its archive ingested; the meeting's id."""
    with unit_of_work(engine) as session:
        return run_scenario(session, ctx, load_scenario(SCENARIO), archive).meeting_id


def _export(engine: Engine, ctx: Context, meeting_id: str, out: Path) -> ExportResult:
    with unit_of_work(engine) as session:
        return export(session, ctx, purpose="recording", meeting_ids=[meeting_id], out=out)


def test_audio_keeps_only_consented_speech_and_the_audit_measures_no_leak(
    engine: Engine, ctx: Context, archive: Path, tmp_path: Path
) -> None:
    meeting_id = _meeting(engine, ctx, archive)
    out = tmp_path / "dataset"
    _export(engine, ctx, meeting_id, out)
    folder = out / meeting_id
    off_record = Interval(
        21 * S - timedelta(milliseconds=250), 25 * S + timedelta(milliseconds=250)
    )
    # The mixed track: Sheila's paused span is silent, Diane's speech is kept.
    assert leaked_samples(folder / "audio1234567890.m4a", [off_record]) == 0
    assert leaked_samples(folder / "audio1234567890.m4a", [Interval(2 * S, 6 * S)]) > 0
    # Sheila's own track: only her one consented span survives.
    sheila = folder / "Audio only - Sheila Example.m4a"
    assert leaked_samples(sheila, [Interval(0 * S, 8 * S), Interval(12 * S, 30 * S)]) == 0
    assert leaked_samples(sheila, [Interval(8 * S, 12 * S)]) > 0
    rows = manifest.read(out).to_pylist()
    spans = [r for r in rows if " @ " in r["location"]]
    assert {r["reason"] for r in spans if not r["allowed"]} == {"outside_capture_window"}
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert report.violations == []
    assert report.checked == len(rows)


def test_the_audit_hears_audio_smuggled_back(
    engine: Engine, ctx: Context, archive: Path, tmp_path: Path
) -> None:
    meeting_id = _meeting(engine, ctx, archive)
    out = tmp_path / "dataset"
    _export(engine, ctx, meeting_id, out)
    # Put the original, unredacted mixed track in place of the redacted one.
    target = out / meeting_id / "audio1234567890.m4a"
    target.write_bytes((archive / "export" / "audio1234567890.m4a").read_bytes())
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert f"{meeting_id}/audio1234567890.m4a: withheld audio is audible" in report.violations
    assert len(report.violations) == 2  # and the original carries no C2PA manifest


def test_a_damaged_media_file_stops_the_export_with_nothing_written(
    engine: Engine, ctx: Context, archive: Path, tmp_path: Path
) -> None:
    meeting_id = _meeting(engine, ctx, archive)
    track = archive / "export" / "Audio only - Diane Example.m4a"
    track.write_bytes(track.read_bytes()[:2000])  # damaged after ingest
    out = tmp_path / "dataset"
    with unit_of_work(engine) as session, pytest.raises(SaysoError) as caught:
        export(session, ctx, purpose="recording", meeting_ids=[meeting_id], out=out)
    assert "Audio only" in str(caught.value) or "audio" in str(caught.value).lower()
    assert "Diane" not in str(caught.value)  # names stay out of error messages
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dataset")]
    with unit_of_work(engine, readonly=True) as session:
        assert session.execute(select(ExportRow)).first() is None


def test_every_exported_media_file_carries_its_purpose_in_c2pa(
    engine: Engine, ctx: Context, archive: Path, tmp_path: Path
) -> None:
    from sayso.exports.c2pa_certs import ca_pem
    from sayso.exports.c2pa_verify import verify_media

    meeting_id = _meeting(engine, ctx, archive)
    out = tmp_path / "dataset"
    result = _export(engine, ctx, meeting_id, out)
    media = sorted((out / meeting_id).glob("*.m4a"))
    assert len(media) == 3
    anchors = ca_pem(ctx.settings.resolved_key_file().parent)
    for path in media:
        check = verify_media(path, trust_anchors=anchors)
        assert check.integrity
        assert check.trusted
        assert check.allowed_uses() == set()  # recording allows no AI use at all
        assert check.export is not None
        assert check.export["export_id"] == result.export_id
    # Strip the manifest by re-writing the file's audio: the audit notices.
    stripped = media[0]
    stripped.write_bytes((archive / "export" / stripped.name).read_bytes())
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert any("C2PA" in v for v in report.violations)


def test_speaker_view_is_black_while_a_withheld_person_speaks_and_gallery_is_left_out(
    engine: Engine, ctx: Context, archive: Path, tmp_path: Path
) -> None:
    write_mp4(archive / "export" / "GMT20240301-100000_Recording_as_640x360.mp4", 30)
    write_mp4(archive / "export" / "GMT20240301-100000_Recording_gallery_1280x720.mp4", 30)
    meeting_id = _meeting(engine, ctx, archive)
    out = tmp_path / "dataset"
    _export(engine, ctx, meeting_id, out)
    folder = out / meeting_id
    assert not (folder / "GMT20240301-100000_Recording_gallery_1280x720.mp4").exists()
    frames = luma_means(folder / "GMT20240301-100000_Recording_as_640x360.mp4")
    dark = [t for t, luma in frames if luma < 20]
    assert dark  # Sheila, paused, speaks from 21 s to 25 s
    assert all(20.5 <= t <= 25.5 for t in dark)
    assert any(luma > 150 for t, luma in frames if 2 <= t <= 6)  # Diane on screen
    rows = manifest.read(out).to_pylist()
    gallery = [r for r in rows if "gallery" in r["source"]]
    assert gallery
    assert not any(r["allowed"] for r in gallery)
    with unit_of_work(engine, readonly=True) as session:
        assert audit(session, ctx, out).violations == []


def _wav_meeting(engine: Engine, ctx: Context, base: Path) -> str:
    """The interview as a generic archive: the transcript, a mixed WAV and Sheila's own."""
    folder = base / "export"
    (folder / "tracks").mkdir(parents=True)
    (folder / "talk.vtt").write_text(TRANSCRIPT)
    write_wav(folder / "mix.wav", speech(30))
    write_wav(folder / "tracks" / "sheila.wav", speech(30))
    media = {"kind": "media", "modality": "audio", "start": 0, "end": 30}
    files = [
        {"path": "talk.vtt", "kind": "zoom_transcript_vtt"},
        {"path": "mix.wav", "role": "mixed_audio", **media},
        {"path": "tracks/sheila.wav", "role": "participant_audio", "speaker": "Sheila Example"}
        | media,
    ]
    body = {"sayso_manifest": 1, "platform": "recorder", "files": files}
    (folder / "sayso-manifest.json").write_text(json.dumps(body))
    spec = {**SCENARIO, "archive": {"format": "manifest", "path": "export"}}
    with unit_of_work(engine) as session:
        return run_scenario(session, ctx, load_scenario(spec), base).meeting_id


def test_a_long_wav_file_is_exported_in_signed_parts_and_audited_across_them(
    engine: Engine, ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """c2pa-rs holds a WAV file whole in memory to sign it: no exported WAV file may be
    bigger than ``PART_BYTES`` (made small here: 8 s of audio)."""
    from sayso.exports.c2pa_certs import ca_pem
    from sayso.exports.c2pa_verify import verify_media

    monkeypatch.setattr(parts, "PART_BYTES", parts.HEADER_ROOM + 8 * 32_000)
    meeting_id = _wav_meeting(engine, ctx, tmp_path / "wav")
    out = tmp_path / "dataset"
    result = _export(engine, ctx, meeting_id, out)

    folder = out / meeting_id / "mix.wav.parts"
    written = sorted(folder.iterdir())
    assert [p.name for p in written] == [f"mix.part00{n}-of-004.wav" for n in (1, 2, 3, 4)]
    assert not (out / meeting_id / "mix.wav").exists()
    assert (out / meeting_id / "tracks" / "sheila.wav.parts").is_dir()
    anchors = ca_pem(ctx.settings.resolved_key_file().parent)
    for path in out.rglob("*.wav"):
        with wave.open(str(path)) as part:  # the samples: what c2pa-rs holds to sign it
            assert part.getnframes() * 2 <= parts.PART_BYTES - parts.HEADER_ROOM
        check = verify_media(path, trust_anchors=anchors)
        assert check.trusted
        assert check.title == path.name
        assert check.export is not None
        assert check.export["export_id"] == result.export_id
    off_record = Interval(
        21 * S - timedelta(milliseconds=250), 25 * S + timedelta(milliseconds=250)
    )
    assert leaked_samples(written, [off_record]) == 0  # in parts 3 and 4
    assert leaked_samples(written, [Interval(2 * S, 6 * S)]) > 0
    rows = manifest.read(out).to_pylist()
    assert {r["output"] for r in rows if r["source"] == "mix.wav" and r["allowed"]} == {
        f"{meeting_id}/mix.wav.parts"
    }
    assert f"`{meeting_id}/mix.wav.parts/`" in (out / "README.md").read_text()
    assert _violations(engine, ctx, out) == []

    # The original's audio put back in part 3 (16 s to 24 s): heard at its place.
    original = split_wav(
        write_wav(tmp_path / "mix.wav", speech(30)), parts.HEADER_ROOM + 8 * 32_000
    )
    shutil.copyfile(original[2], written[2])
    violations = _violations(engine, ctx, out)
    assert f"{meeting_id}/mix.wav.parts: withheld audio is audible" in violations
    assert f"mix.wav.parts/{written[2].name}: its C2PA manifest is missing" in " ".join(violations)


def test_swapped_or_extra_parts_fail_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "PART_BYTES", parts.HEADER_ROOM + 8 * 32_000)
    meeting_id = _wav_meeting(engine, ctx, tmp_path / "wav")
    out = tmp_path / "dataset"
    _export(engine, ctx, meeting_id, out)
    folder = out / meeting_id / "mix.wav.parts"
    first, second = sorted(folder.iterdir())[:2]

    # Swapped: each manifest still holds, but was signed for the other name.
    first.rename(folder / "swap")
    second.rename(first)
    (folder / "swap").rename(second)
    assert f"mix.wav.parts/{first.name}: its C2PA manifest was signed for another file" in (
        _violations(engine, ctx, out)
    )
    (folder / "notes.txt").write_text("hello")
    assert (
        f"{meeting_id}/mix.wav.parts: holds other files than its parts "
        "mix.part001-of-005.wav … mix.part005-of-005.wav"
    ) in _violations(engine, ctx, out)


def _violations(engine: Engine, ctx: Context, out: Path) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        return audit(session, ctx, out).violations


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize("layout", ["zoom", "wav_in_parts"])
def test_a_rerun_with_the_same_inputs_and_checkpoint_writes_the_same_bytes(
    layout: str, engine: Engine, ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file, signed media included: C2PA's label, instance id and salts are derived
    from the export, the file and the deployment's key, not drawn at random."""
    if layout == "zoom":
        base = tmp_path / "zoom"
        (base / "export").mkdir(parents=True)
        (base / "export" / "GMT20240301-100000_Recording.transcript.vtt").write_text(TRANSCRIPT)
        write_m4a(base / "export" / "audio1234567890.m4a", 30)
        write_m4a(base / "export" / "Audio only - Sheila Example.m4a", 30)
        write_mp4(base / "export" / "GMT20240301-100000_Recording_as_640x360.mp4", 30)
        meeting_id = _meeting(engine, ctx, base)
    else:
        monkeypatch.setattr(parts, "PART_BYTES", parts.HEADER_ROOM + 8 * 32_000)
        meeting_id = _wav_meeting(engine, ctx, tmp_path / "wav")
    first = _export(engine, ctx, meeting_id, tmp_path / "first")
    second = _export(engine, ctx, meeting_id, tmp_path / "second")

    assert (second.export_id, second.replayed) == (first.export_id, True)
    one, two = _files(tmp_path / "first"), _files(tmp_path / "second")
    media = [name for name in one if name.endswith((".m4a", ".mp4", ".wav"))]
    assert len(media) >= 3
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []
    with unit_of_work(engine, readonly=True) as session:
        assert len(session.execute(select(ExportRow)).all()) == 1
        assert audit(session, ctx, tmp_path / "second").violations == []
