"""Zoom's ``recording.completed`` webhook body: which recording files exist, and of what type.

Only the fields Sayso needs are read; tokens, passwords and URLs are ignored (and
never copied anywhere). Per-participant audio files are named ``Audio only - NAME``:
that display name becomes the file's speaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    recording_start: datetime | None = None
    recording_end: datetime | None = None
    file_type: str | None = None
    file_extension: str | None = None
    recording_type: str | None = None
    file_name: str | None = None


class _Object(_Loose):
    uuid: str | None = None
    start_time: datetime
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
    per-participant tracks, else Zoom's ``recording_type`` (``unknown`` if missing)."""

    file_id: str | None
    kind: str
    extension: str | None
    start: datetime | None
    end: datetime | None
    speaker: str | None = None

    @property
    def media(self) -> tuple[Modality, MediaRole] | None:
        if self.kind == "participant_audio":
            return ("audio", "participant_audio")
        return RECORDING_TYPES.get(self.kind)


@dataclass(frozen=True)
class Recording:
    meeting_uuid: str | None
    start_time: datetime
    timezone: str | None
    files: tuple[RecordingFile, ...]


def _participant(file: _File) -> RecordingFile:
    name = (file.file_name or "").removeprefix(PARTICIPANT_PREFIX).strip() or None
    ext = (file.file_extension or "").lower() or None
    return RecordingFile(
        file.id, "participant_audio", ext, file.recording_start, file.recording_end, name
    )


def _shared(file: _File) -> RecordingFile:
    ext = (file.file_extension or "").lower() or None
    kind = file.recording_type or "unknown"
    return RecordingFile(file.id, kind, ext, file.recording_start, file.recording_end)


def parse_recording_completed(data: bytes, source: str) -> Recording:
    event = load_model(data, source, _Event, _FIX)
    body = event.payload.object
    files = [_shared(f) for f in body.recording_files]
    files += [_participant(f) for f in body.participant_audio_files]
    return Recording(body.uuid, body.start_time, body.timezone, tuple(files))
