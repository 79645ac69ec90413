"""Reading a whole export folder: every file parsed, or a BadArchive and nothing at all.

The reader only reads: sources are opened read-only, symbolic links anywhere in the
folder are refused, and the result is built only after every file parsed. Offsets of
items and media are positions in their own file; ``Archive.file_starts`` says when a
file began where a Zoom webhook dates it (``zoom_times``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item, MediaFile
from sayso.ingest.layouts import Found, otter_kind, sort_files, teams_kind, zoom_kind
from sayso.ingest.limits import read_text_file
from sayso.ingest.manifest import MANIFEST_NAME, TEXT_KINDS, ManifestFile, load_manifest
from sayso.ingest.media import participant_of, probe_duration, video_role
from sayso.ingest.otter import parse_otter
from sayso.ingest.paths import inside, list_files
from sayso.ingest.teams import parse_teams_docx, parse_teams_vtt
from sayso.ingest.textfile import decode
from sayso.ingest.webhook import Recording, RecordingFile, parse_recording_completed
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.ingest.zoom_times import FileTime, check_lengths, date_files
from sayso.ingest.zoom_vtt import parse_zoom_captions, parse_zoom_transcript

ArchiveFormat = Literal["zoom", "teams", "otter", "manifest"]
_LOCAL_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2} (\d{2})\.(\d{2})\.(\d{2})")


@dataclass(frozen=True)
class Archive:
    """What an export folder holds: parsed items, media files, and what was not read."""

    fmt: ArchiveFormat
    root: Path
    items: tuple[Item, ...]
    media: tuple[MediaFile, ...]
    recordings: tuple[RecordingFile, ...] = ()  # from a Zoom webhook body, if present
    ignored: tuple[str, ...] = ()
    # When each file the webhook dates began (UTC); every other file, and every item
    # and media offset, counts from the meeting's start.
    file_starts: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class _Context:
    root: Path
    chat_started_at: time | None
    transcript: tuple[Item, ...] = ()


def _parse_text(kind: str, relative: str, context: _Context) -> list[Item]:
    data = read_text_file(inside(context.root, relative, relative), relative)
    if kind == "teams_docx":
        return parse_teams_docx(data, relative)
    text = decode(data, relative)
    if kind == "zoom_transcript_vtt":
        return parse_zoom_transcript(text, relative)
    if kind == "zoom_captions_vtt":
        return parse_zoom_captions(text, relative, context.transcript)
    if kind == "zoom_chat":
        return parse_zoom_chat(text, relative, context.chat_started_at)
    if kind == "teams_vtt":
        return parse_teams_vtt(text, relative)
    if kind == "otter_txt":
        return parse_otter(text, relative)
    raise AssertionError(f"not a text kind: {kind}")


def _parse_all(kinds: Sequence[tuple[str, str]], context: _Context) -> list[Item]:
    """Transcripts first, so that closed captions can borrow their speakers."""
    order = sorted(kinds, key=lambda pair: pair[0] == "zoom_captions_vtt")
    items: list[Item] = []
    for kind, relative in order:
        if kind == "zoom_captions_vtt":
            context = replace(context, transcript=tuple(items))
        items.extend(_parse_text(kind, relative, context))
    return items


def _media_file(found: Found, root: Path) -> MediaFile:
    path = inside(root, found.path, found.path)
    end = probe_duration(path, found.path)
    if found.kind == "participant_audio":
        speaker = participant_of(found.path)
        return MediaFile(found.path, "audio", "participant_audio", speaker, timedelta(0), end)
    if found.kind == "mixed_audio":
        return MediaFile(found.path, "audio", "mixed_audio", None, timedelta(0), end)
    role = video_role(found.path)
    if role == "shared_screen":
        return MediaFile(found.path, "screen_share", role, None, timedelta(0), end)
    return MediaFile(found.path, "video", role, None, timedelta(0), end)


def _local(moment: datetime, recording: Recording) -> time:
    """``moment`` on the host's clock (the webhook's time zone; UTC if it names none)."""
    try:
        zone = ZoneInfo(recording.timezone) if recording.timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    return (moment.astimezone(zone) if zone else moment).time()


def _local_start(recording: Recording) -> time:
    starts = [f.start for f in recording.files if f.start is not None]
    return _local(min(starts, default=recording.start_time), recording)


def _folder_start(root: Path) -> time | None:
    for part in reversed(root.resolve().parts):
        match = _LOCAL_FOLDER.match(part)
        if match is not None:
            hour, minute, second = (int(g) for g in match.groups())
            return time(hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None
    return None


def _chat_start(found: list[Found], recording: Recording, times: dict[str, FileTime]) -> time:
    """The local start of the chat's own recording when the webhook dates the chat file,
    else of the first recording (its wall-clock times count from there)."""
    chat = next((times[f.path] for f in found if f.kind == "zoom_chat" and f.path in times), None)
    return _local(chat.start, recording) if chat is not None else _local_start(recording)


def _read_platform(fmt: Literal["zoom", "teams", "otter"], root: Path, at: time | None) -> Archive:
    found, ignored = sort_files(list_files(root), fmt)
    webhook = next((f for f in found if f.kind == "zoom_webhook"), None)
    recording = None
    times: dict[str, FileTime] = {}
    if webhook is not None:
        data = read_text_file(inside(root, webhook.path, webhook.path), webhook.path)
        recording = parse_recording_completed(data, webhook.path)
        times = date_files(found, recording, webhook.path)
    if at is None:
        at = _chat_start(found, recording, times) if recording else _folder_start(root)
    media_kinds = {"participant_audio", "mixed_audio", "video"}
    texts = [(f.kind, f.path) for f in found if f.kind not in media_kinds | {"zoom_webhook"}]
    items = _parse_all(texts, _Context(root, at))
    media = [_media_file(f, root) for f in found if f.kind in media_kinds]
    check_lengths(times, items, media)
    files = recording.files if recording is not None else ()
    starts = {path: time.start for path, time in times.items()}
    return Archive(fmt, root, tuple(items), tuple(media), files, tuple(ignored), starts)


def _shifted(items: list[Item], seconds: float) -> list[Item]:
    shift = timedelta(seconds=seconds)
    return [replace(i, start=i.start + shift, end=i.end + shift) for i in items]


def _manifest_media(entry: ManifestFile, root: Path) -> MediaFile:
    path = inside(root, entry.path, MANIFEST_NAME)
    start = timedelta(seconds=entry.start)
    if entry.kind == "file":
        end: timedelta | None = timedelta(seconds=entry.end) if entry.end is not None else start
        return MediaFile(entry.path, "files", "file", entry.speaker, start, end)
    assert entry.modality is not None  # the schema requires both for media
    assert entry.role is not None
    if entry.end is not None:
        end = timedelta(seconds=entry.end)
    else:
        duration = probe_duration(path, entry.path)
        end = start + duration if duration is not None else None
    return MediaFile(entry.path, entry.modality, entry.role, entry.speaker, start, end)


def _manifest_bytes(root: Path) -> bytes:
    return read_text_file(inside(root, MANIFEST_NAME, MANIFEST_NAME), MANIFEST_NAME)


def _read_manifest(root: Path) -> Archive:
    files = list_files(root)
    if MANIFEST_NAME not in files:
        raise BadArchive(MANIFEST_NAME, "path", "no manifest in the folder", "add one")
    manifest = load_manifest(_manifest_bytes(root))
    items: list[Item] = []
    media: list[MediaFile] = []
    for entry in manifest.files:
        if entry.kind in ("media", "file"):
            media.append(_manifest_media(entry, root))
            continue
        inside(root, entry.path, MANIFEST_NAME)
        context = _Context(root, entry.chat_started_at, tuple(items))
        items.extend(_shifted(_parse_text(entry.kind, entry.path, context), entry.start))
    listed = {MANIFEST_NAME} | {entry.path for entry in manifest.files}
    ignored = tuple(f for f in files if f not in listed)
    return Archive("manifest", root, tuple(items), tuple(media), (), ignored)


def read_archive(fmt: ArchiveFormat, root: Path, *, chat_started_at: time | None = None) -> Archive:
    """Parse the export folder ``root`` of platform ``fmt``.

    ``chat_started_at`` is the recording's local start time, needed for chat files
    with wall-clock times; for Zoom it is otherwise taken from a ``recording.completed``
    body in the folder (the start of the chat file's own recording where the body
    dates it), or from a local recording folder name ``YYYY-MM-DD HH.MM.SS …``.
    """
    if fmt == "manifest":
        return _read_manifest(root)
    return _read_platform(fmt, root, chat_started_at)


def text_kind(fmt: str, root: Path, relative: str) -> str | None:
    """The text kind ingest read ``relative`` as (``zoom_chat``, ``teams_docx`` …), taken
    from the file's name or, in a manifest folder, from its entry; None for anything else."""
    if fmt == "manifest":
        manifest = load_manifest(_manifest_bytes(root))
        kind: str | None = next((f.kind for f in manifest.files if f.path == relative), None)
    else:
        kind_of = {"zoom": zoom_kind, "teams": teams_kind, "otter": otter_kind}.get(fmt)
        kind = kind_of(relative) if kind_of is not None else None
    return kind if kind in TEXT_KINDS else None
