"""Derive consent records (current state) from the append-only event history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sayso.domain.records import (
    EVENT_STATUS,
    ConsentEvent,
    ConsentRecord,
    EventType,
    ScopeKind,
    Status,
    Window,
)
from sayso.domain.records_json import EventJsonParts, shared_record_parts

# (participant, scope kind, scope id, purpose): plain values hash and compare faster than
# a Scope dataclass, and a history read back has a distinct Scope object per event.
_Key = tuple[str, ScopeKind, str, str]
_ENDING = {
    EventType.WITHDRAW: Status.WITHDRAWN,
    EventType.REFUSE: Status.WITHDRAWN,
    EventType.EXPIRE: Status.EXPIRED,
    EventType.INVALIDATE: Status.INVALIDATED,
}


def fold_events(
    events: Iterable[ConsentEvent],
    *,
    live: Iterable[ConsentRecord] = (),
    granted: Mapping[str, Window] | None = None,
) -> list[ConsentRecord]:
    """Replay events in log order; the result does not depend on anything but the events.

    Per (participant, scope, purpose): a grant supersedes the previous grant's capture
    (content captured under it stays usable); pause and resume close and reopen the
    capture window; withdraw, refuse, expire and invalidate end every use from then on.

    To continue from an earlier fold instead of replaying its events, pass the records it
    left ``live`` (``is_live``) and, for each, the capture window its grant gave
    (``granted``, by record id; see ``granted_window``). Records that ended never change
    again, so ``fold_events(later, live=…, granted=…)`` returns exactly what replaying the
    whole history returns for those live records and the later events (a property test
    holds it to that); the earlier fold's ended records stand as they were.
    """
    ordered = sorted(events, key=_log_order)
    # Only live records change, so ended ones are set aside: a long history stays linear.
    open_: dict[_Key, list[ConsentRecord]] = {}
    ended: dict[_Key, list[ConsentRecord]] = {}  # its keys in order of first event
    windows: dict[str, Window] = dict(granted or {})  # grant event id -> its capture window
    for record in sorted(live, key=_record_order):
        if not is_live(record):
            raise ValueError(f"record {record.record_id} has ended: only live records continue")
        key = (record.principal_id, record.scope.kind, record.scope.id, record.purpose)
        ended.setdefault(key, [])
        open_.setdefault(key, []).append(record)
    for event in ordered:
        kind = event.event_type
        starts = kind is EventType.GRANT or kind is EventType.REFUSE  # makes a record
        if kind is EventType.GRANT:
            windows[event.event_id] = granted_window(event)
        who, scope = event.principal_id, event.scope
        for purpose in event.purposes:
            key = (who, scope.kind, scope.id, purpose)
            done = ended.get(key)
            if done is None:
                done = ended[key] = []
            records = open_.get(key)
            if not records and not starts:
                continue  # pausing, resuming or ending nothing changes nothing
            still: list[ConsentRecord] = []
            for record in _apply(records or [], event, purpose, windows):
                (still if is_live(record) else done).append(record)
            open_[key] = still
    return [
        record
        for key in ended
        for record in sorted(ended[key] + open_.get(key, []), key=_record_order)
    ]


def _log_order(event: ConsentEvent) -> int:
    return event.log_index if event.log_index is not None else -1


def _record_order(record: ConsentRecord) -> int:
    return record.log_index


def _apply(
    records: list[ConsentRecord], event: ConsentEvent, purpose: str, granted: dict[str, Window]
) -> list[ConsentRecord]:
    t = event.event_time
    kind = event.event_type
    if kind is EventType.GRANT:
        return [*_close_capture(records, t), _new_record(event, purpose, granted[event.event_id])]
    if kind is EventType.PAUSE:
        return _close_capture(records, t)
    if kind is EventType.RESUME:
        return _reopen_latest(records, t, granted)
    ended = [_end_use(r, t, _ENDING[kind]) for r in records]
    if kind is EventType.REFUSE:
        ended.append(_new_record(event, purpose, None))
    return ended


def granted_window(event: ConsentEvent) -> Window:
    """The capture window a grant gives: the one it names, else from its time on."""
    return event.capture_window or Window(event.event_time)


def _new_record(event: ConsentEvent, purpose: str, window: Window | None) -> ConsentRecord:
    """The record a grant (with the capture ``window`` it gives) or a refusal starts."""
    grant = window is not None
    record = _record(
        {
            "record_id": event.event_id,
            "log_index": event.log_index if event.log_index is not None else -1,
            "principal_id": event.principal_id,
            "org_id": event.org_id,
            "scope": event.scope,
            "purpose": purpose,
            "status": EVENT_STATUS[event.event_type],
            "decided_at": event.event_time,
            "notice_hash": event.notice_hash,
            "modalities": event.modalities if grant else (),
            "recipients": event.recipients if grant else (),
            "terms": event.terms.get(purpose),
            "capture_windows": (window,) if grant else (),
            "use_end": None,
        }
    )
    event_parts: EventJsonParts | None = event.__dict__.get("_json_parts")
    if event_parts is not None:  # its record's constant JSON: once per event shape
        record.__dict__["_json_parts"] = shared_record_parts(event_parts, purpose, record)
    return record


def _record(fields: dict[str, Any]) -> ConsentRecord:
    """``ConsentRecord(**fields)``, every field named, set directly: the frozen
    ``__init__`` costs one ``object.__setattr__`` per field, and the fold makes a record
    per event and another per change."""
    record: ConsentRecord = object.__new__(ConsentRecord)
    record.__dict__.update(fields)
    return record


def is_live(record: ConsentRecord) -> bool:
    """Given and in use: a record later events can still change."""
    return record.status is Status.GIVEN and record.use_end is None


def _close_capture(records: list[ConsentRecord], t: datetime) -> list[ConsentRecord]:
    return [
        _changed(r, r.status, _closed(r.capture_windows, t), r.use_end) if is_live(r) else r
        for r in records
    ]


def _changed(
    r: ConsentRecord,
    status: Status,
    windows: tuple[Window, ...],
    use_end: datetime | None,
) -> ConsentRecord:
    """``r`` with a new status, capture windows and use end, built directly:
    ``dataclasses.replace`` introspects the fields on every call, twice per event here."""
    return _record({**r.__dict__, "status": status, "capture_windows": windows, "use_end": use_end})


def _closed(windows: tuple[Window, ...], t: datetime) -> tuple[Window, ...]:
    out = []
    for w in windows:
        if w.end is None or w.end > t:
            # A window that has not started yet when closed covers nothing.
            if w.start < t:
                out.append(Window(w.start, t))
        else:
            out.append(w)
    return tuple(out)


def _reopen_latest(
    records: list[ConsentRecord], t: datetime, granted: dict[str, Window]
) -> list[ConsentRecord]:
    live = [i for i, r in enumerate(records) if is_live(r)]
    if not live:
        return records
    i = live[-1]
    record = records[i]
    # Resuming never reaches outside the capture window the grant itself gave.
    bound = granted.get(record.record_id, Window(record.decided_at))
    start = max(t, bound.start)
    if bound.end is not None and start >= bound.end:
        return records
    if any(w.start <= start and (w.end is None or start < w.end) for w in record.capture_windows):
        return records
    windows = (*record.capture_windows, Window(start, bound.end))
    updated = _changed(record, record.status, windows, record.use_end)
    return [*records[:i], updated, *records[i + 1 :]]


def _end_use(record: ConsentRecord, t: datetime, status: Status) -> ConsentRecord:
    if not is_live(record):
        return record
    return _changed(record, status, _closed(record.capture_windows, t), t)
