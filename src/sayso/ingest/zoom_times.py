"""When each file of a Zoom folder began, from the ``recording.completed`` webhook.

A meeting can hold several recordings (the host stopped recording and started it
again), and Zoom dates each file with its own ``recording_start``: a cue at 00:01:00 of
a file that began five minutes into the meeting was spoken six minutes in. Ingest
places a file's content at that start plus its position in the file (the consent gate
compares that time); the position in the file is what redaction cuts by.

A file is matched to the webhook's entries of its kind (Zoom's ``file_type`` /
``recording_type``; a per-participant track by the name in its ``file_name``), narrowed
by the file name or id the webhook gives, the view of a video, and the
``GMTYYYYMMDD-HHMMSS`` stamp of Zoom's download names. A file of a kind the webhook
does not list belongs to the webhook's recording if it has only one. When the entries
left disagree on the start, or the start is missing or outside the meeting, the file
cannot be placed in time and the archive is refused (fail closed). A webhook that
dates no file at all changes nothing: every file keeps the meeting's start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item, MediaFile
from sayso.ingest.layouts import Found
from sayso.ingest.media import participant_of, video_role
from sayso.ingest.webhook import Recording, RecordingFile

# Zoom dates to the second and counts the meeting's duration in whole minutes; a file
# is allowed this much more or less than the webhook says before it is refused.
SLACK = timedelta(seconds=2)
_STAMP = re.compile(r"GMT(\d{8}-\d{6})")
_TEXT_TYPES = {
    "zoom_transcript_vtt": ("TRANSCRIPT", "audio_transcript"),
    "zoom_captions_vtt": ("CC", "closed_caption"),
    "zoom_chat": ("CHAT", "chat_file"),
}
_PLACE = (
    "keep Zoom's download names (GMTYYYYMMDD-HHMMSS_…, the recording's start) or describe "
    "the folder with a sayso-manifest.json that gives each file's start"
)


@dataclass(frozen=True)
class FileTime:
    """A file's recording as the webhook dates it (UTC); ``entry`` names it for messages."""

    start: datetime
    end: datetime | None
    entry: str


def _of_kind(kind: str, path: str) -> Callable[[RecordingFile], bool] | None:
    """Which webhook entries may describe a file that ingest reads as ``kind``."""
    if kind in _TEXT_TYPES:
        file_type, recording_type = _TEXT_TYPES[kind]
        return lambda f: f.file_type == file_type or f.kind == recording_type
    if kind == "mixed_audio":
        return lambda f: (
            f.media == ("audio", "mixed_audio") or (f.file_type == "M4A" and f.kind == "unknown")
        )
    if kind == "video":
        return lambda f: (
            f.file_type == "MP4"
            or (f.media is not None and f.media[0] in ("video", "screen_share"))
        )
    if kind == "participant_audio":
        name = (participant_of(path) or "").casefold()
        return lambda f: f.kind == "participant_audio" and (f.speaker or "").casefold() == name
    return None


def _narrowed(
    entries: list[RecordingFile], keep: Callable[[RecordingFile], bool]
) -> list[RecordingFile]:
    """The entries ``keep`` picks, or all of them when it picks none."""
    picked = [f for f in entries if keep(f)]
    return picked or entries


def _by_name(path: str, entries: list[RecordingFile]) -> list[RecordingFile]:
    pure = PurePosixPath(path)
    names = {pure.name.casefold(), pure.stem.casefold()}
    lowered = pure.name.casefold()
    entries = _narrowed(entries, lambda f: (f.file_name or "").casefold() in names)
    return _narrowed(
        entries,
        lambda f: f.file_id is not None and len(f.file_id) >= 8 and f.file_id.casefold() in lowered,
    )


def _by_view(kind: str, path: str, entries: list[RecordingFile]) -> list[RecordingFile]:
    if kind != "video":
        return entries
    role = video_role(path)
    return _narrowed(entries, lambda f: f.media is not None and f.media[1] == role)


def _stamp(path: str) -> datetime | None:
    match = _STAMP.search(PurePosixPath(path).name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _starts(entries: Iterable[RecordingFile]) -> list[datetime]:
    return sorted({f.start for f in entries if f.start is not None})


def _one_recording(
    path: str, entries: list[RecordingFile], webhook: str, what: str
) -> list[RecordingFile]:
    """The entries of the one recording this file belongs to, or a refusal."""
    undated = next((f for f in entries if f.start is None), None)
    if undated is not None:
        raise BadArchive(
            path,
            f"recording time ({webhook} {undated.entry})",
            f"the webhook lists {undated.described} like this one without a recording_start",
            "pass the webhook body unchanged, or remove it to place every file at the "
            "meeting's start",
        )
    if len(_starts(entries)) == 1:
        return entries
    stamp = _stamp(path)
    if stamp is not None:
        same = [f for f in entries if f.start and f.start.replace(microsecond=0) == stamp]
        if len(_starts(same)) == 1:
            return same
    times = ", ".join(f"{start:%H:%M:%S}" for start in _starts(entries))
    raise BadArchive(
        path,
        f"recording time ({webhook})",
        f"{what} began at {times} UTC and the file name does not say which one this file is",
        _PLACE,
    )


def _inside_meeting(path: str, time: FileTime, recording: Recording, webhook: str) -> None:
    where = f"{webhook} {time.entry}.recording_start"
    began = f"{recording.start_time:%Y-%m-%d %H:%M:%S} UTC"
    fix = "use the recording.completed body of this meeting, unchanged"
    if time.start < recording.start_time:
        raise BadArchive(
            path,
            where,
            f"the file began at {time.start:%Y-%m-%d %H:%M:%S} UTC, before the meeting "
            f"began ({began}, the webhook's start_time)",
            fix,
        )
    if not recording.duration:
        return  # Zoom sometimes sends a duration of 0: the end is not known
    ended = recording.start_time + timedelta(minutes=recording.duration + 1)
    if time.start > ended:
        raise BadArchive(
            path,
            where,
            f"the file began at {time.start:%Y-%m-%d %H:%M:%S} UTC, after the meeting ended "
            f"({began} plus its duration of {recording.duration} min)",
            fix,
        )


def _listed(found: Found, recording: Recording, webhook: str) -> FileTime | None:
    """The file's own entry; None when the webhook lists no file of its kind."""
    of_kind = _of_kind(found.kind, found.path)
    entries = [f for f in recording.files if of_kind is not None and of_kind(f)]
    if not entries:
        return None
    entries = _by_view(found.kind, found.path, _by_name(found.path, entries))
    what = "the webhook lists recordings of this kind that"
    entries = _one_recording(found.path, entries, webhook, what)
    start = entries[0].start
    assert start is not None  # _one_recording refuses undated entries
    # Several entries of one start: the latest end, so that a short file is refused.
    end = max((f.end for f in entries if f.end is not None), default=None)
    return FileTime(start, end, entries[0].entry)


def _unlisted(found: Found, recording: Recording, webhook: str) -> FileTime:
    """A file of a kind the webhook does not list (Zoom sends the transcript in a later
    event, for one) belongs to its recording when there is only one: dating it with the
    meeting's start instead would set it off against the files beside it."""
    # Shared files first: a participant's own track may start when that person joined.
    dated = [f for f in recording.files if f.start is not None]
    dated = _narrowed(dated, lambda f: f.kind != "participant_audio")
    what = "the webhook lists no file of this kind, and its recordings"
    entries = _one_recording(found.path, dated, webhook, what)
    start = entries[0].start
    assert start is not None
    return FileTime(start, None, entries[0].entry)  # its length is not the webhook's to say


def date_file(found: Found, recording: Recording, webhook: str) -> FileTime:
    """When ``found`` began, by the webhook (which dates at least one file)."""
    time = _listed(found, recording, webhook) or _unlisted(found, recording, webhook)
    _inside_meeting(found.path, time, recording, webhook)
    return time


def date_files(found: Sequence[Found], recording: Recording, webhook: str) -> dict[str, FileTime]:
    """Every file's start by the webhook, by its path in the folder; none when the webhook
    dates no file at all (every file then keeps the meeting's start, as without it)."""
    if not any(f.start is not None for f in recording.files):
        return {}
    return {f.path: date_file(f, recording, webhook) for f in found if f.kind != "zoom_webhook"}


def check_lengths(
    times: dict[str, FileTime], items: Sequence[Item], media: Sequence[MediaFile]
) -> None:
    """Every dated file fits the recording the webhook dates it by.

    A media file shorter than its recording lacks a part (a pause left out, or a cut)
    at a point nobody knows, so nothing after that point can be placed in time;
    content past the recording's end means the file belongs to another recording.
    Either way the archive is refused. Only files the webhook lists are checked.
    """
    for file in media:
        time = times.get(file.path)
        if time is None or time.end is None or file.end is None:
            continue
        _check_media(file.path, file.end - file.start, time)
    last: dict[str, Item] = {}
    for item in items:
        if item.source in times and (item.source not in last or item.end > last[item.source].end):
            last[item.source] = item
    for source, item in last.items():
        time = times[source]
        if time.end is not None and item.end > time.end - time.start + SLACK:
            raise BadArchive(
                source,
                item.location,
                "ends after the recording the webhook lists for this file ended",
                f"{_PLACE} (the file may belong to another recording)",
            )


def _check_media(path: str, length: timedelta, time: FileTime) -> None:
    assert time.end is not None
    recorded = time.end - time.start
    if length < recorded - SLACK:
        raise BadArchive(
            path,
            "length",
            f"the file runs {length.total_seconds():.0f} s but its recording ran "
            f"{recorded.total_seconds():.0f} s: part of it is missing (a pause left out, or "
            "a cut) at a point not known, so nothing after that point can be placed in time",
            "cut the file at the pause and describe the parts with their starts in a "
            "sayso-manifest.json, or download the recording again",
        )
    if length > recorded + SLACK:
        raise BadArchive(
            path,
            "length",
            f"the file runs {length.total_seconds():.0f} s, longer than the "
            f"{recorded.total_seconds():.0f} s of the recording the webhook lists for it",
            f"{_PLACE} (the file may belong to another recording)",
        )
