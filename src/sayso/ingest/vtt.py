"""WebVTT cue blocks, as Zoom and Teams write them.

Accepted: a ``WEBVTT`` first line (after any BOM), optional cue identifiers (numbers,
Teams GUIDs), ``start --> end [settings]`` with padded or unpadded times, cue text
over one or more lines; ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped. A cue
with no text in the middle of a file is skipped; at the end it means the file was cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sayso.ingest.errors import BadArchive
from sayso.ingest.textfile import Line, split_lines
from sayso.ingest.timecodes import parse_timestamp

_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    ordinal: int  # 1-based position among the cues of the file
    line: int  # line of the timing
    ident: str | None
    start: timedelta
    end: timedelta
    lines: tuple[str, ...]

    @property
    def location(self) -> str:
        return f"cue {self.ordinal}"


def _blocks(lines: list[Line]) -> Iterator[list[Line]]:
    block: list[Line] = []
    for line in lines:
        if line.text.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _check_header(lines: list[Line], source: str) -> None:
    first = next((line for line in lines if line.text.strip()), None)
    if first is None:
        raise BadArchive(source, "line 1", "the file is empty", "export the transcript again")
    head = first.text.strip()
    if head != "WEBVTT" and not head.startswith(("WEBVTT ", "WEBVTT\t")):
        raise BadArchive(
            source, f"line {first.number}", "not a WebVTT file (no WEBVTT header)", "check its type"
        )


def _timing(line: Line, source: str) -> tuple[timedelta, timedelta]:
    where = f"line {line.number}"
    left, _, right = line.text.partition("-->")
    fields = right.split()
    if not fields:
        raise BadArchive(source, where, "cue timing has no end time", "the file may be truncated")
    start = parse_timestamp(left, source, where)
    end = parse_timestamp(fields[0], source, where)
    if end < start:
        raise BadArchive(source, where, "cue ends before it starts", "fix the cue timing")
    return start, end


def _cue(block: list[Line], ordinal: int, source: str) -> Cue:
    ident: str | None = None
    if "-->" not in block[0].text:
        if len(block) < 2 or "-->" not in block[1].text:
            raise BadArchive(
                source,
                f"line {block[0].number}",
                "cue identifier without a timing line",
                "the file may be truncated; export it again",
            )
        ident, block = block[0].text.strip(), block[1:]
    start, end = _timing(block[0], source)
    texts = tuple(line.text.strip() for line in block[1:])
    return Cue(ordinal, block[0].number, ident, start, end, texts)


def parse_cues(text: str, source: str) -> list[Cue]:
    lines = split_lines(text.removeprefix("\ufeff"))
    _check_header(lines, source)
    cues: list[Cue] = []
    blocks = [
        block
        for block in list(_blocks(lines))[1:]  # the first block is the header
        if not block[0].text.lstrip().startswith(_SKIPPED_BLOCKS)
    ]
    for index, block in enumerate(blocks):
        cue = _cue(block, index + 1, source)
        if not cue.lines and index == len(blocks) - 1:
            raise BadArchive(
                source, f"line {cue.line}", "last cue has no text", "the file is truncated"
            )
        if cue.lines:
            cues.append(cue)
    return cues
