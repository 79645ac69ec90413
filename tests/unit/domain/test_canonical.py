"""Canonical JSON: the bytes the transparency log commits to must never change.

The pinned digests below were taken from ``canonical_json(event.to_document())`` before
any faster encoder existed; the fast encoders must give exactly those bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.canonical import canonical_json, json_string
from sayso.domain.fold import fold_events
from sayso.domain.records import (
    ConsentEvent,
    ConsentRecord,
    EventType,
    NoticeTerms,
    Scope,
    ScopeKind,
    Window,
    record_to_document,
)
from sayso.domain.records_json import (
    event_canonical_json,
    event_json_parts,
    new_event,
    record_canonical_json,
)
from tests.unit.domain.test_records import events, records

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
RECORDING = NoticeTerms("consent", ("audio", "video"), 90, ("acme-notes",))
AI = NoticeTerms("legitimate_interest", ("audio", "video", "transcript", "chat"), 365)


def _event(kind: EventType, index: int, **changes: object) -> ConsentEvent:
    fields: dict[str, object] = {
        "event_id": f"ev-{index}",
        "principal_id": "alice",
        "org_id": "org-acme",
        "scope": Scope(ScopeKind.MEETING, "m1"),
        "event_type": kind,
        "purposes": ("ai_training", "recording"),
        "event_time": T0 + timedelta(minutes=index),
        "notice_hash": "sha256:" + "ab" * 32,
        "controller": "Acme Corp",
        "jurisdiction": "EU (GDPR)",
        "storage_location": "the EU (Frankfurt)",
        "language": "en",
        "withdrawal_method": "the meeting page or the My data page",
        "indication_method": "web",
        "terms": {"recording": RECORDING, "ai_training": AI},
        "log_index": index,
    }
    fields.update(changes)
    return ConsentEvent(**fields)  # type: ignore[arg-type]


EVENTS = [
    _event(
        EventType.GRANT,
        0,
        modalities=("audio", "video"),
        recipients=("acme-notes",),
        capture_window=Window(T0, T0 + timedelta(hours=1)),
    ),
    _event(EventType.PAUSE, 1, purposes=("recording",), terms={"recording": RECORDING}),
    _event(EventType.RESUME, 2, purposes=("recording",), terms={"recording": RECORDING}),
    _event(EventType.WITHDRAW, 3, purposes=("recording",), terms={"recording": RECORDING}),
    _event(
        EventType.REFUSE,
        4,
        principal_id='Zoë "z" \\ 名前\n\x07\u2028',
        scope=Scope(ScopeKind.ORG, "org:acme/ü"),
        event_time=datetime(
            2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5, minutes=-30))
        ),
        purposes=("ai_training",),
        terms={"ai_training": AI},
        indication_method="invitation",
    ),
]

EVENT_DIGESTS = {
    "ev-0": "caad90a89e8559fd8f238093be9ce70f8cb31d5231fc0934cc7d6d4213cd9e84",
    "ev-1": "4f017a79ac6b9d30d6a41b64d4ca1f1c3fa587e222cb68b23365e5e554bb179c",
    "ev-2": "d4826f87cf3f67d765443dfae01a7c1fe66fc8d91f34444d48dac21b60bdbb96",
    "ev-3": "9da6b7cfb5719147adbf870c204438662511a9c83035e96adad450e0c8f59a43",
    "ev-4": "9c2008c31e42d4cd3782fed60c259c59cc3a2d8dcf2d4009e799edf00d99fdfd",
}
RECORD_DIGESTS = {
    ("ev-0", "ai_training"): "60cf857fbc86f888205b5fd81760f91bdd4a818f7447d06a0536855ddf1e4275",
    ("ev-0", "recording"): "0972a45fc31a31cc4eff2823771520a358dc4243505fc93437a455ebc09295e1",
    ("ev-4", "ai_training"): "dc8f1e5f050ac72aa509f496ca65f3a65222e7a8707b03787cbb96c7f8323bdc",
}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_event_documents_keep_their_committed_bytes() -> None:
    assert {e.event_id: _digest(canonical_json(e.to_document())) for e in EVENTS} == EVENT_DIGESTS
    assert {e.event_id: _digest(event_canonical_json(e)) for e in EVENTS} == EVENT_DIGESTS


def test_one_event_document_byte_for_byte() -> None:
    assert event_canonical_json(EVENTS[4]).decode() == (
        '{"capture_window":null,"controller":"Acme Corp",'
        '"event_time":"2024-03-01T12:00:00.123456-05:30","event_type":"refuse",'
        '"indication_method":"invitation","jurisdiction":"EU (GDPR)","language":"en",'
        '"modalities":[],"notice_hash":"sha256:' + "ab" * 32 + '","org_id":"org-acme",'
        '"personal_data_categories":[],"principal_id":"Zoë \\"z\\" \\\\ 名前\\n\\u0007\u2028",'
        '"purposes":["ai_training"],"recipients":[],"record_id":"ev-4",'
        '"scope":"org:org:acme/ü","status":"ConsentRefused",'
        '"storage_location":"the EU (Frankfurt)","terms":{"ai_training":'
        '{"basis":"legitimate_interest","modalities":["audio","video","transcript","chat"],'
        '"recipients":[],"retention_days":365}},'
        '"withdrawal_method":"the meeting page or the My data page"}'
    )


def test_state_documents_keep_their_bytes() -> None:
    records = fold_events(EVENTS)
    old = {
        (r.record_id, r.purpose): _digest(canonical_json(record_to_document(r))) for r in records
    }
    new = {(r.record_id, r.purpose): _digest(record_canonical_json(r)) for r in records}
    assert old == new == RECORD_DIGESTS


@settings(max_examples=300, deadline=None)
@given(events)
def test_fast_event_encoding_is_canonical_json_of_the_document(event: ConsentEvent) -> None:
    assert event_canonical_json(event) == canonical_json(event.to_document())


@settings(max_examples=300, deadline=None)
@given(events, events)
def test_an_event_built_from_its_shapes_parts_encodes_as_its_document(
    event: ConsentEvent, other: ConsentEvent
) -> None:
    # The parts of one event of a shape, reused for another event that differs only in
    # the four varying fields (what build_event does within a batch).
    varying = {
        "event_id": other.event_id,
        "event_time": other.event_time,
        "indication_method": other.indication_method,
        "capture_window": other.capture_window,
        "log_index": other.log_index,
    }
    built = new_event({**event.__dict__, **varying}, event_json_parts(event))
    assert built == ConsentEvent(**{**event.__dict__, **varying})
    assert event_canonical_json(built) == canonical_json(built.to_document())


@settings(max_examples=300, deadline=None)
@given(records)
def test_fast_record_encoding_is_canonical_json_of_the_document(record: ConsentRecord) -> None:
    assert record_canonical_json(record) == canonical_json(record_to_document(record))


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_json_string_is_what_json_dumps_writes(text: str) -> None:
    assert json_string(text) == json.dumps(text, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(events, min_size=1, max_size=8))
def test_records_folded_from_events_with_parts_encode_as_their_documents(
    history: list[ConsentEvent],
) -> None:
    # build_event's events carry their shape's JSON parts; the fold then gives each new
    # record its own constant parts (shared per event shape and purpose) to encode with.
    built = [
        new_event({**e.__dict__, "log_index": i}, event_json_parts(e))
        for i, e in enumerate(history)
    ]
    for record in fold_events(built):
        assert record_canonical_json(record) == canonical_json(record_to_document(record))


def test_a_utc_time_goes_to_sqlite_as_sqlalchemy_writes_it() -> None:
    from sqlalchemy import create_engine

    from sayso.ledger.log_store import _sqlite_time
    from sayso.ledger.models import UTCDateTime

    dialect = create_engine("sqlite://").dialect
    convert = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert convert is not None
    fast = _sqlite_time(convert)
    base = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    times = [
        base,
        base.replace(microsecond=8),
        base.replace(year=5),
        base.astimezone(timezone(timedelta(hours=2))),
    ]
    for t in times:
        assert fast(t) == convert(t)
