"""Ingest a meeting's export folder into its segment table (Parquet, under the data dir).

Sources are only read, never changed. The table is written to a temporary file and
renamed into place, so a failed ingest leaves the previous table (or none), and
ingesting the same folder again gives the same table.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.errors import InvalidInput, NotFound
from sayso.ingest import (
    Archive,
    ArchiveFormat,
    BadArchive,
    MediaFile,
    read_archive,
    read_parquet,
    to_table,
    write_parquet,
)
from sayso.ingest.media import probe_duration
from sayso.ledger.models import Attendance, Identity, Meeting, Participant
from sayso.services.context import Context

FORMATS: tuple[ArchiveFormat, ...] = ("zoom", "teams", "otter", "manifest")


@dataclass(frozen=True)
class IngestResult:
    meeting_id: str
    segments: int
    unattributed: int
    by_modality: dict[str, int]
    table_path: Path


def segments_path(ctx: Context, meeting_id: str) -> Path:
    return ctx.settings.resolved_data_dir() / "segments" / f"{meeting_id}.parquet"


def meeting_people(session: Session, meeting_id: str) -> dict[str, str]:
    """participant id -> display name, for everyone invited to or present at the meeting."""
    rows = session.execute(
        select(Participant.id, Identity.display_name)
        .join(Identity, Identity.participant_id == Participant.id)
        .outerjoin(Attendance, Attendance.participant_id == Participant.id)
        .where((Attendance.meeting_id == meeting_id) | (Participant.meeting_id == meeting_id))
    ).all()
    return dict(rows)


def ingest(session: Session, ctx: Context, meeting_id: str, fmt: str, root: Path) -> IngestResult:
    if fmt not in FORMATS:
        raise InvalidInput(f"the format must be one of {', '.join(FORMATS)}")
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("no such meeting; `sayso scenario run` prints a meeting's id")
    if not root.is_dir():
        raise InvalidInput(f"{root} is not a folder; give the export folder of the meeting")
    archive = read_archive(fmt, root)
    media = [_with_length(root, m) for m in archive.media]
    people = meeting_people(session, meeting.id)
    table = to_table(
        archive.items, media, meeting.id, meeting.starts_at, people, archive.file_starts
    )
    path = segments_path(ctx, meeting.id)
    _write_atomically(table, path)
    _write_source(path, fmt, root)
    return _result(meeting.id, table, path)


def _write_source(table_path: Path, fmt: str, root: Path) -> None:
    """Where the archive lies (exports read its files again to redact them)."""
    side = table_path.with_suffix(".source.json")
    tmp = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"format": fmt, "root": str(root.resolve())}), "utf-8")
    tmp.replace(side)


@dataclass(frozen=True)
class ArchiveSource:
    format: str
    root: Path


def archive_source(ctx: Context, meeting_id: str) -> ArchiveSource:
    side = segments_path(ctx, meeting_id).with_suffix(".source.json")
    try:
        doc = json.loads(side.read_text("utf-8"))
        return ArchiveSource(str(doc["format"]), Path(doc["root"]))
    except (OSError, ValueError, KeyError):
        raise NotFound("this meeting has no ingested archive; run `sayso ingest` first") from None


def _with_length(root: Path, media: MediaFile) -> MediaFile:
    """A media file's length, read from its container when the archive does not state it."""
    if media.end is not None:
        return media
    length = probe_duration(root / media.path, media.path)
    if length is None:
        raise BadArchive(media.path, "byte 0", "the media file has no length", "re-export it")
    return replace(media, end=media.start + length)


def _write_atomically(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_parquet(table, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _result(meeting_id: str, table: pa.Table, path: Path) -> IngestResult:
    counts = table.group_by("modality").aggregate([("segment_id", "count")]).to_pylist()
    unattributed = int(pc.sum(pc.is_null(table.column("participant_id"))).as_py() or 0)
    return IngestResult(
        meeting_id,
        table.num_rows,
        unattributed,
        {row["modality"]: row["segment_id_count"] for row in counts},
        path,
    )


def load_segments(ctx: Context, meeting_id: str) -> pa.Table:
    path = segments_path(ctx, meeting_id)
    if not path.exists():
        raise NotFound("this meeting has no ingested archive; run `sayso ingest` first")
    return read_parquet(path)


__all__ = ["Archive", "IngestResult", "ingest", "load_segments", "meeting_people"]
