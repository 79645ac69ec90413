"""Microsoft Teams transcripts: ``.vtt`` with voice tags and ``.docx``.

VTT: ``<v Name>text</v>`` (the closing tag is optional), names HTML-escaped
(``Far&#237;as``), text wrapped over several lines inside the tag, unpadded times
(``0:0:3.270``), GUID cue ids. A cue with no voice tag, or with tags of two different
people, is unattributed.

DOCX, two shapes:

* older export: paragraphs (or lines split by breaks) ``0:0:0.0 --> 0:0:1.510``,
  then the speaker's name, then the text;
* newer export: a ``Name   0:03`` line (or ``Name 0:03``) then the text paragraphs.

Tables (e.g. ``saved-by``) are metadata, not meeting content, and are not read.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta

from docx import Document

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.limits import check_package
from sayso.ingest.timecodes import parse_clock, parse_timestamp
from sayso.ingest.vtt import Cue, parse_cues

_VOICE = re.compile(r"<v(?:\.[^ \t>]*)?[ \t]+(?P<name>[^>]*)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_DOCX_TIMING = re.compile(r"\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)\s*")
_DOCX_HEADER = re.compile(r"(?P<name>\S.*?)\s+(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*")


def _voice(cue: Cue) -> tuple[str | None, str]:
    raw = "\n".join(cue.lines)
    names = {html.unescape(m.group("name")).strip() for m in _VOICE.finditer(raw)}
    text = html.unescape(_TAG.sub("", " ".join(line for line in cue.lines if line)))
    speaker = names.pop() if len(names) == 1 else None
    return speaker or None, " ".join(text.split())


def parse_teams_vtt(text: str, source: str) -> list[Item]:
    items = []
    for cue in parse_cues(text, source):
        speaker, body = _voice(cue)
        items.append(Item("transcript", speaker, cue.start, cue.end, source, cue.location, body))
    return items


@dataclass(frozen=True)
class DocxLine:
    paragraph: int  # 1-based paragraph of the document body
    text: str  # one line of it (paragraphs are split at line breaks), stripped


@dataclass(frozen=True)
class DocxEntry:
    """One transcript entry and the exact lines it was read from, its timing or header first."""

    item: Item
    lines: tuple[DocxLine, ...]


def docx_lines(data: bytes, source: str) -> list[DocxLine]:
    """The non-blank lines of the body's paragraphs, as ingest reads them (tables aside)."""
    check_package(data, source)
    try:
        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises many unrelated types for a damaged package
        raise BadArchive(
            source, "byte 0", "not a readable .docx package", "export the transcript again"
        ) from None
    lines = []
    for number, paragraph in enumerate(document.paragraphs, start=1):
        for part in paragraph.text.split("\n"):
            if part.strip():
                lines.append(DocxLine(number, part.strip()))
    return lines


def _old_style(lines: list[DocxLine], source: str) -> list[DocxEntry]:
    entries: list[DocxEntry] = []
    starts = [i for i, line in enumerate(lines) if _DOCX_TIMING.fullmatch(line.text)]
    for index, first in enumerate(starts):
        where = f"paragraph {lines[first].paragraph}"
        match = _DOCX_TIMING.fullmatch(lines[first].text)
        assert match is not None
        start = parse_timestamp(match.group("start"), source, where)
        end = parse_timestamp(match.group("end"), source, where)
        own = lines[first : starts[index + 1] if index + 1 < len(starts) else len(lines)]
        body = own[1:]
        if len(body) < 2 or end < start:
            raise BadArchive(source, where, "cue needs a name and text after its timing", "fix it")
        text = " ".join(line.text for line in body[1:])
        item = Item("transcript", body[0].text, start, end, source, where, text)
        entries.append(DocxEntry(item, tuple(own)))
    return entries


def _new_style(lines: list[DocxLine], source: str) -> list[DocxEntry]:
    turns: list[tuple[str, timedelta, list[DocxLine]]] = []
    for line in lines:
        match = _DOCX_HEADER.fullmatch(line.text)
        if match is not None:
            at = parse_clock(match.group("clock"), source, f"paragraph {line.paragraph}")
            turns.append((match.group("name"), at, [line]))
        elif turns:
            turns[-1][2].append(line)
    entries = []
    for index, (name, at, own) in enumerate(turns):
        end = turns[index + 1][1] if index + 1 < len(turns) else at
        where = f"paragraph {own[0].paragraph}"
        text = " ".join(line.text for line in own[1:])
        item = Item("transcript", name, at, max(at, end), source, where, text)
        entries.append(DocxEntry(item, tuple(own)))
    return entries


def docx_entries(data: bytes, source: str) -> list[DocxEntry]:
    """Every entry of a Teams ``.docx`` transcript; text before the first one is no entry."""
    lines = docx_lines(data, source)
    if any(_DOCX_TIMING.fullmatch(line.text) for line in lines):
        return _old_style(lines, source)
    entries = _new_style(lines, source)
    if not entries:
        raise BadArchive(
            source, "paragraph 1", "no transcript cues found", "check this is a Teams transcript"
        )
    return entries


def parse_teams_docx(data: bytes, source: str) -> list[Item]:
    return [entry.item for entry in docx_entries(data, source)]
