"""Reading an export's text the way it was written: UTF-8, any BOM, LF/CRLF/CRCRLF lines.

Lines are split on LF only: a bare CR inside a line is how old Zoom chats joined
the lines of one message, so it is content, not a line break.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sayso.ingest.errors import BadArchive
from sayso.ingest.limits import read_text_file


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as an editor shows it
    text: str  # without the line ending (LF and any CRs before it)


def decode(data: bytes, source: str) -> str:
    """UTF-8 text without a BOM; a byte that is not UTF-8 is reported by offset."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadArchive(
            source, f"byte {error.start}", "not UTF-8 text", "re-export the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def split_lines(text: str) -> list[Line]:
    """Lines numbered from 1, each stripped of its CRs at the end, never of inner ones."""
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    return [Line(number, line.rstrip("\r")) for number, line in enumerate(raw, start=1)]


def read_lines(path: Path, source: str) -> list[Line]:
    return split_lines(decode(read_text_file(path, source), source))
