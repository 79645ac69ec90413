"""Bad input gives a BadArchive naming the file and the place, never another exception."""

from __future__ import annotations

import json
from datetime import time

import pytest

from sayso.ingest.errors import BadArchive, safe_path
from sayso.ingest.manifest import load_manifest
from sayso.ingest.otter import parse_otter
from sayso.ingest.teams import parse_teams_vtt
from sayso.ingest.textfile import decode
from sayso.ingest.webhook import parse_recording_completed
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.ingest.zoom_vtt import parse_zoom_transcript

from .conftest import FIXTURES


def test_truncated_vtt_names_the_line() -> None:
    text = (FIXTURES / "truncated.vtt").read_text()
    with pytest.raises(BadArchive, match=r"^truncated.vtt, line 8: timestamp is not") as caught:
        parse_zoom_transcript(text, "truncated.vtt")
    assert caught.value.code == "bad_archive"
    assert "Ann" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", "line 3", "last cue has no text"),
        ("WEBVTT\n\n1\n00:00:01.000 --> 00:99:02.000\nA: b\n", "line 4", "over 59"),
        ("WEBVTT\n\n1\n00:00:05.000 --> 00:00:02.000\nA: b\n", "line 4", "ends before"),
        ("WEBVTT\n\n1\nA: hello\n", "line 3", "without a timing line"),
        ("WEBVTT\n\n1\n00:00:01.000 --> tomorrow\nA: b\n", "line 4", "not H:MM:SS"),
        ("WEBVTT\n\n1\n00:00:01.000 -->\nA: b\n", "line 4", "no end time"),
        ("Ann: hello\n", "line 1", "not a WebVTT file"),
        ("", "line 1", "empty"),
    ],
)
def test_bad_vtt(text: str, where: str, problem: str) -> None:
    with pytest.raises(BadArchive, match=rf"^t\.vtt, {where}: .*{problem}"):
        parse_teams_vtt(text, "t.vtt")


def test_not_utf8_names_the_byte() -> None:
    with pytest.raises(BadArchive, match=r"c.txt, byte 3: not UTF-8"):
        decode(b"abc\xff", "c.txt")


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("Hello everyone\n10:00:00 From A : b\n", "line 1", "unknown chat layout"),
        ("\n\n[10:00] A: b\n", "line 3", "unknown chat layout"),
        ("", "line 1", "empty"),
        ("10:00:00\t From A : b\n25:00:00\t From A : c\n", "line 2", "out of range"),
    ],
)
def test_bad_chat(text: str, where: str, problem: str) -> None:
    with pytest.raises(BadArchive, match=rf"^c\.txt, {where}: .*{problem}"):
        parse_zoom_chat(text, "c.txt", started_at=time(10, 0))


def test_otter_without_headers_or_going_backwards() -> None:
    with pytest.raises(BadArchive, match=r"o.txt, line 1: no 'Name  m:ss'"):
        parse_otter("just some text\n", "o.txt")
    with pytest.raises(BadArchive, match=r"o.txt, line 4: time goes backwards"):
        parse_otter("A  1:00\nx\n\nB  0:30\ny\n", "o.txt")
    with pytest.raises(BadArchive, match=r"o.txt, line 1: time has minutes or seconds"):
        parse_otter("A  1:75\nx\n", "o.txt")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("{not json", "line 1, column 2"),
        ('{"event": "meeting.started", "payload": {}}', "$.event"),
        ('{"event": "recording.completed", "payload": {"object": {}}}', "$.payload.object"),
        ("[]", "$"),
    ],
)
def test_webhook_that_is_not_recording_completed(body: str, where: str) -> None:
    with pytest.raises(BadArchive, match=rf"^hook.json, {where.replace('$', '[$]')}"):
        parse_recording_completed(body.encode(), "hook.json")


@pytest.mark.parametrize(
    ("manifest", "where"),
    [
        ({"platform": "x", "files": [{"path": "a", "kind": "teams_vtt"}]}, "$.sayso_manifest"),
        ({"sayso_manifest": 1, "platform": "x", "files": []}, "$.files"),
        (
            {"sayso_manifest": 1, "platform": "x", "files": [{"path": "a", "kind": "pdf"}]},
            "$.files[0].kind",
        ),
        (
            {"sayso_manifest": 1, "platform": "x", "files": [{"path": "a", "kind": "media"}]},
            "$.files[0]",
        ),
        (
            {
                "sayso_manifest": 1,
                "platform": "x",
                "extra": 1,
                "files": [{"path": "a", "kind": "teams_vtt"}],
            },
            "$.extra",
        ),
        (
            {
                "sayso_manifest": 1,
                "platform": "x",
                "files": [{"path": "a", "kind": "teams_vtt"}, {"path": "a", "kind": "teams_vtt"}],
            },
            "$.files[1].path",
        ),
    ],
)
def test_manifest_that_is_not_the_schema(manifest: object, where: str) -> None:
    escaped = where.replace("$", "[$]").replace("[0]", r"\[0\]").replace("[1]", r"\[1\]")
    with pytest.raises(BadArchive, match=rf"^sayso-manifest.json, {escaped}: "):
        load_manifest(json.dumps(manifest).encode())


def test_participant_names_in_file_names_are_masked() -> None:
    assert safe_path("rec/Audio only - Elisa L.m4a") == "rec/Audio only - ….m4a"
    assert safe_path("Audio Record/audioElisaL11.m4a") == "Audio Record/audio….m4a"
    error = BadArchive("Audio only - Elisa L.m4a", "byte 0", "bad", "fix")
    assert "Elisa" not in str(error)
