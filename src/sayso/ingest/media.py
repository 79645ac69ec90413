"""Recording files: which view or track a file is, from its name, and how long it runs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path, PurePosixPath

import av

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import MediaRole

AUDIO_EXTENSIONS = frozenset({".m4a", ".mp3", ".wav", ".aac", ".ogg", ".opus", ".flac"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".webm", ".mkv"})
PARTICIPANT_AUDIO = re.compile(r"(?i)audio only - (?P<name>.+)")
LOCAL_PARTICIPANT_AUDIO = re.compile(r"(?i)audio(?P<name>.+?)\d+")

# Most specific first; a video whose view cannot be told is treated as a gallery view,
# the strictest rule (kept only when everyone present allowed it).
_VIDEO_ROLES: tuple[tuple[re.Pattern[str], MediaRole], ...] = (
    (re.compile(r"shared_screen_with_speaker|_avo_"), "shared_screen_with_speaker_view"),
    (re.compile(r"shared_screen_with_gallery|_gvo_"), "shared_screen_with_gallery_view"),
    (re.compile(r"gallery"), "gallery_view"),
    (re.compile(r"active_speaker|speaker_view|_as_"), "speaker_view"),
    (re.compile(r"shared_screen|_ss_|screen_share"), "shared_screen"),
)


def video_role(relative: str) -> MediaRole:
    name = PurePosixPath(relative).name.lower()
    for pattern, role in _VIDEO_ROLES:
        if pattern.search(name):
            return role
    return "gallery_view"


def participant_of(relative: str) -> str | None:
    """The display name in a per-participant audio file name (Zoom cloud or local)."""
    pure = PurePosixPath(relative)
    if pure.suffix.lower() not in AUDIO_EXTENSIONS:
        return None
    match = PARTICIPANT_AUDIO.fullmatch(pure.stem)
    if match is not None:
        return match.group("name").strip() or None
    local = LOCAL_PARTICIPANT_AUDIO.fullmatch(pure.stem)
    if pure.parent.name.lower() == "audio record" and local is not None:
        return local.group("name")
    return None


def probe_duration(path: Path, source: str) -> timedelta | None:
    """The container's duration (headers only; nothing is decoded), None if it has none."""
    try:
        with av.open(str(path)) as container:
            duration = container.duration
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        raise BadArchive(
            source, "byte 0", "not a readable media file", "download the recording again"
        ) from None
    if duration is None:
        return None
    return timedelta(microseconds=duration * 1_000_000 // av.time_base)
