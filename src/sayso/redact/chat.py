"""Chat (Zoom's chat ``.txt`` in any of its layouts): messages dropped line by line.

A message spans its first line (``line N``, the location ingest gives it) up to the
next message's first line. The output is the source with whole messages left out, so
it keeps its layout, line endings and timestamps. Rules, all failing closed:

- a message is kept only when its location is in ``allowed``;
- a private message (Direct Message / Privately) is never kept, whatever ``allowed`` says;
- a kept reaction or reply keeps its quoted text only when that text is unambiguously a
  kept message; otherwise the quote becomes ``[withheld]``.

The result is parsed again and checked before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import time

from sayso.ingest.items import Item
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.redact.errors import RedactError

WITHHELD_QUOTE = "[withheld]"
# Where a quote sits in a message's raw text: after its marker, up to its closing mark.
_QUOTES = (
    re.compile(r'Reacted to "(?P<quote>.*)" with ', re.DOTALL),
    re.compile(r'reaction from "(?P<quote>.*)"', re.DOTALL),
    re.compile(r'Replying to "(?P<quote>.*?)":?[ \t\r]*(?:\n|$)', re.DOTALL),
)
_TRUNCATED = re.compile(r"(?:\.\.\.|…)$")


@dataclass(frozen=True)
class ChatRedaction:
    text: str
    kept: int
    dropped: int
    private_dropped: int
    quotes_withheld: int


def _line_number(item: Item, source: str) -> int:
    kind, _, number = item.location.partition(" ")
    if kind != "line" or not number.isdigit():
        raise RedactError(source, "a message has no line location", "re-ingest the chat file")
    return int(number)


def _raw_lines(text: str) -> list[str]:
    """Lines split on LF only (a bare CR is content, as in ingest), endings kept."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _normal(text: str) -> str:
    return " ".join(_TRUNCATED.sub("", text.strip()).split())


def _refers(quote: str, messages: Sequence[Item]) -> bool:
    wanted = _normal(quote)
    return bool(wanted) and any(_normal(m.text or "").startswith(wanted) for m in messages)


def _quote_is_safe(quote: str, kept: Sequence[Item], dropped: Sequence[Item]) -> bool:
    return _refers(quote, kept) and not _refers(quote, dropped)


def _withhold_quote(block: str) -> str | None:
    """The block with its quote replaced, or None when the quote cannot be found."""
    for pattern in _QUOTES:
        match = pattern.search(block)
        if match is not None:
            start, end = match.span("quote")
            return block[:start] + WITHHELD_QUOTE + block[end:]
    return None


def redact_chat(text: str, source: str, allowed: Collection[str]) -> ChatRedaction:
    """``text`` (decoded, as ingest read it) without the messages not ``allowed`` or private.

    ``allowed`` holds the locations (``line N``) of the messages the gate let through.
    """
    # The start time only places wall-clock times, which play no part here.
    items = parse_zoom_chat(text, source, time(0))
    lines = _raw_lines(text)
    starts = [_line_number(item, source) for item in items] + [len(lines) + 1]
    keep = [item.location in allowed and not item.private for item in items]
    kept = [item for item, k in zip(items, keep, strict=True) if k]
    dropped = [i for i, k in zip(items, keep, strict=True) if not k and i.modality == "chat"]
    out = lines[: starts[0] - 1]
    quotes = 0
    for index, item in enumerate(items):
        if not keep[index]:
            continue
        block: str | None = "".join(lines[starts[index] - 1 : starts[index + 1] - 1])
        if item.quote is not None and not _quote_is_safe(item.quote, kept, dropped):
            block = _withhold_quote(block or "")
            quotes += 1
        if block is None:
            keep[index] = False  # a quote we cannot find is not kept by accident
        else:
            out.append(block)
    result = "".join(out)
    count = sum(keep)
    _check(result, source, kept, count)
    private = sum(1 for i in items if i.private)
    return ChatRedaction(result, count, len(items) - count, private, quotes)


def _check(result: str, source: str, kept: Sequence[Item], expected: int) -> None:
    """The output parses to the kept messages only: none private, every quote safe."""
    if not result.strip():
        return
    items = parse_zoom_chat(result, source, time(0))
    safe = all(
        i.quote is None or i.quote == WITHHELD_QUOTE or _quote_is_safe(i.quote, kept, ())
        for i in items
    )
    if len(items) != expected or any(i.private for i in items) or not safe:
        raise RedactError(
            source, "the chat could not be redacted line by line", "report this chat layout"
        )
