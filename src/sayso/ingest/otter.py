"""Otter.ai plain-text exports (``.txt``; also committed as ``.md``).

Accepted shape: a turn header ``Name  m:ss`` (two or more spaces before the time;
``h:mm:ss`` for long meetings; trailing spaces allowed), then the turn's paragraph
line(s), then a blank line; ``Transcribed by https://otter.ai`` at the end is ignored,
as is any text before the first header. A turn ends where the next one starts; the
last one is given a length from its words (2.5 words per second), because the export
does not say. ``Unknown Speaker`` and ``Speaker N`` are Otter's labels for voices it
could not name: those turns are unattributed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.textfile import split_lines
from sayso.ingest.timecodes import parse_clock

_HEADER = re.compile(r"(?P<name>\S.*?) {2,}(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*")
_UNNAMED = re.compile(r"(?i)unknown speaker|speaker \d+")
_FOOTER = re.compile(r"(?i)transcribed by https?://otter\.ai\s*")
_WORDS_PER_SECOND = 2.5


@dataclass
class _Turn:
    line: int
    name: str | None
    at: timedelta
    parts: list[str] = field(default_factory=list)


def _turns(text: str, source: str) -> list[_Turn]:
    turns: list[_Turn] = []
    for line in split_lines(text):
        match = _HEADER.fullmatch(line.text)
        if match is not None:
            at = parse_clock(match.group("clock"), source, f"line {line.number}")
            name = match.group("name").strip()
            turns.append(_Turn(line.number, None if _UNNAMED.fullmatch(name) else name, at))
        elif turns and line.text.strip() and not _FOOTER.fullmatch(line.text):
            turns[-1].parts.append(line.text.strip())
    return turns


def _estimated_end(turn: _Turn) -> timedelta:
    words = sum(len(part.split()) for part in turn.parts)
    return turn.at + timedelta(seconds=max(1.0, words / _WORDS_PER_SECOND))


def parse_otter(text: str, source: str) -> list[Item]:
    turns = _turns(text, source)
    if not turns:
        raise BadArchive(
            source, "line 1", "no 'Name  m:ss' turn header found", "check this is an Otter export"
        )
    items = []
    for index, turn in enumerate(turns):
        following = turns[index + 1].at if index + 1 < len(turns) else _estimated_end(turn)
        if following < turn.at:
            raise BadArchive(
                source, f"line {turns[index + 1].line}", "time goes backwards", "fix the header"
            )
        text = " ".join(turn.parts)
        where = f"line {turn.line}"
        items.append(Item("transcript", turn.name, turn.at, following, source, where, text))
    return items
