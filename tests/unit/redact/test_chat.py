"""Chat: withheld and private messages are gone, quotes of them too; the layout is kept."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.textfile import decode
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.redact import redact_chat
from sayso.redact.chat import WITHHELD_QUOTE

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
REALWORLD = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "realworld"


def _read(path: Path) -> str:
    return decode(path.read_bytes(), path.name)


def _everything(text: str) -> set[str]:
    return {i.location for i in parse_zoom_chat(text, "c.txt", time(0))}


@pytest.mark.parametrize(
    "name", ["zoom_chat_current.txt", "zoom_chat_double.txt", "zoom_chat_single.txt"]
)
def test_private_messages_never_survive_even_when_allowed(name: str) -> None:
    text = _read(FIXTURES / name)
    result = redact_chat(text, name, _everything(text))
    items = parse_zoom_chat(result.text, name, time(0))
    assert result.private_dropped == 1
    assert not any(i.private for i in items)
    assert "(Direct Message)" not in result.text
    assert "(Privately)" not in result.text
    assert len(items) == result.kept == len(_everything(text)) - 1


def test_current_layout_keeps_its_line_endings_and_drops_a_whole_multiline_message() -> None:
    text = _read(FIXTURES / "zoom_chat_current.txt")
    allowed = _everything(text) - {"line 1"}  # Ann's two-line "Hello all" is withheld
    out = redact_chat(text, "c.txt", allowed).text
    assert "second line" not in out
    assert "Hello all" not in out
    assert out.startswith("10:02:00 From Cy Dee to Everyone:\r\r\n\tReacted to ")
    assert out.count("\r\n") == len(out.split("\n")) - 1


def test_a_reaction_or_reply_quoting_a_withheld_message_loses_the_quote() -> None:
    text = _read(FIXTURES / "zoom_chat_current.txt")
    result = redact_chat(text, "c.txt", _everything(text) - {"line 1"})
    reaction, reply = parse_zoom_chat(result.text, "c.txt", time(0))
    assert (reaction.modality, reaction.quote, reaction.text) == (
        "reactions",
        WITHHELD_QUOTE,
        "👍\U0001f3fd",
    )
    assert (reply.quote, reply.text) == (WITHHELD_QUOTE, "Hi Ann")
    assert result.quotes_withheld == 2


def test_a_quote_of_a_kept_message_stays() -> None:
    text = _read(FIXTURES / "zoom_chat_current.txt")
    result = redact_chat(text, "c.txt", _everything(text))
    quotes = [i.quote for i in parse_zoom_chat(result.text, "c.txt", time(0))]
    assert quotes == [None, "Hello all", "Hello all"]
    assert result.quotes_withheld == 0


def test_cloud_layout_removed_reaction_loses_its_quote() -> None:
    text = _read(FIXTURES / "zoom_chat_cloud.txt")
    out = redact_chat(text, "c.txt", {"line 2"}).text
    assert out == '00:00:09\tBob Chan:\tRemoved a 👍 reaction from "[withheld]"\n'


def test_single_space_layout_drops_continuation_lines_with_their_message() -> None:
    text = _read(FIXTURES / "zoom_chat_single.txt")
    allowed = _everything(text) - {"line 4"}
    out = redact_chat(text, "c.txt", allowed).text
    assert "to be continued" not in out
    assert "continued without a time" not in out
    assert "line one\rline two" in out  # a bare CR inside a message is content


def test_real_chat_withholds_one_person_and_private_messages_and_keeps_the_rest_verbatim() -> None:
    name = "cvkelly__meeting_saved_chat.txt"
    text = _read(REALWORLD / name)
    items = parse_zoom_chat(text, name, time(12, 0))
    allowed = {i.location for i in items if i.speaker != "Neil Young"}
    out = redact_chat(text, name, allowed).text
    assert "Neil Young" not in out
    kept_lines = [
        line for line in text.split("\n") if "Neil Young" not in line and "(Privately)" not in line
    ]
    assert out.split("\n") == kept_lines


def test_nothing_allowed_gives_an_empty_chat() -> None:
    text = _read(FIXTURES / "zoom_chat_double.txt")
    assert redact_chat(text, "c.txt", set()).text == ""


def test_not_a_chat_is_refused_with_its_line() -> None:
    with pytest.raises(BadArchive, match=r"c\.txt, line 1: unknown chat layout"):
        redact_chat("hello world\n", "c.txt", set())
