"""Otter text exports: whole turns dropped, the kept ones exactly as written.

A turn runs from its ``Name  m:ss`` header to the line before the next header. Text
before the first header belongs to nobody known, so it is left out (fail closed).
"""

from __future__ import annotations

from collections.abc import Collection

from sayso.ingest.otter import parse_otter


def redact_otter(text: str, source: str, allowed: Collection[str]) -> str:
    """``text`` with only the turns whose header location (``line N``) is ``allowed``."""
    items = parse_otter(text, source)  # refuses what ingest refuses (BadArchive)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.removeprefix("\ufeff").split("\n")
    starts = [int(item.location.removeprefix("line ")) for item in items] + [len(lines) + 1]
    out: list[str] = []
    for index, item in enumerate(items):
        if item.location in allowed:
            block = lines[starts[index] - 1 : starts[index + 1] - 1]
            out += [line.rstrip("\r") for line in block]
    while out and not out[-1].strip():
        out.pop()
    return newline.join(out) + newline if out else ""
