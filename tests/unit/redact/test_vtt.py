"""Transcripts: withheld cues are gone, the rest is untouched and still valid WebVTT."""

from __future__ import annotations

from pathlib import Path

import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.teams import parse_teams_vtt
from sayso.ingest.textfile import decode
from sayso.ingest.vtt import parse_cues
from sayso.ingest.zoom_vtt import parse_zoom_transcript
from sayso.redact import keep_locations, redact_vtt

REALWORLD = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "realworld"

ZOOM = (
    "WEBVTT\r\n\r\n"
    "1\r\n00:00:01.000 --> 00:00:02.500\r\nAnn Lee: hello there\r\n\r\n"
    "NOTE a note can hold anything, even names\r\n\r\n"
    "2\r\n00:00:02.500 --> 00:00:04.000\r\nBob Chan: my secret plan\r\n\r\n"
    "3\r\n00:00:04.000 --> 00:00:05.000\r\nand the rest of it\r\n\r\n"
    "4\r\n00:00:05.000 --> 00:00:06.000 align:start\r\nAnn Lee: thanks Bob\r\n"
)
TEAMS = (
    "WEBVTT\n\n"
    "a1b2-1\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>hello</v>\n\n"
    "a1b2-2\n00:00:02.000 --> 00:00:03.000\n<v Bob Chan>secret words\nover two lines</v>\n\n"
    "a1b2-3\n00:00:03.000 --> 00:00:04.000\n<v Ann Lee>bye</v>\n"
)


def test_zoom_cues_of_a_withheld_speaker_are_dropped_and_renumbered() -> None:
    items = parse_zoom_transcript(ZOOM, "t.vtt")
    allowed = {i.location for i in items if i.speaker == "Ann Lee"}
    out = redact_vtt(ZOOM, "t.vtt", keep_locations(allowed))
    assert "secret" not in out
    assert "rest of it" not in out  # a cue without a prefix continues its speaker
    assert "NOTE" not in out
    assert out == (
        "WEBVTT\r\n\r\n"
        "1\r\n00:00:01.000 --> 00:00:02.500\r\nAnn Lee: hello there\r\n\r\n"
        "2\r\n00:00:05.000 --> 00:00:06.000 align:start\r\nAnn Lee: thanks Bob\r\n"
    )
    assert [(c.start, c.end) for c in parse_cues(out, "t.vtt")] == [
        (i.start, i.end) for i in items if i.location in allowed
    ]


def test_teams_voice_tags_drop_whole_cues_and_keep_their_ids() -> None:
    items = parse_teams_vtt(TEAMS, "t.vtt")
    allowed = {i.location for i in items if i.speaker != "Bob Chan"}
    out = redact_vtt(TEAMS, "t.vtt", keep_locations(allowed))
    assert "Bob Chan" not in out
    assert "secret" not in out
    assert "over two lines" not in out
    assert "a1b2-1\n" in out
    assert "a1b2-3\n" in out
    assert len(parse_cues(out, "t.vtt")) == 2


def test_nothing_allowed_leaves_a_valid_empty_transcript() -> None:
    out = redact_vtt(ZOOM, "t.vtt", lambda _: False)
    assert out == "WEBVTT\r\n"
    assert parse_cues(out, "t.vtt") == []


def test_real_zoom_transcript_loses_every_cue_of_one_speaker() -> None:
    name = "zse__GMT20240124-202901_Recording.transcript.vtt"
    text = decode((REALWORLD / name).read_bytes(), name)
    items = parse_zoom_transcript(text, name)
    withheld = [i for i in items if i.speaker == "Conor Healy"]
    assert withheld
    kept = {i.location for i in items if i.speaker != "Conor Healy"}
    out = redact_vtt(text, name, keep_locations(kept))
    again = parse_zoom_transcript(out, name)
    assert len(again) == len(kept)
    assert "Conor Healy:" not in out
    assert [i.text for i in again] == [i.text for i in items if i.location in kept]


def test_a_truncated_transcript_is_refused_with_its_line() -> None:
    with pytest.raises(BadArchive, match=r"t\.vtt, line \d+: .*trunc"):
        redact_vtt("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n", "t.vtt", lambda _: True)


def test_not_a_transcript_is_refused() -> None:
    with pytest.raises(BadArchive, match="no WEBVTT header"):
        redact_vtt("hello\n", "t.vtt", lambda _: True)
