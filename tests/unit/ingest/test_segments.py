"""The segment table: participants matched or null, UTC times, stable ids, Parquet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sayso.errors import InvalidInput
from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item, MediaFile
from sayso.ingest.segments import SCHEMA, read_parquet, to_table, write_parquet

START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
PEOPLE = {"p-ann": "Ann Lee", "p-bob": "Bob Chan"}
ITEMS = [
    Item(
        "transcript",
        "Ann Lee (she/her)",
        timedelta(seconds=1),
        timedelta(seconds=3),
        "t.vtt",
        "cue 1",
        "hi",
    ),
    Item(
        "chat",
        "Bob Chan",
        timedelta(seconds=5),
        timedelta(seconds=5),
        "c.txt",
        "line 1",
        "dm",
        private=True,
        recipient="Ann Lee",
    ),
    Item("transcript", None, timedelta(seconds=4), timedelta(seconds=6), "t.vtt", "cue 2", "?"),
    Item("chat", "Stranger", timedelta(seconds=7), timedelta(seconds=7), "c.txt", "line 2", "x"),
]
MEDIA = [
    MediaFile(
        "Audio only - Ann Lee.m4a",
        "audio",
        "participant_audio",
        "Ann Lee",
        timedelta(0),
        timedelta(seconds=60),
    )
]


def test_rows_carry_participant_or_null_and_absolute_times() -> None:
    table = to_table(ITEMS, MEDIA, "m-1", START, PEOPLE)
    assert table.schema.equals(SCHEMA)
    rows = table.to_pylist()
    assert [r["participant_id"] for r in rows] == ["p-ann", "p-bob", None, None, "p-ann"]
    assert rows[0]["start"] == START + timedelta(seconds=1)
    assert rows[1]["private"] is True
    assert (rows[4]["location"], rows[4]["modality"]) == ("track participant_audio", "audio")
    assert "text" not in table.column_names


def test_segment_ids_are_stable_across_ingests_and_meetings_differ() -> None:
    first = to_table(ITEMS, MEDIA, "m-1", START, PEOPLE)
    again = to_table(ITEMS, MEDIA, "m-1", START, {"x": "Nobody"})
    other = to_table(ITEMS, MEDIA, "m-2", START, PEOPLE)
    ids = first.column("segment_id").to_pylist()
    assert ids == again.column("segment_id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert not set(ids) & set(other.column("segment_id").to_pylist())


def test_the_same_segment_twice_and_unknown_lengths_are_refused() -> None:
    with pytest.raises(BadArchive, match=r"^t.vtt, cue 1: the same segment twice"):
        to_table([ITEMS[0], ITEMS[0]], [], "m", START, PEOPLE)
    with pytest.raises(BadArchive, match="length is unknown"):
        to_table([], [MediaFile("mix.m4a", "audio", "mixed_audio")], "m", START, PEOPLE)
    with pytest.raises(InvalidInput, match="time zone"):
        to_table(ITEMS, [], "m", datetime(2024, 3, 1), PEOPLE)


def test_parquet_round_trip(tmp_path: Path) -> None:
    table = to_table(ITEMS, MEDIA, "m-1", START, PEOPLE)
    write_parquet(table, tmp_path / "segments.parquet")
    assert read_parquet(tmp_path / "segments.parquet").equals(table)
    write_parquet(
        table.drop_columns(["private"]).append_column("private", table["private"]),
        tmp_path / "reordered.parquet",
    )
    assert read_parquet(tmp_path / "reordered.parquet").equals(table)
    pq.write_table(pa.table({"a": [1]}), tmp_path / "other.parquet")
    with pytest.raises(InvalidInput, match="not a Sayso segment table"):
        read_parquet(tmp_path / "other.parquet")
