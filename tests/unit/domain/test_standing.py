"""Where a participant stands per purpose: what the decide and meeting pages show."""

from __future__ import annotations

from datetime import timedelta

from sayso.domain.fold import fold_events
from sayso.domain.records import EventType
from sayso.domain.standing import Answer, standing
from tests.unit.domain.builders import (
    T0,
    demo_policy,
    demo_raw,
    make_event,
    make_policy,
    with_terms,
)


def _answers(events: list, at=T0 + timedelta(hours=1), policy=None):  # type: ignore[no-untyped-def]
    policy = policy or demo_policy()
    return {s.purpose: s for s in standing(fold_events(events), policy, at)}


def test_silence_is_none_for_every_purpose() -> None:
    rows = _answers([])
    assert {s.answer for s in rows.values()} == {Answer.NONE}
    assert set(rows) == set(demo_policy().purposes)


def test_yes_no_withdrawn_and_the_purposes_own_kinds_of_content() -> None:
    p = demo_policy()
    events = [
        make_event(EventType.GRANT, "alice", ["recording", "transcription"], T0, 0, p),
        make_event(EventType.REFUSE, "alice", ["ai_training"], T0, 1, p),
        make_event(EventType.GRANT, "alice", ["ai_features"], T0, 2, p),
        make_event(EventType.WITHDRAW, "alice", ["ai_features"], T0 + timedelta(minutes=5), 3, p),
    ]
    rows = _answers(events)
    assert rows["recording"].answer is Answer.YES
    # The grant named the kinds of content of both purposes; each purpose shows its own.
    assert rows["transcription"].modalities == ("audio", "transcript")
    assert rows["ai_training"].answer is Answer.NO
    assert rows["ai_features"].answer is Answer.WITHDRAWN
    assert rows["product_improvement"].answer is Answer.NONE


def test_pause_stops_capturing_and_resume_starts_it_again() -> None:
    p = demo_policy()
    grant = make_event(EventType.GRANT, "alice", ["recording"], T0, 0, p)
    pause = make_event(EventType.PAUSE, "alice", ["recording"], T0 + timedelta(minutes=1), 1, p)
    resume = make_event(EventType.RESUME, "alice", ["recording"], T0 + timedelta(minutes=2), 2, p)
    assert _answers([grant])["recording"].capturing
    paused = _answers([grant, pause])["recording"]
    assert paused.answer is Answer.YES
    assert not paused.capturing
    assert _answers([grant, pause, resume])["recording"].capturing


def test_a_yes_under_a_notice_the_policy_now_widens_needs_renewal() -> None:
    old = demo_policy()
    events = [make_event(EventType.GRANT, "alice", ["ai_training", "recording"], T0, 0, old)]
    raw = with_terms(
        demo_raw(), "ai_training", modalities=["audio", "video", "transcript", "chat", "files"]
    )
    wider = make_policy(raw["purposes"], **{k: v for k, v in raw.items() if k != "purposes"})
    rows = _answers(events, policy=wider)
    assert rows["ai_training"].answer is Answer.RENEW
    assert rows["ai_training"].modalities == ()
    assert rows["recording"].answer is Answer.YES


def test_decisions_after_the_moment_asked_about_are_not_counted() -> None:
    p = demo_policy()
    later = make_event(EventType.GRANT, "alice", ["recording"], T0 + timedelta(days=1), 0, p)
    assert _answers([later], at=T0)["recording"].answer is Answer.NONE
