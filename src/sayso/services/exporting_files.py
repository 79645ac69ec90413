"""Write one source file of an export: only what the gate allowed, in the format it came in.

Text files keep their allowed cues, messages and turns (private messages never), each
redacted by the redactor of the kind ingest read it as (``TEXT_REDACTORS``). Media are
redacted by time: a per-participant track keeps only the spans the gate allowed for
its owner; a mixed track and a speaker view lose every span where a withheld (or an
unknown) person speaks. A gallery view or a shared screen is exported only when the
gate allowed the whole file. A file with no redactor is not exported at all (its
items are left out with the reason ``no_redactor``): fail closed. Spans are cut at
their position in the file: their time less the file's own start (its track's start,
which ingest took from the Zoom webhook or the manifest where either dates the file).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sayso.ingest.limits import read_text_file
from sayso.ingest.textfile import decode
from sayso.ingest.vtt import parse_cues
from sayso.ingest.zoom_vtt import split_speaker
from sayso.redact import (
    Interval,
    keep_locations,
    keep_only,
    redact_chat,
    redact_video,
    redact_vtt,
    silence_speech,
)
from sayso.redact.docx import redact_docx
from sayso.redact.otter import redact_otter

NO_REDACTOR = "no_redactor"
ORPHANED = "continues_withheld_speech"
# Reasons the export adds when it leaves out more than the gate did: never a violation.
LEFT_OUT_BY_EXPORT = frozenset({NO_REDACTOR, ORPHANED})
Row = dict[str, object]
SPAN = " @ "  # a media item for one span of speech: "track mixed_audio @ cue 12"
WHOLE_FILE_ROLES = (
    "gallery_view",
    "shared_screen",
    "shared_screen_with_speaker_view",
    "shared_screen_with_gallery_view",
    "file",
)
# Which kind of content a media role's speech spans are decided for.
SPAN_MODALITY = {"participant_audio": "audio", "mixed_audio": "audio", "speaker_view": "video"}


def redact_source(
    src: Path, dst: Path, rows: Sequence[Row], kind: str | None = None
) -> set[str] | None:
    """Write the redacted copy and return the locations it left out beyond the gate's
    decisions; None when this kind of file cannot be redacted (nothing written).
    ``kind`` is the text kind ingest read the file as (``zoom_chat`` …); None for media."""
    if kind is not None:
        redactor = TEXT_REDACTORS.get(kind)
        if redactor is None:
            return None
        return redactor(src, dst, rows, {str(r["location"]) for r in rows if r["allowed"]})
    tracks = [r for r in rows if SPAN not in str(r["location"])]
    if len(tracks) != 1:
        return None
    spans = [r for r in rows if SPAN in str(r["location"])]
    return set() if _redact_media(src, dst, tracks[0], spans) else None


def _vtt(src: Path, dst: Path, rows: Sequence[Row], allowed: set[str]) -> set[str]:
    text = decode(read_text_file(src, src.name), src.name)
    dst.write_text(redact_vtt(text, src.name, keep_locations(allowed)), "utf-8")
    return set()


def _zoom_transcript(src: Path, dst: Path, rows: Sequence[Row], allowed: set[str]) -> set[str]:
    text = decode(read_text_file(src, src.name), src.name)
    orphans = _orphaned_continuations(text, src.name, rows, allowed)
    dst.write_text(redact_vtt(text, src.name, keep_locations(allowed - orphans)), "utf-8")
    return orphans


def _chat(src: Path, dst: Path, rows: Sequence[Row], allowed: set[str]) -> set[str]:
    text = decode(read_text_file(src, src.name), src.name)
    dst.write_text(redact_chat(text, src.name, allowed).text, "utf-8")
    return set()


def _otter(src: Path, dst: Path, rows: Sequence[Row], allowed: set[str]) -> set[str]:
    text = decode(read_text_file(src, src.name), src.name)
    dst.write_text(redact_otter(text, src.name, allowed), "utf-8")
    return set()


def _docx(src: Path, dst: Path, rows: Sequence[Row], allowed: set[str]) -> set[str]:
    dst.write_bytes(redact_docx(read_text_file(src, src.name), src.name, allowed))
    return set()


TextRedactor = Callable[[Path, Path, Sequence[Row], set[str]], set[str]]
# Every text kind ingest reads has one: each writes the file in the format it came in.
TEXT_REDACTORS: dict[str, TextRedactor] = {
    "zoom_transcript_vtt": _zoom_transcript,
    "zoom_captions_vtt": _vtt,
    "teams_vtt": _vtt,
    "zoom_chat": _chat,
    "otter_txt": _otter,
    "teams_docx": _docx,
}


def _orphaned_continuations(
    text: str, source: str, rows: Sequence[Row], allowed: set[str]
) -> set[str]:
    """Zoom cues without a ``Name:`` prefix continue the previous speaker. Kept after
    their speaker's earlier cue was dropped, they would read as someone else's words:
    such cues are left out too (fail closed)."""
    owner = {str(r["location"]): r["participant_id"] for r in rows}
    orphans: set[str] = set()
    last_kept: object = None
    for cue in parse_cues(text, source):
        here = cue.location
        if here not in allowed:
            continue
        name, _ = split_speaker(" ".join(line for line in cue.lines if line))
        if name is None and owner.get(here) != last_kept:
            orphans.add(here)
            continue
        last_kept = owner.get(here)
    return orphans


def _redact_media(src: Path, dst: Path, track: Row, spans: Sequence[Row]) -> bool:
    role = str(track["location"]).removeprefix("track ")
    origin = track["start"]  # when this file began: a span at ``origin + t`` is at ``t`` in it
    assert isinstance(origin, datetime)
    if role == "participant_audio":
        keep_only(src, dst, _intervals([r for r in spans if r["allowed"]], origin))
        return True
    withheld = _intervals([r for r in spans if not r["allowed"]], origin)
    if role == "mixed_audio":
        silence_speech(src, dst, withheld)
        return True
    if role == "speaker_view":
        redact_video(src, dst, withheld)
        return True
    if track["allowed"] and role in WHOLE_FILE_ROLES:
        shutil.copyfile(src, dst)  # streams; the gate allowed the whole file
        return True
    return False


def _intervals(rows: Sequence[Row], origin: datetime) -> list[Interval]:
    """The spans as positions in a file that began at ``origin``; a span wholly before
    the file (speech in an earlier recording) has nothing in it to cut."""
    out = []
    for r in rows:
        start, end = r["start"], r["end"]
        assert isinstance(start, datetime)
        assert isinstance(end, datetime)
        if end > start and end > origin:
            out.append(Interval(max(start - origin, timedelta(0)), end - origin))
    return out
