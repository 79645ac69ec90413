"""Consent events and records as JSON documents; scopes, windows and use windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.canonical import canonical_json
from sayso.domain.records import (
    EVENT_STATUS,
    ConsentEvent,
    ConsentRecord,
    EventType,
    NoticeTerms,
    Scope,
    ScopeKind,
    Status,
    Window,
    record_from_document,
    record_to_document,
)
from sayso.errors import InvalidInput
from tests.unit.domain.builders import T0, demo_policy, make_event

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
ids = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
words = st.lists(
    st.sampled_from(["audio", "video", "chat", "transcript", "files", "notetaker"]),
    unique=True,
    max_size=4,
).map(tuple)
scopes = st.builds(Scope, st.sampled_from(list(ScopeKind)), ids)
terms = st.builds(
    NoticeTerms,
    basis=st.sampled_from(["consent", "legal_obligation"]),
    modalities=words,
    retention_days=st.integers(1, 36500),
    recipients=words,
)


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(aware)
    end = draw(st.none() | st.timedeltas(timedelta(seconds=1), timedelta(days=30)))
    return Window(start, None if end is None else start + end)


events = st.builds(
    ConsentEvent,
    event_id=ids,
    principal_id=ids,
    org_id=ids,
    scope=scopes,
    event_type=st.sampled_from(list(EventType)),
    purposes=words,
    event_time=aware,
    notice_hash=st.just("sha256:" + "0" * 64),
    controller=ids,
    jurisdiction=ids,
    storage_location=ids,
    language=st.sampled_from(["en", "de", "pt-BR"]),
    withdrawal_method=ids,
    indication_method=st.sampled_from(["web", "invitation", "api", "cli"]),
    modalities=words,
    recipients=words,
    terms=st.dictionaries(st.sampled_from(["recording", "ai_training"]), terms),
    capture_window=st.none() | windows(),
    log_index=st.none() | st.integers(0, 2**40),
)
records = st.builds(
    ConsentRecord,
    record_id=ids,
    log_index=st.integers(-1, 2**40),
    principal_id=ids,
    org_id=ids,
    scope=scopes,
    purpose=st.sampled_from(["recording", "ai_training", "third_party_sharing"]),
    status=st.sampled_from(list(Status)),
    decided_at=aware,
    notice_hash=st.just("sha256:" + "f" * 64),
    modalities=words,
    recipients=words,
    terms=st.none() | terms,
    capture_windows=st.lists(windows(), max_size=3).map(tuple),
    use_end=st.none() | aware,
)


# --- Round trips ----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(events)
def test_event_document_round_trips(event: ConsentEvent) -> None:
    doc = event.to_document()
    canonical_json(doc)  # the log commits to the canonical bytes: must be JSON data
    back = ConsentEvent.from_document(doc, log_index=event.log_index)
    assert back == event
    assert back.to_document() == doc


@settings(max_examples=100, deadline=None)
@given(records)
def test_record_document_round_trips(record: ConsentRecord) -> None:
    doc = record_to_document(record)
    canonical_json(doc)
    back = record_from_document(doc)
    assert back == record
    assert record_to_document(back) == doc


def test_event_document_has_the_mandatory_fields_and_derived_status() -> None:
    event = make_event(
        EventType.GRANT,
        "alice",
        ["ai_training", "recording"],
        T0,
        4,
        demo_policy(),
        capture_window=Window(T0, T0 + timedelta(hours=1)),
    )
    doc = event.to_document()
    assert doc["record_id"] == event.event_id
    assert doc["scope"] == "meeting:m1"
    assert doc["event_type"] == "grant"
    assert doc["status"] == "ConsentGiven"
    assert doc["personal_data_categories"] == doc["modalities"] == list(event.modalities)
    assert doc["event_time"] == "2024-03-01T10:00:00+00:00"
    assert list(doc["terms"]) == ["ai_training", "recording"]
    assert doc["terms"]["ai_training"] == {
        "basis": "consent",
        "modalities": ["audio", "video", "transcript", "chat"],
        "retention_days": 365,
        "recipients": [],
    }
    assert doc["capture_window"] == {
        "start": "2024-03-01T10:00:00+00:00",
        "end": "2024-03-01T11:00:00+00:00",
    }
    assert "log_index" not in doc
    for key in ("controller", "jurisdiction", "storage_location", "language"):
        assert doc[key] == getattr(demo_policy(), key)
    assert ConsentEvent.from_document(doc).log_index is None


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (EventType.GRANT, Status.GIVEN),
        (EventType.PAUSE, Status.GIVEN),
        (EventType.RESUME, Status.GIVEN),
        (EventType.REFUSE, Status.REFUSED),
        (EventType.WITHDRAW, Status.WITHDRAWN),
        (EventType.EXPIRE, Status.EXPIRED),
        (EventType.INVALIDATE, Status.INVALIDATED),
    ],
)
def test_each_event_type_maps_to_its_dpv_status(kind: EventType, status: Status) -> None:
    assert EVENT_STATUS[kind] is status
    event = make_event(kind, "alice", ["recording"], T0, 0, demo_policy())
    assert event.status is status
    assert event.to_document()["status"] == status.value


def test_event_knows_the_retention_it_was_told_per_purpose() -> None:
    event = make_event(EventType.GRANT, "alice", ["recording"], T0, 0, demo_policy())
    assert event.retention_days("recording") == 90
    assert event.retention_days("ai_training") is None


# --- Naive datetimes are rejected ------------------------------------------------------------

NAIVE = datetime(2024, 3, 1, 10, 0)


def _event(**changes: Any) -> ConsentEvent:
    base = make_event(EventType.GRANT, "alice", ["recording"], T0, 0, demo_policy())
    fields = {f: getattr(base, f) for f in ConsentEvent.__dataclass_fields__}
    fields.update(changes)
    return ConsentEvent(**fields)


def _record(**changes: Any) -> ConsentRecord:
    fields: dict[str, Any] = {
        "record_id": "r1",
        "log_index": 0,
        "principal_id": "alice",
        "org_id": "org",
        "scope": Scope(ScopeKind.MEETING, "m1"),
        "purpose": "recording",
        "status": Status.GIVEN,
        "decided_at": T0,
        "notice_hash": "sha256:" + "0" * 64,
        "capture_windows": (Window(T0),),
    }
    fields.update(changes)
    return ConsentRecord(**fields)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_event(event_time=NAIVE), id="event_time"),
        pytest.param(_event(capture_window=Window(NAIVE)), id="window start"),
        pytest.param(_event(capture_window=Window(T0, NAIVE)), id="window end"),
    ],
)
def test_event_with_a_naive_time_cannot_become_a_document(event: ConsentEvent) -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        event.to_document()


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(_record(decided_at=NAIVE), id="decided_at"),
        pytest.param(_record(use_end=NAIVE), id="use_end"),
        pytest.param(_record(capture_windows=(Window(T0), Window(NAIVE))), id="window"),
    ],
)
def test_record_with_a_naive_time_cannot_become_a_document(record: ConsentRecord) -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        record_to_document(record)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event_time", "2024-03-01T10:00:00"),
        ("capture_window", {"start": "2024-03-01T10:00:00", "end": None}),
        ("capture_window", {"start": "2024-03-01T10:00:00+00:00", "end": "2024-03-01T11:00:00"}),
    ],
)
def test_event_document_with_a_naive_time_is_rejected(field: str, value: object) -> None:
    doc = _event().to_document()
    doc[field] = value
    with pytest.raises(InvalidInput, match="time zone"):
        ConsentEvent.from_document(doc)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decided_at", "2024-03-01T10:00:00"),
        ("use_end", "2024-03-01T11:00:00"),
        ("capture_windows", [{"start": "2024-03-01T10:00:00", "end": None}]),
    ],
)
def test_record_document_with_a_naive_time_is_rejected(field: str, value: object) -> None:
    doc = record_to_document(_record())
    doc[field] = value
    with pytest.raises(InvalidInput, match="time zone"):
        record_from_document(doc)


# --- Scopes, windows, use windows -----------------------------------------------------------


@pytest.mark.parametrize("kind", list(ScopeKind))
def test_scope_round_trips_through_its_text_form(kind: ScopeKind) -> None:
    scope = Scope(kind, "abc:def")
    assert str(scope) == f"{kind.value}:abc:def"
    assert Scope.parse(str(scope)) == scope


@pytest.mark.parametrize("text", ["m1", "meeting:", "room:m1", ":m1", ""])
def test_malformed_scope_is_rejected(text: str) -> None:
    with pytest.raises(InvalidInput, match="meeting:ID"):
        Scope.parse(text)


def test_window_is_half_open_and_a_span_must_lie_wholly_inside() -> None:
    window = Window(T0, T0 + timedelta(minutes=10))
    minute = timedelta(minutes=1)
    assert window.contains_span(T0, T0 + 10 * minute)
    assert window.contains_span(T0 + minute, T0 + 2 * minute)
    assert not window.contains_span(T0 - minute, T0 + minute)
    assert not window.contains_span(T0 + 9 * minute, T0 + 11 * minute)
    assert Window(T0).contains_span(T0 + minute, T0 + 1000 * minute)
    assert not Window(T0).contains_span(T0 - minute, T0)


def test_use_window_runs_from_decision_until_use_end_exclusive() -> None:
    minute = timedelta(minutes=1)
    record = _record(use_end=T0 + 5 * minute, status=Status.WITHDRAWN)
    assert not record.in_use_at(T0 - minute)
    assert record.in_use_at(T0)
    assert record.in_use_at(T0 + 4 * minute)
    assert not record.in_use_at(T0 + 5 * minute)


def test_a_refusal_is_never_in_use() -> None:
    refusal = _record(status=Status.REFUSED, capture_windows=())
    assert not refusal.is_grant
    assert not refusal.in_use_at(T0 + timedelta(days=1))
