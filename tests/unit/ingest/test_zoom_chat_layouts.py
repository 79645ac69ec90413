"""Each Zoom chat layout, in small synthetic files: DMs, reactions, replies, midnight."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.textfile import decode
from sayso.ingest.zoom_chat import parse_zoom_chat

from .conftest import FIXTURES


def _chat(name: str, started_at: time | None = time(10, 0)) -> list[Item]:
    return parse_zoom_chat(decode((FIXTURES / name).read_bytes(), name), name, started_at)


def test_current_layout_multiline_dm_reaction_and_reply() -> None:
    hello, dm, reaction, reply = _chat("zoom_chat_current.txt")
    assert (hello.speaker, hello.text, hello.start) == (
        "Ann Lee (she/her)",
        "Hello all\nsecond line",
        timedelta(seconds=5),
    )
    assert (dm.private, dm.recipient, dm.text) == (True, "Ann Lee (she/her)", "just for you")
    assert (reaction.modality, reaction.text, reaction.quote) == (
        "reactions",
        "👍\U0001f3fd",
        "Hello all",
    )
    assert (reply.modality, reply.text, reply.quote) == ("chat", "Hi Ann", "Hello all")


def test_double_space_layout_with_privately_and_early_message() -> None:
    early, private, plain = _chat("zoom_chat_double.txt")
    assert (early.speaker, early.recipient, early.start) == (
        "Ann Lee",
        "Everyone",
        timedelta(seconds=-2),
    )
    assert (private.speaker, private.recipient, private.private) == ("Bob Chan", "Ann Lee", True)
    assert (plain.speaker, plain.recipient, plain.private) == ("Cy Dee", None, False)


def test_single_space_layout_wraps_midnight_and_keeps_continuations() -> None:
    before, after, joined, continued = _chat("zoom_chat_single.txt", time(23, 59, 0))
    assert before.start == timedelta(seconds=50)
    assert (after.start, after.private, after.recipient) == (timedelta(seconds=70), True, "Ann Lee")
    assert (joined.speaker, joined.text) == ("Cy Dee, Acme - Paris", "line one\nline two")
    assert continued.text == "to be continued :\ncontinued without a time"


def test_cloud_layout_needs_no_start_and_reads_removed_reactions() -> None:
    hi, removed = _chat("zoom_chat_cloud.txt", started_at=None)
    assert (hi.speaker, hi.start) == ("Ann Lee", timedelta(seconds=5))
    assert (removed.modality, removed.text, removed.quote) == ("reactions", "👍", "Hi")


def test_one_line_variant_without_tab() -> None:
    text = "10:00:01 From Ann Lee to Everyone : hi there\n"
    (item,) = parse_zoom_chat(text, "c.txt", time(10, 0))
    assert (item.speaker, item.text, item.recipient) == ("Ann Lee", "hi there", "Everyone")


def test_wall_clock_chat_without_start_is_refused() -> None:
    with pytest.raises(BadArchive, match=r"zoom_chat_double.txt, line 1: .*start time"):
        _chat("zoom_chat_double.txt", started_at=None)
