"""Properties: timestamps round-trip, and parsers fail only with BadArchive on any text."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.otter import parse_otter
from sayso.ingest.teams import parse_teams_docx, parse_teams_vtt
from sayso.ingest.timecodes import format_timestamp, parse_timestamp
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.ingest.zoom_vtt import parse_zoom_captions, parse_zoom_transcript

offsets = st.integers(min_value=0, max_value=100 * 3600 * 1000 - 1).map(
    lambda ms: timedelta(milliseconds=ms)
)


@given(offsets)
def test_vtt_timestamps_round_trip(offset: timedelta) -> None:
    assert parse_timestamp(format_timestamp(offset), "t.vtt", "line 1") == offset


@given(offsets)
def test_unpadded_teams_timestamps_mean_the_same(offset: timedelta) -> None:
    ms = offset // timedelta(milliseconds=1)
    s, frac = divmod(ms, 1000)
    m, sec = divmod(s, 60)
    h, minute = divmod(m, 60)
    unpadded = f"{h}:{minute}:{sec}.{frac:03d}".rstrip("0").rstrip(".") + ("" if frac else ".0")
    assert parse_timestamp(unpadded, "t.vtt", "line 1") == offset


PARSERS: dict[str, Callable[[str], list[Item]]] = {
    "zoom_transcript": lambda text: parse_zoom_transcript(text, "f"),
    "zoom_captions": lambda text: parse_zoom_captions(text, "f"),
    "teams_vtt": lambda text: parse_teams_vtt(text, "f"),
    "zoom_chat": lambda text: parse_zoom_chat(text, "f", time(10, 0)),
    "otter": lambda text: parse_otter(text, "f"),
}
# Text that looks like the formats, so the fuzzing reaches past the first line.
pieces = st.sampled_from(
    [
        "WEBVTT",
        "\n",
        "\r\n",
        "\r",
        "\t",
        " ",
        "-->",
        "00:00:01.000",
        "0:0:3.27",
        "99:99:99.9",
        "<v Ann>",
        "</v>",
        "Ann: ",
        "10:00:00",
        " From ",
        " to ",
        "Everyone",
        ":",
        " : ",
        "(Privately)",
        'Reacted to "',
        '" with 👍',
        "Ann  0:12",
        "NOTE",
        "1",
        "\ufeff",
        "é",
    ]
)
texts = st.one_of(st.text(), st.lists(pieces, max_size=40).map("".join))


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_parsers_raise_nothing_but_bad_archive(name: str, text: str) -> None:
    try:
        items = PARSERS[name](text)
    except BadArchive:
        return
    assert all(item.end >= item.start or item.modality != "transcript" for item in items)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_docx_parser_raises_nothing_but_bad_archive_on_bytes(data: bytes) -> None:
    with contextlib.suppress(BadArchive):
        parse_teams_docx(b"PK\x03\x04" + data, "t.docx")
