"""Each Zoom file is placed at its own recording's start, or the folder is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sayso.ingest.archive import read_archive
from sayso.ingest.errors import BadArchive
from sayso.ingest.segments import to_table

from .conftest import make_audio

HOOK = "recording.completed.json"
FIRST = "2024-03-01T10:00:00Z"
LATE = "2024-03-01T10:05:00Z"  # the host stopped recording and started it again
TRANSCRIPT = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
Ann Lee: hello

2
00:00:05.000 --> 00:00:08.000
Bob Chan: hi
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _entry(
    file_type: str, recording_type: str | None, start: Any, seconds: int = 10, **extra: Any
) -> dict[str, Any]:
    end = _at(start) + timedelta(seconds=seconds) if isinstance(start, str) else None
    entry = {
        "id": f"{file_type}-{recording_type}-{start}",
        "recording_start": start,
        "recording_end": end.strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
        "file_type": file_type,
        "file_extension": file_type,
        "download_url": "https://example.invalid/rec/download/x",
        **extra,
    }
    if recording_type is not None:
        entry["recording_type"] = recording_type
    return entry


def _folder(
    root: Path,
    files: list[dict[str, Any]],
    participants: list[dict[str, Any]] | None = None,
    *,
    duration: int = 30,
) -> Path:
    body = {
        "event": "recording.completed",
        "payload": {
            "object": {
                "uuid": "abc==",
                "start_time": FIRST,
                "timezone": "Europe/Paris",
                "duration": duration,
                "recording_files": files,
                "participant_audio_files": participants or [],
            }
        },
    }
    root.mkdir(exist_ok=True)
    (root / HOOK).write_text(json.dumps(body))
    return root


def test_each_file_is_dated_by_its_own_recording(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "zoom",
        [
            _entry("M4A", "audio_only", FIRST),
            _entry("M4A", "audio_only", LATE),
            _entry("TRANSCRIPT", "audio_transcript", LATE),
        ],
        [_entry("M4A", None, LATE, file_name="Audio only - Ann Lee")],
    )
    make_audio(root / "GMT20240301-100000_Recording.m4a", seconds=10)
    make_audio(root / "GMT20240301-100500_Recording.m4a", seconds=10)
    make_audio(root / "Audio only - Ann Lee.m4a", seconds=10)
    (root / "GMT20240301-100500_Recording.transcript.vtt").write_text(TRANSCRIPT)
    archive = read_archive("zoom", root)
    assert archive.file_starts == {
        "GMT20240301-100000_Recording.m4a": _at(FIRST),
        "GMT20240301-100500_Recording.m4a": _at(LATE),
        "Audio only - Ann Lee.m4a": _at(LATE),
        "GMT20240301-100500_Recording.transcript.vtt": _at(LATE),
    }
    # Offsets stay positions in the file: that is what redaction cuts by.
    assert archive.items[0].start == timedelta(seconds=1)
    meeting_start = _at(FIRST) - timedelta(minutes=3)  # as scheduled in Sayso
    table = to_table(
        archive.items, archive.media, "m-1", meeting_start, {}, archive.file_starts
    ).to_pylist()
    cue = next(r for r in table if r["location"] == "cue 1")
    assert cue["start"] == _at(LATE) + timedelta(seconds=1)
    late_track = next(r for r in table if r["source"] == "GMT20240301-100500_Recording.m4a")
    assert late_track["start"] == _at(LATE)


def test_a_kind_the_webhook_does_not_list_belongs_to_its_only_recording(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", LATE)])
    make_audio(root / "audio.m4a", seconds=10)
    (root / "x.transcript.vtt").write_text(TRANSCRIPT)  # Zoom sends it in a later event
    archive = read_archive("zoom", root)
    assert archive.file_starts == {"audio.m4a": _at(LATE), "x.transcript.vtt": _at(LATE)}


def test_among_several_recordings_the_download_name_says_which(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "zoom",
        [_entry("M4A", "audio_only", FIRST), _entry("M4A", "audio_only", LATE)],
    )
    (root / "x.transcript.vtt").write_text(TRANSCRIPT)
    with pytest.raises(BadArchive, match=r"^x.transcript.vtt, recording time .*10:00:00, 10:05:00"):
        read_archive("zoom", root)
    (root / "x.transcript.vtt").rename(root / "GMT20240301-100500_Recording.transcript.vtt")
    make_audio(root / "audio.m4a", seconds=10)
    with pytest.raises(BadArchive, match=r"^audio.m4a, .*does not say which one") as caught:
        read_archive("zoom", root)
    assert "GMTYYYYMMDD-HHMMSS" in str(caught.value)  # what to do about it
    (root / "audio.m4a").rename(root / "GMT20240301-100000_Recording.m4a")
    assert read_archive("zoom", root).file_starts == {
        "GMT20240301-100000_Recording.m4a": _at(FIRST),
        "GMT20240301-100500_Recording.transcript.vtt": _at(LATE),
    }


def test_a_webhook_that_dates_no_file_changes_nothing(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", None)])
    (root / "x.transcript.vtt").write_text(TRANSCRIPT)
    archive = read_archive("zoom", root)
    assert archive.file_starts == {}
    assert len(archive.items) == 2


@pytest.mark.parametrize(
    "value", ["2024-03-01T10:05:00", "2024-03-01 10:05", "yesterday", "2024-13-01T10:00:00Z", 17]
)
def test_a_malformed_recording_start_names_the_file_and_the_field(
    tmp_path: Path, value: object
) -> None:
    root = _folder(
        tmp_path / "zoom", [_entry("M4A", "audio_only", FIRST), _entry("MP4", "gallery_view", LATE)]
    )
    hook = json.loads((root / HOOK).read_text())
    hook["payload"]["object"]["recording_files"][1]["recording_start"] = value
    (root / HOOK).write_text(json.dumps(hook))
    with pytest.raises(BadArchive) as caught:
        read_archive("zoom", root)
    assert str(caught.value).startswith(
        f"{HOOK}, $.payload.object.recording_files[1].recording_start: the recording_start of "
        "the MP4 gallery_view file is not a date and time with a time zone."
    )
    assert "2024-03-01T10:05:00Z" in str(caught.value)  # the form Zoom writes


def test_a_participant_track_with_a_bad_time_is_named_without_the_person(tmp_path: Path) -> None:
    bad = _entry("M4A", None, FIRST, file_name="Audio only - Ann Lee")
    bad["recording_end"] = "soon"
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", FIRST)], [bad])
    with pytest.raises(BadArchive, match=r"participant_audio_files\[0\].recording_end") as caught:
        read_archive("zoom", root)
    assert "a participant's audio file" in str(caught.value)
    assert "Ann" not in str(caught.value)


def test_a_recording_that_ends_before_it_starts_or_a_null_meeting_start(tmp_path: Path) -> None:
    entry = _entry("M4A", "audio_only", LATE)
    entry["recording_end"] = FIRST
    root = _folder(tmp_path / "zoom", [entry])
    with pytest.raises(BadArchive, match=r"recording_files\[0\].recording_end: .*ends before"):
        read_archive("zoom", root)
    hook = json.loads((root / HOOK).read_text())
    hook["payload"]["object"]["start_time"] = None
    (root / HOOK).write_text(json.dumps(hook))
    with pytest.raises(BadArchive, match=r"object.start_time: the meeting's start_time is null"):
        read_archive("zoom", root)


def test_a_file_that_began_before_the_meeting_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", "2024-03-01T09:59:00Z")])
    make_audio(root / "audio.m4a", seconds=10)
    with pytest.raises(BadArchive) as caught:
        read_archive("zoom", root)
    assert str(caught.value) == (
        f"audio.m4a, {HOOK} $.payload.object.recording_files[0].recording_start: the file "
        "began at 2024-03-01 09:59:00 UTC, before the meeting began (2024-03-01 10:00:00 UTC, "
        "the webhook's start_time). use the recording.completed body of this meeting, unchanged"
    )


def test_a_file_that_began_after_the_meeting_ended_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", LATE)], duration=3)
    make_audio(root / "audio.m4a", seconds=10)
    with pytest.raises(BadArchive, match=r"after the meeting ended .*duration of 3 min"):
        read_archive("zoom", root)
    # Zoom sometimes sends a duration of 0: then the end is not known, and not checked.
    _folder(root, [_entry("M4A", "audio_only", LATE)], duration=0)
    assert read_archive("zoom", root).file_starts == {"audio.m4a": _at(LATE)}


def test_a_file_shorter_or_longer_than_its_recording_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("M4A", "audio_only", LATE, seconds=60)])
    make_audio(root / "audio.m4a", seconds=10)
    with pytest.raises(BadArchive, match=r"^audio.m4a, length: the file runs 10 s but its rec"):
        read_archive("zoom", root)
    _folder(root, [_entry("M4A", "audio_only", LATE, seconds=4)])
    with pytest.raises(BadArchive, match=r"^audio.m4a, length: .*longer than the 4 s"):
        read_archive("zoom", root)


def test_a_cue_after_its_recording_ended_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "zoom", [_entry("TRANSCRIPT", "audio_transcript", LATE, seconds=4)])
    (root / "x.transcript.vtt").write_text(TRANSCRIPT)
    with pytest.raises(BadArchive, match=r"^x.transcript.vtt, cue 2: ends after the recording"):
        read_archive("zoom", root)
