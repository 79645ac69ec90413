"""Which file of a platform's export folder is what, by name and extension."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from sayso.ingest.errors import BadArchive, safe_path
from sayso.ingest.media import AUDIO_EXTENSIONS, VIDEO_EXTENSIONS, participant_of

Kind = Literal[
    "zoom_transcript_vtt",
    "zoom_captions_vtt",
    "zoom_chat",
    "zoom_webhook",
    "teams_vtt",
    "teams_docx",
    "otter_txt",
    "participant_audio",
    "mixed_audio",
    "video",
]
# Kinds of which an archive may hold only one: two would be the same content twice.
SINGLE: frozenset[Kind] = frozenset(
    {"zoom_transcript_vtt", "zoom_captions_vtt", "zoom_chat", "zoom_webhook", "otter_txt"}
)


@dataclass(frozen=True)
class Found:
    path: str
    kind: Kind


def _media(relative: str) -> Kind | None:
    suffix = PurePosixPath(relative).suffix.lower()
    if participant_of(relative) is not None:
        return "participant_audio"
    if suffix in AUDIO_EXTENSIONS:
        return "mixed_audio"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    return None


def zoom_kind(relative: str) -> Kind | None:
    name = PurePosixPath(relative).name.lower()
    if name.endswith(".transcript.vtt"):
        return "zoom_transcript_vtt"
    if name.endswith(".cc.vtt"):
        return "zoom_captions_vtt"
    if name == "meeting_saved_chat.txt" or name.endswith(("newchat.txt", "_chat.txt")):
        return "zoom_chat"
    if name.endswith(".json") and "recording.completed" in name:
        return "zoom_webhook"
    return _media(relative)


def teams_kind(relative: str) -> Kind | None:
    suffix = PurePosixPath(relative).suffix.lower()
    if suffix == ".vtt":
        return "teams_vtt"
    if suffix == ".docx":
        return "teams_docx"
    return _media(relative)


def otter_kind(relative: str) -> Kind | None:
    if PurePosixPath(relative).suffix.lower() in {".txt", ".md"}:
        return "otter_txt"
    return _media(relative)


def sort_files(
    relatives: list[str], fmt: Literal["zoom", "teams", "otter"]
) -> tuple[list[Found], list[str]]:
    """The files a reader will parse, and the ones it leaves alone; duplicates refused."""
    kind_of = {"zoom": zoom_kind, "teams": teams_kind, "otter": otter_kind}[fmt]
    found: list[Found] = []
    ignored: list[str] = []
    for relative in relatives:
        kind = kind_of(relative)
        if kind is None:
            ignored.append(relative)
        else:
            found.append(Found(relative, kind))
    _refuse_duplicates(found, fmt)
    return found, ignored


def _refuse_duplicates(found: list[Found], fmt: str) -> None:
    transcripts = {"teams_vtt", "teams_docx"} if fmt == "teams" else set()
    seen: dict[str, str] = {}
    for entry in found:
        group = "teams_transcript" if entry.kind in transcripts else entry.kind
        if group in SINGLE or group == "teams_transcript":
            if group in seen:
                raise BadArchive(
                    entry.path,
                    "path",
                    f"a second {group.replace('_', ' ')} file in one archive",
                    f"keep one of it and '{safe_path(seen[group])}' (duplicate content)",
                )
            seen[group] = entry.path
