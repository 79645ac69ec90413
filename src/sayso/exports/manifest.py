"""``manifest.parquet``: one row per segment of the exported meetings, kept or withheld,
with the consent record and log index that decided it (invariant 7)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sayso.errors import InvalidInput

MANIFEST = "manifest.parquet"
FACTS_KEY = "sayso.export"
SCHEMA = pa.schema(
    [
        ("export_id", pa.string()),
        ("meeting_id", pa.string()),
        ("segment_id", pa.string()),
        ("source", pa.string()),
        ("location", pa.string()),
        ("output", pa.string()),  # its file (a long WAV: the parts folder); null: withheld
        ("modality", pa.string()),
        ("participant", pa.string()),  # a pseudonym, unlinkable across exports; null: unattributed
        ("start", pa.timestamp("us", tz="UTC")),
        ("end", pa.timestamp("us", tz="UTC")),
        ("allowed", pa.bool_()),
        ("reason", pa.string()),
        ("record_id", pa.string()),
        ("log_index", pa.int64()),
    ]
)


def pseudonym(export_id: str, participant_id: str) -> str:
    return hashlib.sha256(f"{export_id}\x00{participant_id}".encode()).hexdigest()[:16]


def build(
    export_id: str,
    decided: pa.Table,
    outputs: Mapping[tuple[str, str], str],
    facts: Mapping[str, object],
) -> pa.Table:
    """``outputs`` maps (meeting id, source) to the exported file of kept segments;
    ``facts`` (purpose, decision time, checkpoint, policy versions) go in the metadata."""
    rows = decided.to_pylist()
    table = pa.Table.from_pylist(
        [
            {
                "export_id": export_id,
                "meeting_id": r["meeting_id"],
                "segment_id": r["segment_id"],
                "source": r["source"],
                "location": r["location"],
                "output": outputs.get((r["meeting_id"], r["source"])) if r["allowed"] else None,
                "modality": r["modality"],
                "participant": pseudonym(export_id, r["participant_id"])
                if r["participant_id"]
                else None,
                "start": r["start"],
                "end": r["end"],
                "allowed": r["allowed"],
                "reason": r["reason"],
                "record_id": r["record_id"],
                "log_index": r["log_index"],
            }
            for r in rows
        ],
        schema=SCHEMA,
    )
    return table.replace_schema_metadata({FACTS_KEY: json.dumps(dict(facts), sort_keys=True)})


def facts_of(table: pa.Table) -> dict[str, Any]:
    raw = (table.schema.metadata or {}).get(FACTS_KEY.encode())
    if raw is None:
        raise InvalidInput("this manifest carries no Sayso export facts; was it altered?")
    facts: dict[str, Any] = json.loads(raw)
    return facts


def write(table: pa.Table, folder: Path) -> None:
    pq.write_table(table, folder / MANIFEST, compression="zstd")


def read(folder: Path) -> pa.Table:
    path = folder / MANIFEST
    if not path.is_file():
        raise InvalidInput(f"{folder} holds no {MANIFEST}; give the folder `sayso export` wrote")
    try:
        table: pa.Table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        raise InvalidInput(f"{path} is not a readable Parquet file; was it altered?") from None
    return table
