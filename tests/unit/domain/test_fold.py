"""fold_events: capture windows, use windows and record status, from examples."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.fold import fold_events, granted_window, is_live
from sayso.domain.records import (
    ConsentEvent,
    ConsentRecord,
    EventType,
    Status,
    Window,
    record_from_document,
)
from sayso.domain.records_json import record_canonical_json
from tests.unit.domain.builders import T0, demo_policy, histories, make_event, meeting

G, R, P, U, W = (
    EventType.GRANT,
    EventType.REFUSE,
    EventType.PAUSE,
    EventType.RESUME,
    EventType.WITHDRAW,
)
POLICY = demo_policy()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def history(
    *steps: tuple[EventType, float] | tuple[EventType, float, Sequence[str]],
    who: str = "alice",
    window: Window | None = None,
) -> list[ConsentEvent]:
    """(kind, minute[, purposes]) steps for one participant in meeting m1, in log order."""
    events = []
    for i, step in enumerate(steps):
        purposes = step[2] if len(step) == 3 else ("recording",)
        events.append(
            make_event(
                step[0],
                who,
                purposes,
                at(step[1]),
                i,
                POLICY,
                capture_window=window if step[0] is G else None,
            )
        )
    return events


def only(records: list[ConsentRecord], purpose: str = "recording") -> list[ConsentRecord]:
    return [r for r in records if r.purpose == purpose]


def windows(record: ConsentRecord) -> list[tuple[datetime, datetime | None]]:
    return [(w.start, w.end) for w in record.capture_windows]


# --- One grant ------------------------------------------------------------------------------


def test_grant_opens_an_open_ended_capture_window_and_use_from_its_time() -> None:
    [record] = fold_events(history((G, 0)))
    assert record.status is Status.GIVEN
    assert windows(record) == [(at(0), None)]
    assert record.use_end is None
    assert record.decided_at == at(0)
    assert not record.in_use_at(at(-1))
    assert record.in_use_at(at(0))
    assert record.in_use_at(at(60 * 24 * 365))


def test_grant_record_carries_what_the_event_said() -> None:
    [event] = history((G, 0, ("recording", "ai_training")))
    records = {r.purpose: r for r in fold_events([event])}
    assert set(records) == {"recording", "ai_training"}
    for purpose, record in records.items():
        assert record.record_id == event.event_id
        assert record.log_index == 0
        assert record.principal_id == "alice"
        assert record.scope == meeting("m1")
        assert record.notice_hash == event.notice_hash
        assert record.modalities == event.modalities
        assert record.terms == event.terms[purpose]
    assert records["ai_training"].terms is not None
    assert records["ai_training"].terms.retention_days == 365


def test_grant_with_a_capture_window_captures_only_inside_it() -> None:
    [record] = fold_events(history((G, 0), window=Window(at(60), at(120))))
    assert windows(record) == [(at(60), at(120))]
    assert record.in_use_at(at(0))


# --- Pause and resume -------------------------------------------------------------------------


def test_pause_closes_the_capture_window_but_not_the_use_window() -> None:
    [record] = fold_events(history((G, 0), (P, 10)))
    assert windows(record) == [(at(0), at(10))]
    assert record.status is Status.GIVEN
    assert record.use_end is None
    assert record.in_use_at(at(500))


def test_resume_reopens_capture_from_the_resume_time() -> None:
    [record] = fold_events(history((G, 0), (P, 10), (U, 15), (P, 20), (U, 30)))
    assert windows(record) == [(at(0), at(10)), (at(15), at(20)), (at(30), None)]


def test_resume_while_capturing_and_pause_while_paused_change_nothing() -> None:
    [record] = fold_events(history((G, 0), (U, 5), (P, 10), (P, 12), (U, 15), (U, 17)))
    assert windows(record) == [(at(0), at(10)), (at(15), None)]


def test_pause_and_resume_without_any_grant_create_nothing() -> None:
    assert fold_events(history((P, 0), (U, 5))) == []


def test_resume_after_withdrawal_does_not_reopen_capture() -> None:
    [record] = fold_events(history((G, 0), (W, 10), (U, 20)))
    assert windows(record) == [(at(0), at(10))]
    assert record.status is Status.WITHDRAWN


def test_pause_before_a_granted_window_starts_leaves_nothing_captured() -> None:
    [record] = fold_events(history((G, 0), (P, 30), window=Window(at(60), at(120))))
    assert record.capture_windows == ()


def test_resume_never_reaches_beyond_the_granted_capture_window() -> None:
    granted = Window(at(60), at(120))
    [inside] = fold_events(history((G, 0), (P, 70), (U, 80), window=granted))
    assert windows(inside) == [(at(60), at(70)), (at(80), at(120))]
    [after] = fold_events(history((G, 0), (P, 70), (U, 150), window=granted))
    assert windows(after) == [(at(60), at(70))]
    [unpaused] = fold_events(history((G, 0), (U, 150), window=granted))
    assert windows(unpaused) == [(at(60), at(120))]


def test_resume_before_the_granted_window_restores_it_from_its_own_start() -> None:
    [record] = fold_events(history((G, 0), (P, 10), (U, 20), window=Window(at(60), at(120))))
    assert windows(record) == [(at(60), at(120))]


# --- Re-grant, refuse, withdraw, expire, invalidate -------------------------------------------


def test_regrant_supersedes_capture_but_not_use_of_the_earlier_grant() -> None:
    first, second = fold_events(history((G, 0), (G, 30)))
    assert (first.log_index, second.log_index) == (0, 1)
    assert windows(first) == [(at(0), at(30))]
    assert first.status is Status.GIVEN
    assert first.use_end is None
    assert first.in_use_at(at(100))
    assert windows(second) == [(at(30), None)]


def test_resume_reopens_only_the_latest_grant() -> None:
    first, second = fold_events(history((G, 0), (G, 30), (P, 40), (U, 50)))
    assert windows(first) == [(at(0), at(30))]
    assert windows(second) == [(at(30), at(40)), (at(50), None)]


def test_refuse_ends_every_earlier_grant_and_is_recorded_as_a_refusal() -> None:
    first, second, refusal = fold_events(history((G, 0), (G, 30), (R, 45)))
    for grant in (first, second):
        assert grant.status is Status.WITHDRAWN
        assert grant.use_end == at(45)
        assert not grant.in_use_at(at(45))
        assert grant.in_use_at(at(44))
    assert windows(first) == [(at(0), at(30))]
    assert windows(second) == [(at(30), at(45))]
    assert refusal.status is Status.REFUSED
    assert not refusal.is_grant
    assert refusal.capture_windows == ()
    assert refusal.modalities == ()
    assert not refusal.in_use_at(at(50))


def test_grant_after_refusal_starts_afresh() -> None:
    refusal, grant = fold_events(history((R, 0), (G, 10)))
    assert refusal.status is Status.REFUSED
    assert grant.status is Status.GIVEN
    assert windows(grant) == [(at(10), None)]


def test_withdraw_ends_use_and_capture_at_its_time() -> None:
    [record] = fold_events(history((G, 0), (W, 20)))
    assert record.status is Status.WITHDRAWN
    assert record.use_end == at(20)
    assert windows(record) == [(at(0), at(20))]
    assert record.in_use_at(at(19))
    assert not record.in_use_at(at(20))


def test_a_second_withdrawal_does_not_move_the_end_of_use() -> None:
    [record] = fold_events(history((G, 0), (W, 20), (W, 40)))
    assert record.use_end == at(20)


def test_withdrawal_while_paused_keeps_the_paused_window() -> None:
    [record] = fold_events(history((G, 0), (P, 10), (W, 20)))
    assert windows(record) == [(at(0), at(10))]
    assert record.use_end == at(20)


def test_expire_and_invalidate_end_use_with_their_own_status() -> None:
    [expired] = fold_events(history((G, 0), (EventType.EXPIRE, 20)))
    [invalid] = fold_events(history((G, 0), (EventType.INVALIDATE, 20)))
    assert (expired.status, expired.use_end) == (Status.EXPIRED, at(20))
    assert (invalid.status, invalid.use_end) == (Status.INVALIDATED, at(20))


# --- Keys stand apart ----------------------------------------------------------------------


def test_withdrawing_one_purpose_leaves_the_others_granted() -> None:
    records = fold_events(history((G, 0, ("recording", "ai_training")), (W, 10, ("ai_training",))))
    [recording] = only(records, "recording")
    [training] = only(records, "ai_training")
    assert recording.status is Status.GIVEN
    assert recording.use_end is None
    assert training.status is Status.WITHDRAWN


def test_events_in_another_meeting_or_of_another_person_change_nothing() -> None:
    grant = make_event(G, "alice", ["recording"], at(0), 0, POLICY, scope=meeting("m1"))
    other_meeting = make_event(W, "alice", ["recording"], at(5), 1, POLICY, scope=meeting("m2"))
    other_person = make_event(P, "bob", ["recording"], at(6), 2, POLICY, scope=meeting("m1"))
    [record] = fold_events([grant, other_meeting, other_person])
    assert record.principal_id == "alice"
    assert windows(record) == [(at(0), None)]
    assert record.status is Status.GIVEN


def test_fold_replays_in_log_order_whatever_order_the_events_come_in() -> None:
    events = history((G, 0), (P, 10), (U, 20), (G, 30), (W, 40), (G, 50), (R, 60))
    expected = fold_events(events)
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert shuffled != events
    assert fold_events(shuffled) == expected
    assert fold_events(reversed(events)) == expected


# --- Continuing from stored state -----------------------------------------------------------


def _stored(records: list[ConsentRecord]) -> list[ConsentRecord]:
    """Records as the current-state table gives them back (their canonical JSON, parsed)."""
    return [record_from_document(json.loads(record_canonical_json(r))) for r in records]


def _with_windows(events: list[ConsentEvent], spans: list[int | None]) -> list[ConsentEvent]:
    """Some grants name a capture window (from 10 minutes before to ``span`` minutes after:
    0 ends it at the grant, so a later resume must not reach past it)."""
    out = []
    for e, span in zip(events, spans, strict=True):
        if e.event_type is G and span is not None:
            start = e.event_time - timedelta(minutes=10)
            e = replace(e, capture_window=Window(start, e.event_time + timedelta(minutes=span)))
        out.append(e)
    return out


@settings(max_examples=500, deadline=None)
@given(
    histories(
        POLICY,
        max_size=16,
        meetings=("m1",),
        participants=("alice", "bob"),
        purposes=("recording", "ai_training"),
    ),
    st.data(),
)
def test_continuing_from_the_stored_live_records_equals_replaying_everything(
    events: list[ConsentEvent], data: st.DataObject
) -> None:
    n = len(events)
    spans = data.draw(st.lists(st.sampled_from([None, 0, 1, 10]), min_size=n, max_size=n))
    events = _with_windows(events, spans)
    cut = data.draw(st.integers(0, len(events)))
    earlier, later = events[:cut], events[cut:]
    before = _stored(fold_events(earlier))
    held = [r for r in before if is_live(r)]
    grants = {e.event_id: granted_window(e) for e in earlier if e.event_type is G}
    continued = fold_events(
        later, live=held, granted={r.record_id: grants[r.record_id] for r in held}
    )
    whole = {record_canonical_json(r) for r in fold_events(events)}
    kept = {record_canonical_json(r) for r in before if not is_live(r)}
    assert kept | {record_canonical_json(r) for r in continued} == whole
    assert len(kept) + len(continued) == len(whole)


def test_only_live_records_can_be_continued() -> None:
    ended = [r for r in fold_events(history((G, 0), (W, 5))) if not is_live(r)]
    with pytest.raises(ValueError, match="only live records continue"):
        fold_events([], live=ended)
