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

from sayso.domain.canonical import canonical_json, json_string, json_strings
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

    def to_canonical_json(self) -> bytes:
        """``canonical_json(self.to_document())``, byte for byte (the log commits to these
        bytes), written field by field: the generic encoder cost more than the store."""
        try:
            parts: EventJsonParts | None = self.__dict__.get("_json_parts")
            if parts is None:
                return _event_json(self).encode("utf-8")
            return _event_json_with(parts, self).encode("utf-8")
        except TypeError:  # a field of a type the document does not expect: the general path
            return canonical_json(self.to_document())

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


_EVENT_TYPE_JSON = {t: json_string(t.value) for t in EventType}
_EVENT_STATUS_JSON = {t: json_string(s.value) for t, s in EVENT_STATUS.items()}
_STATUS_JSON = {s: json_string(s.value) for s in Status}


EventJsonParts = tuple[str, str, str, str]
"""The text between an event's varying fields (capture window, event time, indication
method, event id) in its canonical JSON: the same for every event of one request shape."""


def event_json_parts(e: ConsentEvent) -> EventJsonParts:
    """``e``'s canonical JSON without its capture window, event time, indication method
    and event id: the four stretches of text around them."""
    modalities = json_strings(e.modalities)
    return (
        f',"controller":{json_string(e.controller)},"event_time":"',
        f'","event_type":{_EVENT_TYPE_JSON[e.event_type]},"indication_method":',
        f',"jurisdiction":{json_string(e.jurisdiction)},'
        f'"language":{json_string(e.language)},'
        f'"modalities":{modalities},'
        f'"notice_hash":{json_string(e.notice_hash)},'
        f'"org_id":{json_string(e.org_id)},'
        f'"personal_data_categories":{modalities},'
        f'"principal_id":{json_string(e.principal_id)},'
        f'"purposes":{json_strings(e.purposes)},'
        f'"recipients":{json_strings(e.recipients)},'
        '"record_id":',
        f',"scope":{json_string(str(e.scope))},'
        f'"status":{_EVENT_STATUS_JSON[e.event_type]},'
        f'"storage_location":{json_string(e.storage_location)},'
        f'"terms":{_terms_map_json(e.terms)},'
        f'"withdrawal_method":{json_string(e.withdrawal_method)}}}',
    )


def _event_json(e: ConsentEvent) -> str:
    """The canonical JSON of ``e.to_document()``: its keys in sorted order."""
    return _event_json_with(event_json_parts(e), e)


def _event_json_with(parts: EventJsonParts, e: ConsentEvent) -> str:
    # isoformat needs no escaping
    return "".join(
        [
            '{"capture_window":',
            _window_json(e.capture_window),
            parts[0],
            _iso(e.event_time),
            parts[1],
            json_string(e.indication_method),
            parts[2],
            json_string(e.event_id),
            parts[3],
        ]
    )


def new_event(fields: dict[str, Any], parts: EventJsonParts | None = None) -> ConsentEvent:
    """``ConsentEvent(**fields)`` (every field named), set directly rather than through the
    frozen ``__init__``'s one ``object.__setattr__`` per field. With ``parts``: the
    stretches of its canonical JSON that ``event_json_parts`` gives for an event of the
    same fields but the varying four, kept beside the fields for ``to_canonical_json``."""
    event: ConsentEvent = object.__new__(ConsentEvent)
    values = event.__dict__
    values.update(fields)
    if parts is not None:
        values["_json_parts"] = parts
    return event


def _terms_map_json(terms: dict[str, NoticeTerms]) -> str:
    if len(terms) == 1:  # the usual event: one purpose
        ((purpose, t),) = terms.items()
        return f"{{{json_string(purpose)}:{_terms_json(t)}}}"
    pairs = [f"{json_string(p)}:{_terms_json(t)}" for p, t in sorted(terms.items())]
    return "{" + ",".join(pairs) + "}"


def _terms_json(t: NoticeTerms) -> str:
    return t._json


def _window_json(w: Window | None) -> str:
    if w is None:
        return "null"
    start = _iso(w.start)
    end = f'"{_iso(w.end)}"' if w.end else "null"
    return f'{{"end":{end},"start":"{start}"}}'


def _int_json(value: int) -> str:
    if type(value) is not int:  # bool and friends: the general path
        raise TypeError(f"not an int: {value!r}")
    return repr(value)


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


def record_canonical_json(record: ConsentRecord) -> bytes:
    """``canonical_json(record_to_document(record))``, byte for byte, field by field."""
    try:
        return _record_json(record).encode("utf-8")
    except TypeError:  # a field of a type the document does not expect: the general path
        return canonical_json(record_to_document(record))


RecordJsonParts = tuple[str, str, str]
"""The text between a record's varying fields (record id, status, use end; capture
windows, decided at and log index come first) in its canonical JSON: the same for every
record of one (participant, scope, purpose) and event shape."""

_RECORD_PARTS: dict[tuple[EventJsonParts, str], RecordJsonParts] = {}


def record_json_parts(r: ConsentRecord) -> RecordJsonParts:
    """``r``'s canonical JSON without its capture windows, decided at, log index, record
    id, status and use end: the stretches of text after the log index and between the rest."""
    return (
        f',"modalities":{json_strings(r.modalities)},'
        f'"notice_hash":{json_string(r.notice_hash)},'
        f'"org_id":{json_string(r.org_id)},'
        f'"principal_id":{json_string(r.principal_id)},'
        f'"purpose":{json_string(r.purpose)},'
        f'"recipients":{json_strings(r.recipients)},'
        '"record_id":',
        f',"scope":{json_string(str(r.scope))},"status":',
        f',"terms":{_terms_json(r.terms) if r.terms else "null"},"use_end":',
    )


def shared_record_parts(
    event_parts: EventJsonParts, purpose: str, r: ConsentRecord
) -> RecordJsonParts:
    """``record_json_parts(r)`` for ``r`` made from an event with ``event_parts`` for
    ``purpose`` (which fix every field the parts hold), kept for the next such record."""
    key = (event_parts, purpose)
    parts = _RECORD_PARTS.get(key)
    if parts is None:
        if len(_RECORD_PARTS) >= 1024:
            _RECORD_PARTS.clear()
        parts = _RECORD_PARTS[key] = record_json_parts(r)
    return parts


def _record_json(r: ConsentRecord) -> str:
    """The canonical JSON of ``record_to_document(r)``: its keys in sorted order."""
    parts: RecordJsonParts | None = r.__dict__.get("_json_parts")
    if parts is None:
        parts = record_json_parts(r)
    windows = r.capture_windows
    return "".join(
        [
            '{"capture_windows":[',
            _window_json(windows[0]) if len(windows) == 1 else ",".join(map(_window_json, windows)),
            '],"decided_at":"',
            _iso(r.decided_at),
            '","log_index":',
            _int_json(r.log_index),
            parts[0],
            json_string(r.record_id),
            parts[1],
            _STATUS_JSON[r.status],
            parts[2],
            f'"{_iso(r.use_end)}"' if r.use_end else "null",
            "}",
        ]
    )


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
