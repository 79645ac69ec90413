"""What every parser returns: attributable pieces of meeting content and the media files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

Modality = Literal["transcript", "chat", "reactions", "audio", "video", "screen_share", "files"]
MODALITIES: tuple[Modality, ...] = get_args(Modality)

MediaRole = Literal[
    "speaker_view",
    "gallery_view",
    "shared_screen",
    "shared_screen_with_speaker_view",
    "shared_screen_with_gallery_view",
    "mixed_audio",
    "participant_audio",
    "file",
]
MEDIA_ROLES: tuple[MediaRole, ...] = get_args(MediaRole)


@dataclass(frozen=True)
class Item:
    """One cue, message or reaction, located in its source file.

    ``speaker`` is the display name exactly as the archive wrote it, or None when
    the archive does not say who it was (such content fails closed downstream).
    ``start``/``end`` are offsets from when the archive counts the file from: the file's
    own start where ``Archive.file_starts`` dates it, else the meeting's start.
    """

    modality: Modality
    speaker: str | None
    start: timedelta
    end: timedelta
    source: str
    location: str
    text: str | None = None
    private: bool = False
    recipient: str | None = None
    quote: str | None = None


@dataclass(frozen=True)
class MediaFile:
    """A recording file; ``speaker`` only for per-participant tracks and uploaded files.

    ``start``/``end`` are offsets like an ``Item``'s (a manifest may start a file late);
    ``end`` is None when the archive does not say how long the file is.
    """

    path: str
    modality: Modality
    role: MediaRole
    speaker: str | None = None
    start: timedelta = timedelta(0)
    end: timedelta | None = None
