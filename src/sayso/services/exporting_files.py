"""Write one source file of an export: only what the gate allowed, in the format it came in.

Every kind of file has its own redactor; a file with no redactor is not exported at
all (its items are left out with the reason ``no_redactor``): fail closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sayso.ingest.textfile import read_lines
from sayso.ingest.vtt import parse_cues

NO_REDACTOR = "no_redactor"
Row = dict[str, object]


def redact_source(src: Path, dst: Path, rows: Sequence[Row]) -> bool:
    """Write the redacted copy; False when this kind of file cannot be redacted (yet)."""
    name = src.name.lower()
    if name.endswith(".vtt"):
        _redact_vtt(src, dst, {str(r["location"]) for r in rows if r["allowed"]})
        return True
    return False


def _redact_vtt(src: Path, dst: Path, keep: set[str]) -> None:
    """Valid WebVTT holding only the kept cues, each exactly as it was written."""
    lines = read_lines(src, src.name)
    text = "\n".join(line.text for line in lines)
    out = ["WEBVTT", ""]
    for cue in parse_cues(text, src.name):
        if cue.location not in keep:
            continue
        first = cue.line - 1 if cue.ident is not None else cue.line
        block = [line.text for line in lines[first - 1 : cue.line + len(cue.lines)]]
        out += [*block, ""]
    dst.write_text("\n".join(out), "utf-8")
