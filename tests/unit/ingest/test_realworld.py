"""Every real export in ../shared/fixtures/realworld parses, quirks included."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sayso.ingest.otter import parse_otter
from sayso.ingest.teams import parse_teams_docx
from sayso.ingest.textfile import decode, split_lines
from sayso.ingest.vtt import parse_cues
from sayso.ingest.webhook import parse_recording_completed
from sayso.ingest.zoom_chat import detect_layout, parse_zoom_chat
from sayso.ingest.zoom_vtt import parse_zoom_captions, parse_zoom_transcript, split_speaker

ZSE = "zse__GMT20240124-202901_Recording"


def _text(folder: Path, name: str) -> str:
    return decode((folder / name).read_bytes(), name)


def test_zoom_transcript_has_five_speakers_and_carries_the_speaker_over(realworld: Path) -> None:
    items = parse_zoom_transcript(_text(realworld, f"{ZSE}.transcript.vtt"), "t.vtt")
    assert len(items) == 102
    assert {i.speaker for i in items} == {
        "Srijani Ghosh",
        "Conor Healy",
        "Dr. Melissa Ko",
        "Ryan Sloan",
        "Shreeharsh Kelkar",
    }
    cue48 = next(i for i in items if i.location == "cue 48")
    assert (cue48.text, cue48.speaker) == ("Hmm.", items[46].speaker)
    assert any("90\u00a0min" in (i.text or "") for i in items)
    assert items[0].start == timedelta(milliseconds=50)


def test_zoom_captions_are_attributed_by_overlap_with_the_transcript(realworld: Path) -> None:
    transcript = parse_zoom_transcript(_text(realworld, f"{ZSE}.transcript.vtt"), "t.vtt")
    captions = parse_zoom_captions(_text(realworld, f"{ZSE}.cc.vtt"), "c.vtt", transcript)
    assert len(captions) == 100
    assert captions[0].start == timedelta(seconds=68)
    assert Counter(i.speaker for i in captions).most_common(1) == [("Conor Healy", 77)]
    alone = parse_zoom_captions(_text(realworld, f"{ZSE}.cc.vtt"), "c.vtt")
    assert {i.speaker for i in alone} == {None}


def test_zoom_cloud_chat_is_offsets_with_skin_tone_reactions(realworld: Path) -> None:
    text = _text(realworld, f"{ZSE}newChat.txt")
    assert detect_layout(split_lines(text), "chat") == "cloud"
    items = parse_zoom_chat(text, "chat.txt")
    assert len(items) == 12
    assert Counter(i.modality for i in items) == {"chat": 8, "reactions": 4}
    assert items[0].start == timedelta(minutes=5, seconds=16)
    first_reaction = items[3]
    assert (first_reaction.speaker, first_reaction.text) == ("Dr. Melissa Ko", "👍\U0001f3fb")
    assert first_reaction.quote == "Lots of engagement c..."
    assert not any(i.private for i in items)
    assert "\u2014" in (items[-1].text or "")


def test_cip_transcript_role_suffix_and_nine_prefixless_cues(realworld: Path) -> None:
    text = _text(realworld, "cip__transcript.vtt")
    items = parse_zoom_transcript(text, "cip.vtt")
    assert len(items) == 284
    assert Counter(i.speaker for i in items) == {"Dora Demszky": 190, "Ashlee Kupor (SL)": 94}
    assert items[2].speaker == "Dora Demszky"  # cue 3 has no prefix: carried over
    cues = parse_cues(text, "cip.vtt")
    assert sum(split_speaker(" ".join(c.lines))[0] is None for c in cues) == 9
    assert any("15\u00a0min" in (i.text or "") for i in items)


def test_sasdh_current_layout_with_dms_reactions_and_pronouns(realworld: Path) -> None:
    text = _text(realworld, "sasdh__meeting_saved_chat.txt")
    assert "\r\r\n" in text
    items = parse_zoom_chat(text, "chat.txt", started_at=time(17, 0))
    assert len(items) == 46
    assert Counter(i.modality for i in items) == {"chat": 40, "reactions": 6}
    private = [i for i in items if i.private]
    assert [(i.speaker, i.recipient, i.location) for i in private] == [
        ("Giles Bergel", "Christopher Ohge", "line 45"),
        ("Giles Bergel", "Christopher Ohge", "line 67"),
    ]
    assert "Heather Wolfe (she/her)" in {i.speaker for i in items}
    assert items[0].start == timedelta(minutes=6, seconds=15)
    assert not any("\r" in (i.text or "") or (i.text or "").startswith("\t") for i in items)
    quoted = [i.quote for i in items if i.modality == "reactions"]
    assert '"Head First Git" (Ga...' in quoted


def test_cvkelly_double_space_layout_with_one_private_message(realworld: Path) -> None:
    items = parse_zoom_chat(
        _text(realworld, "cvkelly__meeting_saved_chat.txt"), "chat.txt", time(12, 45)
    )
    assert len(items) == 103
    assert len({i.speaker for i in items}) == 8
    (private,) = [i for i in items if i.private]
    assert (private.speaker, private.recipient) == ("Nora Jones", "Christopher Kelly")
    assert private.start == timedelta(hours=1, minutes=23, seconds=19)
    assert all(i.recipient is None for i in items if not i.private)


def test_fabacademy_single_space_layout_with_bare_cr_and_continuations(realworld: Path) -> None:
    items = parse_zoom_chat(
        _text(realworld, "fabacademy__10-wednesday.txt"), "chat.txt", time(15, 0)
    )
    assert len(items) == 117
    assert len({i.speaker for i in items}) == 51
    names = {i.speaker for i in items}
    assert {"Ísafjörður Iceland Þórarinn BB", "Adrián Torres (Fab Lab León)"} <= names
    assert {"Shreyas Tiwari, Shanghai", "Luc Hanneuse - AgriLab", "Babken"} <= names
    multiline = [i for i in items if "\n" in (i.text or "")]
    assert len(multiline) == 3  # two joined with bare CRs, one continued on a timeless line
    assert sum((i.text or "").count("\n") for i in multiline) == 5
    telnet = next(i for i in items if i.speaker == "decostern" and "Telnet" in (i.text or ""))
    assert (telnet.text or "").endswith("telnet towel.blinkenlights.nl")
    assert not any("\r" in (i.text or "") for i in items)


def test_teams_docx_two_cues_and_no_saved_by_table(realworld: Path) -> None:
    items = parse_teams_docx((realworld / "unstructured__teams_chat.docx").read_bytes(), "t.docx")
    assert [(i.speaker, i.text, i.start, i.end) for i in items] == [
        ("Some Body", "OK. Yeah.", timedelta(0), timedelta(seconds=1.51)),
        ("James Bond", "Umm.", timedelta(seconds=3.27), timedelta(seconds=4.25)),
    ]
    assert all("Dennis" not in (i.speaker or "") + (i.text or "") for i in items)


def test_otter_export_162_turns_with_unknown_speakers(realworld: Path) -> None:
    items = parse_otter(_text(realworld, "ladybug__62-security.md"), "otter.md")
    assert len(items) == 162
    assert Counter(i.speaker for i in items) == {
        None: 81,
        "Emma": 58,
        "Sidney": 19,
        "Kelly": 3,
        "Tailor": 1,
    }
    assert items[1].start == timedelta(seconds=34)
    assert items[0].end == items[1].start
    assert items[-1].start == timedelta(minutes=55, seconds=21)
    assert not any("otter.ai" in (i.text or "") for i in items)


def test_recording_completed_lists_files_and_the_participant_track(realworld: Path) -> None:
    data = (realworld / "zoomdevblog__recording.completed.json").read_bytes()
    recording = parse_recording_completed(data, "hook.json")
    assert recording.timezone == "America/New_York"
    assert [(f.kind, f.extension, f.speaker) for f in recording.files] == [
        ("audio_only", "m4a", None),
        ("shared_screen_with_speaker_view", "mp4", None),
        ("participant_audio", "m4a", "Elisa L"),
    ]
    assert recording.files[2].media == ("audio", "participant_audio")
    assert recording.files[1].media == ("video", "shared_screen_with_speaker_view")
    # Times as UTC: the meeting's start and length, and each file's own recording.
    assert (recording.start_time, recording.duration) == (
        datetime(2023, 12, 1, 20, 1, 56, tzinfo=UTC),
        1,
    )
    assert {(f.start, f.end) for f in recording.files} == {
        (datetime(2023, 12, 1, 20, 2, 5, tzinfo=UTC), datetime(2023, 12, 1, 20, 3, 14, tzinfo=UTC))
    }
    assert recording.files[2].entry == "$.payload.object.participant_audio_files[0]"
