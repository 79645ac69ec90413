"""The audit's content checks on exported text: nothing withheld is in the file.

Each exported text file is read against its source with ingest's parsers only (never
the gate, never the redactors): the text of every withheld cue, message or turn must
be absent, unless it is also part of something allowed (the same words said by an
allowed person cannot be told apart). A chat must hold no private message and no
quote of a withheld message; a ``.docx`` no part beyond its transcript text, and no
withheld text in any part of the package (body, properties, comments, headers).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import time
from pathlib import Path
from typing import Any

from docx.oxml.parser import parse_xml

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item
from sayso.ingest.limits import check_package, read_text_file
from sayso.ingest.otter import parse_otter
from sayso.ingest.teams import docx_entries, docx_lines
from sayso.ingest.textfile import decode, read_lines, split_lines
from sayso.ingest.vtt import parse_cues
from sayso.ingest.zoom_chat import parse_zoom_chat
from sayso.redact.chat import WITHHELD_QUOTE
from sayso.redact.docx import PARTS

Check = Callable[[Path, Path, str, set[str]], list[str]]
_TRUNCATED = re.compile(r"(?:\.\.\.|…)$")


def text_violations(
    kind: str, source: Path, exported: Path, target: str, rows: list[dict[str, Any]]
) -> list[str]:
    """What is wrong with the exported text file ``target``, named without its content."""
    allowed = {str(r["location"]) for r in rows if r["allowed"]}
    return TEXT_CHECKS[kind](source, exported, target, allowed)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _leaked(withheld: Iterable[str], allowed: Sequence[str], exported: Sequence[str]) -> bool:
    """Some withheld text is in the export, and is no part of anything allowed."""
    return any(
        w and any(w in e for e in exported) and not any(w in a for a in allowed) for w in withheld
    )


def _vtt(source: Path, exported: Path, target: str, allowed: set[str]) -> list[str]:
    text = "\n".join(line.text for line in read_lines(source, source.name))
    shown = decode(read_text_file(exported, exported.name), exported.name)
    for cue in parse_cues(text, source.name):
        said = "\n".join(cue.lines).strip()
        if cue.location not in allowed and said and said in shown:
            return [f"{target}: holds the text of a withheld cue"]
    return []


def _blocks(text: str, items: Sequence[Item]) -> dict[str, str]:
    """Each item's raw lines (``line N`` up to the next item), whitespace-normalised."""
    lines = [line.text for line in split_lines(text)]
    starts = [int(i.location.removeprefix("line ")) for i in items] + [len(lines) + 1]
    return {
        item.location: _norm("\n".join(lines[starts[n] - 1 : starts[n + 1] - 1]))
        for n, item in enumerate(items)
    }


def _line_texts(
    items: Sequence[Item], text: str, exported: str, allowed: set[str], what: str, target: str
) -> list[str]:
    """A withheld item's text in a line-based export (chat, Otter) outside every kept block."""
    blocks = _blocks(text, items)
    kept = [blocks[i.location] for i in items if i.location in allowed] + [WITHHELD_QUOTE]
    held = [_norm(i.text or "") for i in items if i.location not in allowed]
    if _leaked(held, kept, [_norm(exported)]):
        return [f"{target}: holds the text of a withheld {what}"]
    return []


def _refers(quote: str, items: Iterable[Item]) -> bool:
    wanted = _norm(_TRUNCATED.sub("", quote.strip()))
    return bool(wanted) and any(_norm(i.text or "").startswith(wanted) for i in items)


def _chat(source: Path, exported: Path, target: str, allowed: set[str]) -> list[str]:
    text = decode(read_text_file(source, source.name), source.name)
    out = decode(read_text_file(exported, exported.name), exported.name)
    if not out.strip():
        return []
    items = parse_zoom_chat(text, source.name, time(0))
    problems = _line_texts(items, text, out, allowed, "message", target)
    try:
        shown = parse_zoom_chat(out, exported.name, time(0))
    except BadArchive:
        return [*problems, f"{target}: cannot be read as a chat"]
    if any(i.private for i in shown):
        problems.append(f"{target}: holds a private message")
    kept = [i for i in items if i.location in allowed]
    held = [i for i in items if i.location not in allowed and i.modality == "chat"]
    quotes = [i.quote for i in shown if i.quote is not None and i.quote != WITHHELD_QUOTE]
    if any(_refers(q, held) and not _refers(q, kept) for q in quotes):
        problems.append(f"{target}: quotes a withheld message")
    return problems


def _otter(source: Path, exported: Path, target: str, allowed: set[str]) -> list[str]:
    text = decode(read_text_file(source, source.name), source.name)
    out = decode(read_text_file(exported, exported.name), exported.name)
    return _line_texts(parse_otter(text, source.name), text, out, allowed, "turn", target)


def _package_texts(data: bytes) -> tuple[list[str], list[str]]:
    """The names of a ``.docx`` package's parts, and the text of each XML part."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        texts = []
        for name in names:
            if name.endswith((".xml", ".rels")):
                root = parse_xml(package.read(name))  # python-docx's: no entities resolved
                texts.append(_norm(" ".join(str(t) for t in root.itertext())))
    return names, texts


def _docx(source: Path, exported: Path, target: str, allowed: set[str]) -> list[str]:
    data = read_text_file(exported, exported.name)
    try:
        check_package(data, exported.name)
        names, texts = _package_texts(data)
        body = _norm(" ".join(line.text for line in docx_lines(data, exported.name)))
    except (zipfile.BadZipFile, SyntaxError, BadArchive):  # lxml's XMLSyntaxError is one
        return [f"{target}: cannot be read as a .docx package"]
    problems = []
    if set(names) - set(PARTS):
        problems.append(f"{target}: holds parts beyond the transcript text (properties, comments…)")
    entries = docx_entries(read_text_file(source, source.name), source.name)
    kept = [_norm(" ".join(x.text for x in e.lines)) for e in entries if e.item.location in allowed]
    held = [_norm(e.item.text or "") for e in entries if e.item.location not in allowed]
    if _leaked(held, kept, [body, *texts]):
        problems.append(f"{target}: holds the text of a withheld entry")
    return problems


TEXT_CHECKS: dict[str, Check] = {
    "zoom_transcript_vtt": _vtt,
    "zoom_captions_vtt": _vtt,
    "teams_vtt": _vtt,
    "zoom_chat": _chat,
    "otter_txt": _otter,
    "teams_docx": _docx,
}
