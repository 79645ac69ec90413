"""Consent events (the append-only history) and consent records (the state derived from it).

An event is what a participant did: grant, refuse, pause, resume, withdraw (or what
time did: expire; or what a policy change did: invalidate). Events carry the
ISO/IEC TS 27560 mandatory fields. ``fold_events`` derives, per decision and
purpose, a ``ConsentRecord`` with its capture windows and use window; the ledger
keeps those in a current-state table and ``decide`` reads them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sayso.domain.canonical import canonical_json
from sayso.errors import InvalidInput


class EventType(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    INVALIDATE = "invalidate"


class Status(StrEnum):
    """W3C DPV consent statuses."""

    GIVEN = "ConsentGiven"
    REFUSED = "ConsentRefused"
    WITHDRAWN = "ConsentWithdrawn"
    EXPIRED = "ConsentExpired"
    INVALIDATED = "ConsentInvalidated"


EVENT_STATUS = {
    EventType.GRANT: Status.GIVEN,
    EventType.REFUSE: Status.REFUSED,
    EventType.PAUSE: Status.GIVEN,
    EventType.RESUME: Status.GIVEN,
    EventType.WITHDRAW: Status.WITHDRAWN,
    EventType.EXPIRE: Status.EXPIRED,
    EventType.INVALIDATE: Status.INVALIDATED,
}

# Participants act through these; "invitation" = decided in advance from the invitation link.
INDICATION_METHODS = frozenset({"web", "invitation", "api", "cli", "gpc", "scenario", "system"})


class ScopeKind(StrEnum):
    MEETING = "meeting"
    SERIES = "series"
    ORG = "org"  # standing: "all meetings of org X"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    id: str

    def __str__(self) -> str:
        # Every row of an event writes its scope: format it once, kept beside the fields
        # (a frozen instance's __dict__ is writable; cached_property would take a lock).
        text: str | None = self.__dict__.get("_text")
        if text is None:
            text = self.__dict__["_text"] = f"{self.kind.value}:{self.id}"
        return text

    @classmethod
    def parse(cls, text: str) -> Scope:
        kind, sep, ident = text.partition(":")
        if not sep or not ident or kind not in {k.value for k in ScopeKind}:
            raise InvalidInput(f"scope {text!r} must look like meeting:ID, series:ID or org:ID")
        return cls(ScopeKind(kind), ident)


@dataclass(frozen=True)
class NoticeTerms:
    """What the notice said about one purpose, frozen into the event that answered it."""

    basis: str
    modalities: tuple[str, ...]
    retention_days: int
    recipients: tuple[str, ...] = ()

    @functools.cached_property
    def _json(self) -> str:  # a batch's events share their terms: encode each once
        return canonical_json(_terms_doc(self)).decode("utf-8")


@dataclass(frozen=True)
class Window:
    """Half-open time interval [start, end); ``end=None`` means still open."""

    start: datetime
    end: datetime | None = None

    def contains_span(self, t_start: datetime, t_end: datetime) -> bool:
        return self.start <= t_start and (self.end is None or t_end <= self.end)


@dataclass(frozen=True)
class ConsentEvent:
    """One entry of the history, with the ISO/IEC TS 27560 mandatory fields."""

    event_id: str
    principal_id: str
    org_id: str
    scope: Scope
    event_type: EventType
    purposes: tuple[str, ...]
    event_time: datetime
    notice_hash: str
    controller: str
    jurisdiction: str
    storage_location: str
    language: str
    withdrawal_method: str
    indication_method: str
    modalities: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    terms: dict[str, NoticeTerms] = field(default_factory=dict)
    capture_window: Window | None = None
    log_index: int | None = None

    @property
    def status(self) -> Status:
        return EVENT_STATUS[self.event_type]

    @property
    def personal_data_categories(self) -> tuple[str, ...]:
        return self.modalities

    def retention_days(self, purpose: str) -> int | None:
        terms = self.terms.get(purpose)
        return terms.retention_days if terms else None

    def to_document(self) -> dict[str, Any]:
        """The event as JSON data: what the log commits to and the receipt carries."""
        return {
            "record_id": self.event_id,
            "principal_id": self.principal_id,
            "org_id": self.org_id,
            "scope": str(self.scope),
            "event_type": self.event_type.value,
            "status": self.status.value,
            "purposes": list(self.purposes),
            "modalities": list(self.modalities),
            "personal_data_categories": list(self.personal_data_categories),
            "recipients": list(self.recipients),
            "event_time": _iso(self.event_time),
            "notice_hash": self.notice_hash,
            "terms": {p: _terms_doc(t) for p, t in sorted(self.terms.items())},
            "controller": self.controller,
            "jurisdiction": self.jurisdiction,
            "storage_location": self.storage_location,
            "language": self.language,
            "withdrawal_method": self.withdrawal_method,
            "indication_method": self.indication_method,
            "capture_window": _window_doc(self.capture_window),
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any], log_index: int | None = None) -> ConsentEvent:
        return cls(
            event_id=doc["record_id"],
            principal_id=doc["principal_id"],
            org_id=doc["org_id"],
            scope=Scope.parse(doc["scope"]),
            event_type=EventType(doc["event_type"]),
            purposes=tuple(doc["purposes"]),
            modalities=tuple(doc["modalities"]),
            recipients=tuple(doc["recipients"]),
            event_time=_parse_time(doc["event_time"]),
            notice_hash=doc["notice_hash"],
            terms={p: _terms_from(t) for p, t in doc["terms"].items()},
            controller=doc["controller"],
            jurisdiction=doc["jurisdiction"],
            storage_location=doc["storage_location"],
            language=doc["language"],
            withdrawal_method=doc["withdrawal_method"],
            indication_method=doc["indication_method"],
            capture_window=_window_from(doc["capture_window"]),
            log_index=log_index,
        )


_ISO_TEXT: dict[int, tuple[datetime, str]] = {}
"""Recently formatted times by ``id``, each beside its time (so the id stays its own):
an event's time is written into its document, then its record's ``decided_at``, capture
window and the use end of the record it ends: formatted once, not three times."""


def _iso(value: datetime) -> str:
    known = _ISO_TEXT.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    if value.tzinfo is None:
        raise InvalidInput("times must carry a time zone (use UTC)")
    text = value.isoformat()
    if len(_ISO_TEXT) >= 8192:
        _ISO_TEXT.clear()
    _ISO_TEXT[id(value)] = (value, text)
    return text


iso_text = _iso
"""An aware time's ``isoformat()`` (naive times refused), formatted once per time object."""


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise InvalidInput("times must carry a time zone (use UTC)")
    return value


def _terms_doc(t: NoticeTerms) -> dict[str, Any]:
    return {
        "basis": t.basis,
        "modalities": list(t.modalities),
        "retention_days": t.retention_days,
        "recipients": list(t.recipients),
    }


def _terms_from(d: dict[str, Any]) -> NoticeTerms:
    return NoticeTerms(
        basis=d["basis"],
        modalities=tuple(d["modalities"]),
        retention_days=int(d["retention_days"]),
        recipients=tuple(d["recipients"]),
    )


def _window_doc(w: Window | None) -> dict[str, str | None] | None:
    if w is None:
        return None
    return {"start": _iso(w.start), "end": _iso(w.end) if w.end else None}


def _window_from(d: dict[str, Any] | None) -> Window | None:
    if d is None:
        return None
    end = d.get("end")
    return Window(_parse_time(d["start"]), _parse_time(end) if end else None)


@dataclass(frozen=True)
class ConsentRecord:
    """Derived state of one decision for one purpose: what ``decide`` reads."""

    record_id: str
    log_index: int
    principal_id: str
    org_id: str
    scope: Scope
    purpose: str
    status: Status
    decided_at: datetime
    notice_hash: str
    modalities: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    terms: NoticeTerms | None = None
    capture_windows: tuple[Window, ...] = ()
    use_end: datetime | None = None

    @property
    def is_grant(self) -> bool:
        return self.status is not Status.REFUSED

    def in_use_at(self, at: datetime) -> bool:
        return (
            self.is_grant and self.decided_at <= at and (self.use_end is None or at < self.use_end)
        )


def record_to_document(record: ConsentRecord) -> dict[str, Any]:
    """A derived record as JSON data (the current-state table and "My data" show this)."""
    return {
        "record_id": record.record_id,
        "log_index": record.log_index,
        "principal_id": record.principal_id,
        "org_id": record.org_id,
        "scope": str(record.scope),
        "purpose": record.purpose,
        "status": record.status.value,
        "decided_at": _iso(record.decided_at),
        "notice_hash": record.notice_hash,
        "modalities": list(record.modalities),
        "recipients": list(record.recipients),
        "terms": _terms_doc(record.terms) if record.terms else None,
        "capture_windows": [_window_doc(w) for w in record.capture_windows],
        "use_end": _iso(record.use_end) if record.use_end else None,
    }


def record_from_document(doc: dict[str, Any]) -> ConsentRecord:
    windows = tuple(w for w in (_window_from(d) for d in doc["capture_windows"]) if w)
    return ConsentRecord(
        record_id=doc["record_id"],
        log_index=int(doc["log_index"]),
        principal_id=doc["principal_id"],
        org_id=doc["org_id"],
        scope=Scope.parse(doc["scope"]),
        purpose=doc["purpose"],
        status=Status(doc["status"]),
        decided_at=_parse_time(doc["decided_at"]),
        notice_hash=doc["notice_hash"],
        modalities=tuple(doc["modalities"]),
        recipients=tuple(doc["recipients"]),
        terms=_terms_from(doc["terms"]) if doc["terms"] else None,
        capture_windows=windows,
        use_end=_parse_time(doc["use_end"]) if doc["use_end"] else None,
    )
