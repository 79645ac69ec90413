"""The segment table: one row per attributable piece of content, as Arrow and Parquet.

``participant_id`` is null where the display name matched no participant with
confidence: such segments are unattributed and the gate leaves them out.
``segment_id`` hashes (meeting, source, location) only, so ingesting the same archive
again yields the same ids, and a segment can be found again in its file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sayso.errors import InvalidInput
from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item, MediaFile, Modality
from sayso.ingest.names import match_names

SCHEMA = pa.schema(
    [
        pa.field("segment_id", pa.string(), nullable=False),
        pa.field("meeting_id", pa.string(), nullable=False),
        pa.field("participant_id", pa.string(), nullable=True),
        pa.field("modality", pa.string(), nullable=False),
        pa.field("start", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("end", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("location", pa.string(), nullable=False),
        pa.field("private", pa.bool_(), nullable=False),
    ]
)


def segment_id(meeting_id: str, source: str, location: str) -> str:
    digest = hashlib.sha256("\x00".join((meeting_id, source, location)).encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class _Row:
    speaker: str | None
    modality: Modality
    start: timedelta
    end: timedelta
    source: str
    location: str
    private: bool


def _item_row(item: Item) -> _Row:
    return _Row(
        item.speaker, item.modality, item.start, item.end, item.source, item.location, item.private
    )


def _media_row(media: MediaFile) -> _Row:
    if media.end is None:
        raise BadArchive(
            media.path, "track", "the file's length is unknown", "state its end in a manifest"
        )
    location = f"track {media.role}"
    return _Row(media.speaker, media.modality, media.start, media.end, media.path, location, False)


def _utc(starts_at: datetime) -> datetime:
    if starts_at.tzinfo is None:
        raise InvalidInput("the meeting start time needs a time zone (e.g. UTC)")
    return starts_at.astimezone(UTC)


def _refuse_repeats(rows: list[_Row], ids: list[str]) -> None:
    seen: set[str] = set()
    for row, ident in zip(rows, ids, strict=True):
        if ident in seen:
            raise BadArchive(
                row.source, row.location, "the same segment twice", "ingest the file once"
            )
        seen.add(ident)


def _columns(
    rows: list[_Row], meeting_id: str, owners: Mapping[str, str | None]
) -> dict[str, list[Any]]:
    ids = [segment_id(meeting_id, row.source, row.location) for row in rows]
    _refuse_repeats(rows, ids)
    return {
        "segment_id": ids,
        "meeting_id": [meeting_id] * len(rows),
        "participant_id": [owners.get(r.speaker) if r.speaker else None for r in rows],
        "modality": [r.modality for r in rows],
        "source": [r.source for r in rows],
        "location": [r.location for r in rows],
        "private": [r.private for r in rows],
    }


def to_table(
    items: Sequence[Item],
    media: Sequence[MediaFile],
    meeting_id: str,
    starts_at: datetime,
    participants: Mapping[str, str],
    file_starts: Mapping[str, datetime] | None = None,
) -> pa.Table:
    """Segments of one meeting; ``participants`` maps participant id to display name.

    A row's time is its file's start plus its offset: ``file_starts`` (source path ->
    when that file began) where the archive dates a file, else the meeting's start.
    """
    meeting = _utc(starts_at)
    origins = {source: _utc(start) for source, start in (file_starts or {}).items()}
    rows = [_item_row(i) for i in items] + [_media_row(m) for m in media]
    names = [r.speaker for r in rows if r.speaker is not None]
    owners = match_names(names, participants).mapping
    columns = _columns(rows, meeting_id, owners)
    columns["start"] = [origins.get(r.source, meeting) + r.start for r in rows]
    columns["end"] = [origins.get(r.source, meeting) + r.end for r in rows]
    return pa.table(columns, schema=SCHEMA)


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table.cast(SCHEMA), path)


def read_parquet(path: Path) -> pa.Table:
    table = pq.read_table(path)
    if not table.schema.equals(SCHEMA):
        raise InvalidInput(f"{path.name} is not a Sayso segment table (columns differ)")
    return table
