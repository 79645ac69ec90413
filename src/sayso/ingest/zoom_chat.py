"""Zoom chat files in their four historical layouts.

1. current (``meeting_saved_chat.txt`` since 2022)::

       17:06:15 From Ann Lee to Everyone:
       <TAB>message line
       <TAB>more lines of the same message

   header lines may end ``\\r\\r\\n``; a DM reads ``to Bob Chan(Direct Message):``.
2. older one-line, double spaces: ``12:45:05<TAB> From  Ann Lee  to  Everyone : message``
   (or without the ``to`` part); DMs ``From  Ann  to  Bob(Privately) : …``.
3. older one-line, single spaces: ``15:00:52<TAB> From Ann Lee : message``; a message
   over several lines is joined with bare CRs, or goes on in lines without a time.
4. cloud recording (``…newChat.txt``): ``00:05:16<TAB>Ann Lee:<TAB>message``; the time is
   already an offset from the recording start and there are no private messages.

Layouts 1 to 3 hold wall-clock times: ``started_at`` (the recording's local start time)
turns them into offsets; without it they cannot be placed and the file is refused.
A time more than 12 hours before ``started_at`` is taken to be after midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Literal

from sayso.ingest.chat_messages import Address, message_item, parse_address
from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.textfile import Line, split_lines

Layout = Literal["current", "oneline", "cloud"]

_CLOCK = r"(?P<clock>\d{1,2}:\d{2}:\d{2})"
_CLOUD = re.compile(_CLOCK + r"\t(?P<names>[^\t]+?):\t(?P<text>.*)", re.DOTALL)
_HEADER = re.compile(_CLOCK + r"[ \t]+From\s+(?P<names>.+?)\s*:\s*", re.DOTALL)
_ONELINE = re.compile(_CLOCK + r"[ \t]+From\s+(?P<names>.+?)\s+: ?(?P<text>.*)", re.DOTALL)
_HALF_DAY = timedelta(hours=12)


@dataclass
class _Message:
    line: int
    at: timedelta
    address: Address
    parts: list[str] = field(default_factory=list)


def detect_layout(lines: list[Line], source: str) -> Layout:
    """The layout of the first line; a header ending in ``:`` is the current layout only
    when the next line is an indented message (else it is a one-line message ending in ``:``).
    """
    filled = [line for line in lines if line.text.strip()]
    if not filled:
        raise BadArchive(source, "line 1", "the chat file is empty", "export the chat again")
    first = filled[0].text
    indented = len(filled) > 1 and filled[1].text.startswith("\t")
    if _CLOUD.fullmatch(first):
        return "cloud"
    if _HEADER.fullmatch(first) and (indented or len(filled) == 1):
        return "current"
    if _ONELINE.fullmatch(first):
        return "oneline"
    raise BadArchive(
        source,
        f"line {filled[0].number}",
        "unknown chat layout (expected a Zoom chat line such as 'HH:MM:SS From NAME to …')",
        "check that this is a Zoom chat export, or describe it in a manifest",
    )


def _clock(text: str, source: str, line: int) -> timedelta:
    h, m, s = (int(part) for part in text.split(":"))
    if h > 23 or m > 59 or s > 59:
        raise BadArchive(source, f"line {line}", "time of day out of range", "fix the time")
    return timedelta(hours=h, minutes=m, seconds=s)


def _offset(clock: timedelta, started_at: time | None, source: str, line: int) -> timedelta:
    if started_at is None:
        raise BadArchive(
            source,
            f"line {line}",
            "chat times are wall-clock times and the recording start is unknown",
            "pass the recording's local start time (started_at)",
        )
    start = timedelta(hours=started_at.hour, minutes=started_at.minute, seconds=started_at.second)
    offset = clock - start
    return offset + timedelta(days=1) if offset < -_HALF_DAY else offset


def _start(layout: Layout, line: Line, started_at: time | None, source: str) -> _Message | None:
    """The message a line opens, or None when the line continues the previous one."""
    pattern = {"cloud": _CLOUD, "current": _HEADER, "oneline": _ONELINE}[layout]
    match = pattern.fullmatch(line.text)
    if match is None:
        return None
    clock = _clock(match.group("clock"), source, line.number)
    if layout == "cloud":
        address = Address(match.group("names").strip(), None, False)
        message = _Message(line.number, clock, address)
    else:
        at = _offset(clock, started_at, source, line.number)
        message = _Message(line.number, at, parse_address(match.group("names")))
    if layout != "current":
        message.parts.append(match.group("text"))
    return message


def _text(parts: list[str], layout: Layout) -> str:
    if layout == "current":
        parts = [p.removeprefix("\t") for p in parts]
    return "\n".join(parts).replace("\r", "\n").strip()


def parse_zoom_chat(text: str, source: str, started_at: time | None = None) -> list[Item]:
    lines = split_lines(text)
    layout = detect_layout(lines, source)
    messages: list[_Message] = []
    for line in lines:
        message = _start(layout, line, started_at, source)
        if message is not None:
            messages.append(message)
        elif messages:
            messages[-1].parts.append(line.text)
    return [
        message_item(m.address, m.at, _text(m.parts, layout), source, f"line {m.line}")
        for m in messages
    ]
