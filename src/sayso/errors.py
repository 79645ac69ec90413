"""Errors are types: each carries a sentence a person can act on.

The CLI prints ``str(error)`` and exits non-zero; the API (later) maps the same
types to problem+json. Messages never contain participant identifiers in clear.
"""

from __future__ import annotations


class SaysoError(Exception):
    """Base of every error Sayso reports to a person instead of a traceback."""

    exit_code = 1
    code = "sayso_error"


class PolicyRejected(SaysoError):
    """A policy breaks a rule; ``rule`` names it so the admin can look it up."""

    code = "policy_rejected"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"policy rejected ({rule}): {message}")
        self.rule = rule


class UnknownPurpose(SaysoError):
    code = "unknown_purpose"


class UnknownModality(SaysoError):
    code = "unknown_modality"


class NotFound(SaysoError):
    code = "not_found"


class Conflict(SaysoError):
    code = "conflict"


class InvalidInput(SaysoError):
    code = "invalid_input"


class NotAllowed(SaysoError):
    """A credential tried something its role may never do (e.g. grant for someone else)."""

    code = "not_allowed"


class LogCorrupt(SaysoError):
    """The stored log disagrees with itself: a row was altered, removed or reordered."""

    code = "log_corrupt"


class ReceiptInvalid(SaysoError):
    code = "receipt_invalid"


class KeyFileError(SaysoError):
    code = "key_file_error"


class DatabaseError(SaysoError):
    code = "database_error"


class Unauthenticated(SaysoError):
    """No credential, or one that is unknown, expired or revoked."""

    code = "unauthenticated"


class RateLimited(SaysoError):
    code = "rate_limited"


class RemoteUnavailable(SaysoError):
    """A remote Sayso server could not be reached, or did not answer as documented."""

    code = "remote_unavailable"
