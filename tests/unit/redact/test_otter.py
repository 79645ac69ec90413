"""Otter exports lose whole turns; kept turns stay exactly as written."""

from __future__ import annotations

import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.otter import parse_otter
from sayso.redact.otter import redact_otter

TEXT = (
    "Weekly sync\n\n"
    "Ann Lee  0:00\nHello all.\nSecond line.\n\n"
    "Bob Stone  0:12\nA private thought.\n\n"
    "Ann Lee  0:30\nBack to me.\n\n"
    "Transcribed by https://otter.ai\n"
)


def test_withheld_turns_and_the_preamble_are_gone_the_rest_is_verbatim() -> None:
    kept = {i.location for i in parse_otter(TEXT, "t.txt") if i.speaker == "Ann Lee"}
    out = redact_otter(TEXT, "t.txt", kept)
    assert "A private thought" not in out
    assert "Weekly sync" not in out
    assert "Ann Lee  0:00\nHello all.\nSecond line.\n" in out
    assert "Back to me." in out
    assert [i.speaker for i in parse_otter(out, "t.txt")] == ["Ann Lee", "Ann Lee"]


def test_nothing_allowed_gives_an_empty_file_and_crlf_is_kept() -> None:
    assert redact_otter(TEXT, "t.txt", set()) == ""
    crlf = TEXT.replace("\n", "\r\n")
    first = parse_otter(crlf, "t.txt")[0].location
    assert redact_otter(crlf, "t.txt", {first}) == "Ann Lee  0:00\r\nHello all.\r\nSecond line.\r\n"


def test_a_file_ingest_refuses_is_refused() -> None:
    with pytest.raises(BadArchive):
        redact_otter("no headers here\n", "t.txt", set())
