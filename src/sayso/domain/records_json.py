"""Canonical JSON of consent events and records, written field by field.

The log commits to an event's canonical JSON (``canonical_json(event.to_document())``)
and the current-state table stores each record's; both are written here byte for byte
as the generic encoder would (pinned by digests and a property test), from stretches of
text shared by every event of one request shape: the generic encoder cost more than the
store.
"""

from __future__ import annotations

from typing import Any

from sayso.domain.canonical import canonical_json, json_string, json_strings
from sayso.domain.records import (
    EVENT_STATUS,
    ConsentEvent,
    ConsentRecord,
    EventType,
    NoticeTerms,
    Status,
    Window,
    iso_text,
    record_to_document,
)

_iso = iso_text


def event_canonical_json(event: ConsentEvent) -> bytes:
    """``canonical_json(event.to_document())``, byte for byte (the log commits to these
    bytes), written field by field."""
    try:
        parts: EventJsonParts | None = event.__dict__.get("_json_parts")
        if parts is None:
            return _event_json(event).encode("utf-8")
        return _event_json_with(parts, event).encode("utf-8")
    except TypeError:  # a field of a type the document does not expect: the general path
        return canonical_json(event.to_document())


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
    same fields but the varying four, kept beside the fields for ``event_canonical_json``."""
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
