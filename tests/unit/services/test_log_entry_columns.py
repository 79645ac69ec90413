"""``sayso log verify`` compares each event row's columns with its document, as the
stores return them (SQLite keeps times as text), odd text included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from sayso.domain.canonical import canonical_json
from sayso.domain.records import EventType, Scope, ScopeKind, Window
from sayso.ledger.models import ConsentEventRow
from sayso.services.logs import _columns_match
from tests.unit.domain.builders import demo_policy, make_event

POLICY = demo_policy()
_SQLITE = sqlite.dialect()
_SQLITE_TIME = ConsentEventRow.__table__.c.event_time.type.dialect_impl(_SQLITE).bind_processor(
    _SQLITE
)
COLUMNS = {"record_id": 1, "principal_id": 2, "org_id": 3, "scope": 4, "event_type": 5}

# Text that JSON escapes, quotes and keys included.
odd_text = st.lists(
    st.sampled_from(['"', "\\", ":", ",", "{", "}", "a", "é", "\n", "\u2028", '"scope":"', "x"]),
    min_size=1,
    max_size=8,
).map("".join)


def _row(when: datetime, sqlite_store: bool, **text: str) -> tuple[Any, ...]:
    """An event_page row as the store returns it (SQLite: time as text, document as
    bytes), with the document Sayso wrote."""
    event = make_event(
        EventType.GRANT,
        text.get("principal", "p-1"),
        ["ai_training"],
        when,
        7,
        POLICY,
        scope=Scope(ScopeKind.MEETING, text.get("meeting", "m-1")),
        capture_window=Window(when, when + timedelta(hours=1)),
        event_id=text.get("event_id", "ev-7"),
    )
    event = replace(event, controller=text.get("controller", event.controller))
    doc = event.to_document()
    stored_time: object = _SQLITE_TIME(when) if sqlite_store and _SQLITE_TIME else when
    return (
        7,
        doc["record_id"],
        doc["principal_id"],
        doc["org_id"],
        doc["scope"],
        doc["event_type"],
        stored_time,
        canonical_json(doc) if sqlite_store else canonical_json(doc).decode(),
        b"salt",
    )


times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(
    when=times,
    sqlite_store=st.booleans(),
    principal=odd_text,
    meeting=odd_text,
    event_id=odd_text,
    controller=odd_text,
)
def test_an_untouched_row_matches_its_document(
    when: datetime, sqlite_store: bool, principal: str, meeting: str, event_id: str, controller: str
) -> None:
    row = _row(
        when,
        sqlite_store,
        principal=principal,
        meeting=meeting,
        event_id=event_id,
        controller=controller,
    )
    assert _columns_match(row)


@given(
    when=times,
    sqlite_store=st.booleans(),
    column=st.sampled_from(sorted(COLUMNS)),
    value=odd_text,
    meeting=odd_text,
)
def test_an_altered_column_is_caught(
    when: datetime, sqlite_store: bool, column: str, value: str, meeting: str
) -> None:
    row = list(_row(when, sqlite_store, meeting=meeting))
    row[COLUMNS[column]] = value
    altered = tuple(row)
    assert _columns_match(altered) == (
        value == _row(when, sqlite_store, meeting=meeting)[COLUMNS[column]]
    )


@given(
    when=times,
    shift=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=9000)),
    sqlite_store=st.booleans(),
)
def test_an_altered_event_time_is_caught(
    when: datetime, shift: timedelta, sqlite_store: bool
) -> None:
    row = list(_row(when, sqlite_store))
    moved = when - shift
    row[6] = _SQLITE_TIME(moved) if sqlite_store and _SQLITE_TIME else moved
    assert not _columns_match(tuple(row))
