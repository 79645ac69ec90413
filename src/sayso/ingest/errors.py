"""The one error type of the ingest layer: an archive file is not what it claims to be."""

from __future__ import annotations

import re

from sayso.errors import SaysoError

# Zoom puts a participant's display name into per-participant audio file names.
_NAMED_FILE = re.compile(r"(?i)(audio only - )[^/\\]+?(\.\w+)?$")
_LOCAL_AUDIO = re.compile(r"(?i)(audio record/audio)[^/\\]+?(\.\w+)?$")


def safe_path(path: str) -> str:
    """The file path with any participant name in it masked, fit for a log line."""
    masked = _NAMED_FILE.sub(lambda m: f"{m.group(1)}…{m.group(2) or ''}", path)
    return _LOCAL_AUDIO.sub(lambda m: f"{m.group(1)}…{m.group(2) or ''}", masked)


class BadArchive(SaysoError):
    """A file of a meeting archive is malformed, unsafe or ambiguous.

    The message names the file (names inside file names masked) and the line,
    cue or offset, says what is wrong and what to do; it never quotes content.
    """

    code = "bad_archive"

    def __init__(self, source: str, where: str, problem: str, fix: str) -> None:
        self.source = safe_path(source)
        self.where = where
        super().__init__(f"{self.source}, {where}: {problem}. {fix}")
