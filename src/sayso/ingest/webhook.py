"""Zoom's ``recording.completed`` webhook body: which recording files exist, and of what type.

Only the fields Sayso needs are read; tokens, passwords and URLs are ignored (and
never copied anywhere). Per-participant audio files are named ``Audio only - NAME``:
that display name becomes the file's speaker. Every time must be ISO 8601 with its
zone (Zoom writes UTC, ``2024-03-01T10:05:00Z``): each file's ``recording_start`` is
where ingest places it in time (``zoom_times``), so a malformed one is refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import MediaRole, Modality
from sayso.ingest.jsonfile import load_model

_FIX = "pass the JSON body of Zoom's recording.completed event unchanged"
PARTICIPANT_PREFIX = "Audio only - "

# recording_type -> (modality, role) for media; None for text files and extras.
RECORDING_TYPES: dict[str, tuple[Modality, MediaRole] | None] = {
    "audio_only": ("audio", "mixed_audio"),
    "shared_screen_with_speaker_view": ("video", "shared_screen_with_speaker_view"),
    "shared_screen_with_speaker_view(CC)": ("video", "shared_screen_with_speaker_view"),
    "shared_screen_with_gallery_view": ("video", "shared_screen_with_gallery_view"),
    "active_speaker": ("video", "speaker_view"),
    "speaker_view": ("video", "speaker_view"),
    "gallery_view": ("video", "gallery_view"),
    "shared_screen": ("screen_share", "shared_screen"),
    "host_video": ("video", "gallery_view"),
    "chat_file": None,
    "audio_transcript": None,
    "closed_caption": None,
    "timeline": None,
    "poll": None,
    "thumbnail": None,
}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _File(_Loose):
    id: str | None = None
    recording_start: object = None  # checked by _moment, for a message that names the file
    recording_end: object = None
    file_type: str | None = None
    file_extension: str | None = None
    recording_type: str | None = None
    file_name: str | None = None


class _Object(_Loose):
    uuid: str | None = None
    start_time: object
    duration: int | None = Field(None, ge=0)
    timezone: str | None = None
    recording_files: list[_File]
    participant_audio_files: list[_File] = Field(default_factory=list)


class _Payload(_Loose):
    object: _Object


class _Event(_Loose):
    event: Literal["recording.completed"]
    payload: _Payload


@dataclass(frozen=True)
class RecordingFile:
    """One file Zoom says the recording has. ``kind`` is ``participant_audio`` for
    per-participant tracks, else Zoom's ``recording_type`` (``unknown`` if missing).
    ``start``/``end`` are UTC; ``entry`` is where the webhook lists it (a JSON path)."""

    file_id: str | None
    kind: str
    extension: str | None
    start: datetime | None
    end: datetime | None
    speaker: str | None = None
    file_type: str | None = None
    file_name: str | None = None
    entry: str = "$"

    @property
    def media(self) -> tuple[Modality, MediaRole] | None:
        if self.kind == "participant_audio":
            return ("audio", "participant_audio")
        return RECORDING_TYPES.get(self.kind)

    @property
    def described(self) -> str:
        """What the entry is, for a message (never the participant's name)."""
        if self.kind == "participant_audio":
            return "a participant's audio file"
        return f"the {self.file_type or self.extension or 'unknown'} {self.kind} file"


@dataclass(frozen=True)
class Recording:
    """``start_time`` is the meeting's start (UTC); ``duration`` its length in whole
    minutes as Zoom counts it (None when not given; Zoom sometimes sends 0)."""

    meeting_uuid: str | None
    start_time: datetime
    timezone: str | None
    files: tuple[RecordingFile, ...]
    duration: int | None = None


def _moment(value: object, source: str, where: str, what: str) -> datetime | None:
    """An ISO 8601 date and time with its zone, as UTC; a local time without a zone would
    place the file hours off, so it is refused like any other malformed value."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadArchive(
            source,
            where,
            f"{what} is not a date and time with a time zone",
            f"{_FIX} (Zoom writes UTC times such as 2024-03-01T10:05:00Z)",
        )
    return moment.astimezone(UTC)


def _file(raw: _File, entry: str, source: str, participant: bool) -> RecordingFile:
    kind = "participant_audio" if participant else raw.recording_type or "unknown"
    speaker = None
    if participant:
        speaker = (raw.file_name or "").removeprefix(PARTICIPANT_PREFIX).strip() or None
    file = RecordingFile(
        raw.id,
        kind,
        (raw.file_extension or "").lower() or None,
        None,
        None,
        speaker,
        (raw.file_type or "").upper() or None,
        raw.file_name,
        entry,
    )
    what = f"the recording_start of {file.described}"
    start = _moment(raw.recording_start, source, f"{entry}.recording_start", what)
    what = f"the recording_end of {file.described}"
    end = _moment(raw.recording_end, source, f"{entry}.recording_end", what)
    if start is not None and end is not None and end < start:
        raise BadArchive(
            source,
            f"{entry}.recording_end",
            f"{file.described} ends before it starts",
            _FIX,
        )
    return replace(file, start=start, end=end)


def parse_recording_completed(data: bytes, source: str) -> Recording:
    event = load_model(data, source, _Event, _FIX)
    body = event.payload.object
    where = "$.payload.object"
    start = _moment(body.start_time, source, f"{where}.start_time", "the meeting's start_time")
    if start is None:
        raise BadArchive(source, f"{where}.start_time", "the meeting's start_time is null", _FIX)
    files = [
        _file(f, f"{where}.recording_files[{n}]", source, participant=False)
        for n, f in enumerate(body.recording_files)
    ]
    files += [
        _file(f, f"{where}.participant_audio_files[{n}]", source, participant=True)
        for n, f in enumerate(body.participant_audio_files)
    ]
    return Recording(body.uuid, start, body.timezone, tuple(files), body.duration)
