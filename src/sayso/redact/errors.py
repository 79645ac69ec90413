"""The error type of redaction: a file cannot be redacted as asked, and nothing was written."""

from __future__ import annotations

from sayso.errors import SaysoError
from sayso.ingest.errors import safe_path


class RedactError(SaysoError):
    """A source file or the intervals given for it cannot be redacted safely.

    The message names the file (participant names in file names masked), says what is
    wrong and what to do; it never quotes content.
    """

    code = "redact_error"

    def __init__(self, source: str, problem: str, fix: str) -> None:
        self.source = safe_path(source)
        super().__init__(f"{self.source}: {problem}. {fix}")
