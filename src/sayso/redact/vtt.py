"""Transcripts (WebVTT): the cues of people not allowed are dropped, whole.

The header block and any ``STYLE``/``REGION`` block before the first cue are kept;
``NOTE`` blocks are dropped (a note can hold anything). Kept cues are copied line for
line, timings untouched. Numeric cue identifiers (Zoom) are renumbered 1, 2, 3 … so the
file stays consistent; other identifiers (Teams GUIDs) are kept as they are. The line
ending of the source (LF or CRLF) is kept, and the result is parsed again before it is
returned. Cues are numbered as ingest numbers them: ``cue N`` is the N-th cue block.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from sayso.ingest.errors import BadArchive
from sayso.ingest.textfile import Line, split_lines
from sayso.ingest.vtt import parse_cues
from sayso.redact.errors import RedactError

_SETUP_BLOCKS = ("STYLE", "REGION")


@dataclass(frozen=True)
class _Block:
    lines: tuple[str, ...]

    @property
    def kind(self) -> str:
        # The same test as ingest's, so that cue numbers agree with its ``cue N``.
        head = self.lines[0].lstrip()
        return next((k for k in ("NOTE", *_SETUP_BLOCKS) if head.startswith(k)), "cue")

    @property
    def ident(self) -> str | None:
        return None if "-->" in self.lines[0] else self.lines[0].strip()


def _blocks(lines: list[Line]) -> Iterator[_Block]:
    block: list[str] = []
    for line in lines:
        if line.text.strip():
            block.append(line.text)
        elif block:
            yield _Block(tuple(block))
            block = []
    if block:
        yield _Block(tuple(block))


def _renumbered(cues: list[_Block]) -> list[_Block]:
    idents = [cue.ident for cue in cues]
    if not idents or not all(i is not None and i.isascii() and i.isdigit() for i in idents):
        return cues
    return [_Block((str(n), *cue.lines[1:])) for n, cue in enumerate(cues, start=1)]


def redact_vtt(text: str, source: str, keep: Callable[[int], bool]) -> str:
    """``text`` with only the cues whose number (1-based, as ingest's ``cue N``) ``keep``s.

    A file ingest would refuse raises ``BadArchive`` naming the line.
    """
    parse_cues(text, source)  # refuses what ingest refuses (BadArchive, naming the line)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    header, *rest = _blocks(split_lines(text.removeprefix("\ufeff")))
    setup: list[_Block] = []
    kept: list[_Block] = []
    ordinal = 0
    for block in rest:
        kind = block.kind
        if kind in _SETUP_BLOCKS and ordinal == 0:
            setup.append(block)
        elif kind == "cue":
            ordinal += 1
            if keep(ordinal):
                kept.append(block)
    blocks = [header, *setup, *_renumbered(kept)]
    out = bom + (newline * 2).join(newline.join(b.lines) for b in blocks) + newline
    _check(out, source, len(kept))
    return out


def _check(out: str, source: str, expected: int) -> None:
    """The output parses, and holds exactly the kept cues (cues without text aside)."""
    try:
        cues = parse_cues(out, source)
    except BadArchive:
        raise RedactError(
            source, "the redacted transcript is not valid WebVTT", "report this"
        ) from None
    if len(cues) > expected:
        raise RedactError(source, "the redacted transcript holds extra cues", "report this")


def keep_locations(allowed: Collection[str]) -> Callable[[int], bool]:
    """A ``keep`` for ``redact_vtt`` from the allowed segments' locations (``cue N``)."""
    return lambda ordinal: f"cue {ordinal}" in allowed
