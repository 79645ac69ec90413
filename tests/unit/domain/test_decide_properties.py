"""Invariants 1-6 as properties of ``fold_events`` + ``decide`` over random consent histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import product
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from sayso.domain.catalogue import Catalogue
from sayso.domain.decision import Decision, Reason, Restriction, Segment, decide
from sayso.domain.fold import fold_events
from sayso.domain.policy import Policy, parse_policy
from sayso.domain.records import ConsentEvent, ConsentRecord, EventType, Status
from tests.unit.domain.builders import (
    MEETINGS,
    PARTICIPANTS,
    T0,
    demo_policy,
    demo_raw,
    histories,
    make_event,
    make_policy,
    meeting,
    raw_policy,
    recipient_for,
    segment,
    segments_near,
    with_terms,
)

POLICY = demo_policy()
PURPOSES = tuple(POLICY.purposes)
LEGAL = make_policy(with_terms(demo_raw(), "recording", basis="legal_obligation")["purposes"])
# Fewer purposes and people: histories where grants meet segments often enough to allow.
FOCUS = ("recording", "ai_training")
PAIR = ("alice", "bob")
MIN = timedelta(minutes=1)

SETTINGS = settings(max_examples=60, deadline=None)


def decision(
    events: Sequence[ConsentEvent],
    seg: Segment,
    purpose: str,
    at: datetime,
    *,
    policy: Policy = POLICY,
    restrictions: Sequence[Restriction] = (),
    records: Sequence[ConsentRecord] | None = None,
) -> Decision:
    """decide() as an export would call it: the purpose's first recipient where it has some."""
    return decide(
        fold_events(events) if records is None else records,
        policy,
        seg,
        purpose,
        at,
        restrictions=restrictions,
        recipient=recipient_for(policy, purpose),
    )


@st.composite
def cases(
    draw: st.DrawFn,
    policy: Policy = POLICY,
    purposes: Sequence[str] = PURPOSES,
    participants: Sequence[str] = PARTICIPANTS,
    max_events: int = 10,
) -> tuple[list[ConsentEvent], str, Segment, datetime]:
    """A history, a purpose, a segment whose modality the policy allows for it, and a time."""
    events = draw(
        histories(policy, max_size=max_events, purposes=purposes, participants=participants)
    )
    purpose = draw(st.sampled_from(purposes))
    seg, at = draw(
        segments_near(events, policy.purposes[purpose].modalities, participants=participants)
    )
    return events, purpose, seg, at


def then(
    events: Sequence[ConsentEvent],
    kind: EventType,
    who: str,
    purposes: Sequence[str],
    after: timedelta,
    *,
    policy: Policy = POLICY,
    meeting_id: str = "m1",
) -> ConsentEvent:
    """The next event of the log: ``after`` the last one (or T0), with the next log index."""
    last = events[-1].event_time if events else T0
    return make_event(
        kind, who, purposes, last + after, len(events), policy, scope=meeting(meeting_id)
    )


# --- Invariant 2: silence is no; invariant 1: only the participant grants -----------------


@SETTINGS
@given(histories(POLICY, participants=("bob", "carol")), st.data())
def test_silence_is_no_for_every_consent_purpose(
    events: list[ConsentEvent], data: st.DataObject
) -> None:
    for purpose, terms in POLICY.purposes.items():
        modality = data.draw(st.sampled_from(terms.modalities))
        seg, at = data.draw(segments_near(events, [modality], participants=("alice",)))
        assert decision(events, seg, purpose, at) == Decision(False, Reason.NO_CONSENT)


@SETTINGS
@given(cases())
def test_records_of_other_participants_never_decide_for_a_segment(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    own = [e for e in events if e.principal_id == seg.participant_id]
    assert decision(events, seg, purpose, at) == decision(own, seg, purpose, at)


@SETTINGS
@given(cases(purposes=FOCUS, participants=PAIR))
def test_a_grant_relabelled_to_another_participant_allows_nothing_for_the_first(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    assert seg.participant_id is not None
    stranger = [replace(e, principal_id="mallory") for e in events]
    assert decision(stranger, seg, purpose, at) == Decision(False, Reason.NO_CONSENT)


# --- Invariant 1: restriction always wins -------------------------------------------------


@SETTINGS
@given(cases(purposes=FOCUS, participants=PAIR), st.booleans())
def test_restriction_in_force_denies_whatever_the_events(
    case: tuple[list[ConsentEvent], str, Segment, datetime], org_wide: bool
) -> None:
    events, purpose, seg, at = case
    restriction = Restriction(purpose, None if org_wide else seg.meeting_id)
    for policy in (POLICY, LEGAL):
        got = decision(events, seg, purpose, at, policy=policy, restrictions=[restriction])
        assert got == Decision(False, Reason.POLICY_DISABLED)


@SETTINGS
@given(cases(purposes=FOCUS, participants=PAIR))
def test_restrictions_of_other_purposes_or_meetings_change_nothing(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    elsewhere = [
        *(Restriction(p) for p in PURPOSES if p != purpose),
        *(Restriction(purpose, m) for m in (*MEETINGS, "m9") if m != seg.meeting_id),
    ]
    expected = decision(events, seg, purpose, at)
    event(f"allowed={expected.allowed}")
    assert decision(events, seg, purpose, at, restrictions=elsewhere) == expected


# --- Each purpose stands alone ------------------------------------------------------------


@SETTINGS
@given(
    st.sampled_from([("recording", "ai_training"), ("ai_training", "recording")]),
    st.data(),
)
def test_a_grant_of_one_purpose_never_allows_another(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    granted, asked = pair
    events = data.draw(histories(POLICY, purposes=[granted], participants=PAIR))
    seg, at = data.draw(segments_near(events, POLICY.purposes[asked].modalities))
    assert decision(events, seg, asked, at) == Decision(False, Reason.NO_CONSENT)


@SETTINGS
@given(cases(participants=PAIR))
def test_decision_for_a_purpose_depends_only_on_events_for_that_purpose(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    alone = [replace(e, purposes=(purpose,)) for e in events if purpose in e.purposes]
    assert decision(events, seg, purpose, at) == decision(alone, seg, purpose, at)


# --- Invariant 4: no stretching -------------------------------------------------------------

ALL_MODALITIES = ("audio", "video", "screen_share", "chat", "transcript", "files", "reactions")


@st.composite
def v1_grants(draw: st.DrawFn) -> dict[str, Any]:
    """A v1 policy, a grant made under it, and a modality v1 does not offer for ai_training."""
    training = draw(st.lists(st.sampled_from(ALL_MODALITIES), min_size=1, max_size=6, unique=True))
    added = draw(st.sampled_from([m for m in ALL_MODALITIES if m not in training]))
    recording = draw(st.lists(st.sampled_from(ALL_MODALITIES), min_size=1, unique=True))
    retention = draw(st.integers(2, 3650))
    v1 = make_policy(
        {
            "recording": {"modalities": recording, "retention_days": 30},
            "ai_training": {"modalities": training, "retention_days": retention},
        }
    )
    purposes = draw(st.sampled_from([("ai_training",), ("recording", "ai_training")]))
    grant = make_event(EventType.GRANT, "alice", purposes, T0, 0, v1)
    start = T0 + draw(st.integers(0, 600)) * timedelta(seconds=1)
    return {
        "v1": v1,
        "grant": grant,
        "training": training,
        "added": added,
        "recording": recording,
        "retention": retention,
        "start": start,
        "at": start + timedelta(hours=draw(st.integers(1, 48))),
    }


def _v2(case: dict[str, Any], **training: Any) -> Policy:
    terms = {"modalities": case["training"], "retention_days": case["retention"], **training}
    recording = {"modalities": case["recording"], "retention_days": 30}
    return make_policy({"recording": recording, "ai_training": terms})


@SETTINGS
@given(v1_grants())
def test_a_modality_added_later_is_not_covered_by_an_earlier_grant(case: dict[str, Any]) -> None:
    grant, start, at, added = case["grant"], case["start"], case["at"], case["added"]
    covered = segment("alice", case["training"][0], start, start + MIN)
    new = segment("alice", added, start, start + MIN)
    v2 = _v2(case, modalities=[*case["training"], added])
    # Control: what v1 offered and the person granted is allowed, under v1 and v2.
    assert decision([grant], covered, "ai_training", at, policy=case["v1"]).allowed
    assert decision([grant], covered, "ai_training", at, policy=v2).allowed
    # Under v1 the new modality is beyond the ceiling; under v2 the grant does not reach it,
    # even when the grant event also named it for recording.
    assert decision([grant], new, "ai_training", at, policy=case["v1"]).reason is (
        Reason.POLICY_DISABLED
    )
    got = decision([grant], new, "ai_training", at, policy=v2)
    assert (got.allowed, got.reason) == (False, Reason.MODALITY_NOT_COVERED)


@SETTINGS
@given(v1_grants(), st.integers(1, 3650))
def test_longer_retention_outdates_the_notice_and_shorter_does_not(
    case: dict[str, Any], extra: int
) -> None:
    grant, start, at = case["grant"], case["start"], case["at"]
    seg = segment("alice", case["training"][0], start, start + MIN)
    longer = _v2(case, retention_days=case["retention"] + extra)
    shorter = _v2(case, retention_days=case["retention"] - 1)
    got = decision([grant], seg, "ai_training", at, policy=longer)
    assert (got.allowed, got.reason, got.record_id) == (False, Reason.NOTICE_OUTDATED, "ev-0")
    assert decision([grant], seg, "ai_training", at, policy=shorter).reason is Reason.CONSENT


@SETTINGS
@given(v1_grants())
def test_a_purpose_added_later_has_no_consent(case: dict[str, Any]) -> None:
    grant, start, at = case["grant"], case["start"], case["at"]
    v2 = make_policy(
        {
            "recording": {"modalities": case["recording"], "retention_days": 30},
            "ai_training": {"modalities": case["training"], "retention_days": case["retention"]},
            "product_improvement": {"modalities": list(ALL_MODALITIES), "retention_days": 30},
        }
    )
    seg = segment("alice", case["training"][0], start, start + MIN)
    assert decision([grant], seg, "product_improvement", at, policy=v2) == Decision(
        False, Reason.NO_CONSENT
    )


def test_another_basis_for_the_purpose_outdates_the_notice() -> None:
    grant = make_event(EventType.GRANT, "alice", ["recording"], T0, 0, LEGAL)
    seg = segment("alice", "audio", T0, T0 + MIN)
    # v1 rested recording on the law; v2 asks for consent: the grant answered another notice.
    got = decision([grant], seg, "recording", T0 + MIN, policy=POLICY)
    assert (got.allowed, got.reason) == (False, Reason.NOTICE_OUTDATED)
    consent_grant = make_event(EventType.GRANT, "alice", ["recording"], T0, 0, POLICY)
    assert decision([consent_grant], seg, "recording", T0 + MIN, policy=POLICY).allowed


def test_a_recipient_added_later_is_not_covered() -> None:
    grant = make_event(EventType.GRANT, "alice", ["third_party_sharing"], T0, 0, POLICY)
    recipients = [
        {"id": "notetaker", "name": "Notetaker Ltd"},
        {"id": "otter", "name": "Otter Inc"},
    ]
    v2 = make_policy(
        with_terms(demo_raw(), "third_party_sharing", recipients=recipients)["purposes"]
    )
    seg = segment("alice", "transcript", T0, T0 + MIN)
    records = fold_events([grant])
    ok = decide(records, v2, seg, "third_party_sharing", T0 + MIN, recipient="notetaker")
    new = decide(records, v2, seg, "third_party_sharing", T0 + MIN, recipient="otter")
    assert ok.reason is Reason.CONSENT
    assert (new.allowed, new.reason) == (False, Reason.RECIPIENT_NOT_COVERED)


def test_a_recipient_named_for_another_purpose_of_the_same_grant_is_not_covered() -> None:
    # An org catalogue with two purposes that share: one grant event carries the union of
    # their recipients, but each purpose reaches only the recipients its own notice named.
    own = Catalogue.from_yaml(
        """
purposes:
  third_party_sharing:
    {label: Sharing, sentence: "We pass {modalities} on.", needs_recipients: true}
  partner_training:
    {label: Partner training, sentence: "Partners train on {modalities}.", needs_recipients: true}
modalities:
  transcript: {label: Transcript, plain: "the transcript of what you say"}
"""
    )

    def policy(sharing: list[str]) -> Policy:
        def terms(ids: list[str]) -> dict[str, Any]:
            return {
                "modalities": ["transcript"],
                "retention_days": 30,
                "recipients": [{"id": i, "name": i.title()} for i in ids],
            }

        return parse_policy(
            raw_policy(
                {"third_party_sharing": terms(sharing), "partner_training": terms(["otter"])}
            ),
            own,
        )

    v1, v2 = policy(["notetaker"]), policy(["notetaker", "otter"])
    grant = make_event(
        EventType.GRANT, "alice", ["third_party_sharing", "partner_training"], T0, 0, v1
    )
    assert set(grant.recipients) == {"notetaker", "otter"}
    records = fold_events([grant])
    seg = segment("alice", "transcript", T0, T0 + MIN)
    ok = decide(records, v2, seg, "third_party_sharing", T0 + MIN, recipient="notetaker")
    new = decide(records, v2, seg, "third_party_sharing", T0 + MIN, recipient="otter")
    assert ok.reason is Reason.CONSENT
    assert (new.allowed, new.reason) == (False, Reason.RECIPIENT_NOT_COVERED)
    partner = decide(records, v2, seg, "partner_training", T0 + MIN, recipient="otter")
    assert partner.reason is Reason.CONSENT


# --- Invariant 5: withdrawal ends every use after it ----------------------------------------


@st.composite
def withdrawn(
    draw: st.DrawFn,
) -> tuple[list[ConsentEvent], list[ConsentEvent], str, datetime]:
    """(history before the withdrawal, whole history, purpose, W): alice's last event for
    (m1, purpose) is a withdrawal at W; later events belong to others or other meetings."""
    purpose = draw(st.sampled_from(FOCUS))
    before: list[ConsentEvent] = []
    if draw(st.booleans()):  # often alice said yes first, so that there is something to end
        before.append(make_event(EventType.GRANT, "alice", [purpose], T0, 0, POLICY))
    before += draw(
        histories(POLICY, purposes=FOCUS, participants=PAIR, start=T0, first_index=len(before))
    )
    others = tuple(p for p in FOCUS if p != purpose)
    purposes = (purpose, *draw(st.lists(st.sampled_from(others), unique=True)))
    gap = timedelta(seconds=draw(st.integers(1, 900)))
    withdrawal = then(before, EventType.WITHDRAW, "alice", purposes, gap)
    plan = draw(
        histories(
            POLICY,
            purposes=FOCUS,
            participants=PAIR,
            max_size=5,
            start=withdrawal.event_time,
            first_index=len(before) + 1,
        )
    )
    after = [e for e in plan if (e.principal_id, e.scope) != ("alice", meeting("m1"))]
    return before, [*before, withdrawal, *after], purpose, withdrawal.event_time


def _expected_after_withdrawal(before: list[ConsentEvent], purpose: str) -> Reason:
    mine = [
        r
        for r in fold_events(before)
        if (r.principal_id, r.scope, r.purpose) == ("alice", meeting("m1"), purpose)
    ]
    if not mine:
        return Reason.NO_CONSENT  # nothing was ever given, so nothing was withdrawn
    if max(mine, key=lambda r: r.log_index).status is Status.REFUSED:
        return Reason.REFUSED  # the last answer was already no
    return Reason.WITHDRAWN


@SETTINGS
@given(withdrawn(), st.data())
def test_withdrawal_denies_every_use_from_its_time_on(
    case: tuple[list[ConsentEvent], list[ConsentEvent], str, datetime], data: st.DataObject
) -> None:
    before, everything, purpose, w = case
    seg, _ = data.draw(
        segments_near(
            everything,
            POLICY.purposes[purpose].modalities,
            participants=("alice",),
            meetings=("m1",),
        )
    )
    at = w + timedelta(seconds=data.draw(st.integers(0, 30 * 24 * 3600)))
    got = decision(everything, seg, purpose, at)
    assert not got.allowed
    assert got.reason is _expected_after_withdrawal(before, purpose)
    event(got.reason.value)


@SETTINGS
@given(withdrawn(), st.data())
def test_before_a_withdrawal_decisions_are_as_if_it_never_happened(
    case: tuple[list[ConsentEvent], list[ConsentEvent], str, datetime], data: st.DataObject
) -> None:
    before, everything, purpose, w = case
    seg, _ = data.draw(
        segments_near(
            before, POLICY.purposes[purpose].modalities, participants=("alice",), meetings=("m1",)
        )
    )
    # Content is used after it was captured: the use time is at or after the segment's end.
    span = w - seg.t_end
    if span <= timedelta(0):
        seg = replace(seg, t_start=w - MIN - (seg.t_end - seg.t_start), t_end=w - MIN)
        span = MIN
    at = seg.t_end + span * data.draw(st.floats(0, 0.999))
    assert at < w
    expected = decision(before, seg, purpose, at)
    event(f"allowed={expected.allowed}")
    assert decision(everything, seg, purpose, at) == expected


# --- Invariant 6: capture windows ---------------------------------------------------------


def _record(events: Sequence[ConsentEvent], got: Decision, purpose: str) -> ConsentRecord:
    [record] = [
        r for r in fold_events(events) if r.record_id == got.record_id and r.purpose == purpose
    ]
    return record


@settings(max_examples=120, deadline=None)
@given(cases(purposes=FOCUS, participants=PAIR, max_events=6))
def test_allowed_span_lies_wholly_inside_one_capture_window_of_the_allowing_record(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    got = decision(events, seg, purpose, at)
    event(f"allowed={got.allowed}")
    if got.allowed:
        record = _record(events, got, purpose)
        assert record.principal_id == seg.participant_id
        assert record.in_use_at(at)
        assert any(w.contains_span(seg.t_start, seg.t_end) for w in record.capture_windows)


@SETTINGS
@given(st.sampled_from(FOCUS), st.data())
def test_a_segment_straddling_a_pause_is_outside_the_capture_window(
    purpose: str, data: st.DataObject
) -> None:
    events = data.draw(histories(POLICY, purposes=FOCUS, participants=PAIR, max_size=5))
    step = st.integers(60, 900).map(lambda s: timedelta(seconds=s))
    grant = then(events, EventType.GRANT, "alice", [purpose], data.draw(step))
    pause = then([*events, grant], EventType.PAUSE, "alice", [purpose], data.draw(step))
    tail = [*events, grant, pause]
    if data.draw(st.booleans()):
        tail.append(then(tail, EventType.RESUME, "alice", [purpose], data.draw(step)))
    p = pause.event_time
    before = timedelta(seconds=data.draw(st.integers(1, 59)))
    after = timedelta(seconds=data.draw(st.integers(1, 3600)))
    modality = data.draw(st.sampled_from(POLICY.purposes[purpose].modalities))
    at = p + after + timedelta(hours=1)
    straddling = segment("alice", modality, p - before, p + after)
    got = decision(tail, straddling, purpose, at)
    assert (got.allowed, got.reason) == (False, Reason.OUTSIDE_CAPTURE_WINDOW)
    assert (got.record_id, got.log_index) == (grant.event_id, grant.log_index)
    # Control: the part before the pause was captured under the grant.
    inside = segment("alice", modality, p - before, p)
    assert decision(tail, inside, purpose, at) == Decision(
        True, Reason.CONSENT, grant.event_id, grant.log_index
    )


# --- Invariant 6/7: fail closed, and every allowed decision is explained --------------------


@SETTINGS
@given(cases(purposes=FOCUS, participants=PAIR))
def test_unattributed_and_private_content_is_always_left_out(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    # Even when everyone said yes to everything everywhere from the start.
    everyone = [
        make_event(EventType.GRANT, who, PURPOSES, T0 - MIN, i, POLICY, scope=meeting(m))
        for i, (who, m) in enumerate(product(PARTICIPANTS, MEETINGS))
    ]
    for history in (events, everyone):
        for policy in (POLICY, LEGAL):
            unattributed = replace(seg, participant_id=None)
            private = replace(seg, private=True)
            assert decision(history, unattributed, purpose, at, policy=policy) == Decision(
                False, Reason.UNATTRIBUTED
            )
            assert decision(history, private, purpose, at, policy=policy) == Decision(
                False, Reason.PRIVATE_MESSAGE
            )


@settings(max_examples=120, deadline=None)
@given(cases(purposes=FOCUS, participants=PAIR, max_events=6))
def test_every_allowed_decision_names_the_grant_event_that_allowed_it(
    case: tuple[list[ConsentEvent], str, Segment, datetime],
) -> None:
    events, purpose, seg, at = case
    got = decision(events, seg, purpose, at)
    event(f"allowed={got.allowed}")
    if not got.allowed:
        return
    assert got.reason is Reason.CONSENT
    [grant] = [e for e in events if e.event_id == got.record_id]
    assert grant.log_index == got.log_index
    assert grant.event_type is EventType.GRANT
    assert grant.principal_id == seg.participant_id
    assert grant.scope == meeting(seg.meeting_id)
    assert purpose in grant.purposes
    assert seg.modality in grant.modalities
    assert grant.event_time <= at


def test_generated_histories_do_produce_allowed_decisions() -> None:
    # The two properties above are vacuous if no generated case is ever allowed.
    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(cases(purposes=FOCUS, participants=PAIR, max_events=6))
    def count(case: tuple[list[ConsentEvent], str, Segment, datetime]) -> None:
        events, purpose, seg, at = case
        seen.append(decision(events, seg, purpose, at).allowed)

    seen: list[bool] = []
    count()
    assert len(seen) >= 50
    assert sum(seen) >= len(seen) // 25


# --- Invariant 3: a declared non-consent basis ----------------------------------------------


@SETTINGS
@given(histories(LEGAL, participants=("bob", "carol")), st.data())
def test_on_a_legal_basis_silence_allows_recording_but_no_consent_purpose(
    events: list[ConsentEvent], data: st.DataObject
) -> None:
    for purpose, terms in LEGAL.purposes.items():
        seg, at = data.draw(segments_near(events, terms.modalities, participants=("alice",)))
        got = decision(events, seg, purpose, at, policy=LEGAL)
        if purpose == "recording":
            assert got == Decision(True, Reason.LEGAL_BASIS)
        else:
            assert got == Decision(False, Reason.NO_CONSENT)


@SETTINGS
@given(histories(LEGAL, purposes=["recording"], participants=PAIR), st.data())
def test_on_a_legal_basis_a_refusal_means_nothing_is_used(
    events: list[ConsentEvent], data: st.DataObject
) -> None:
    gap = timedelta(seconds=data.draw(st.integers(1, 900)))
    refusal = then(events, EventType.REFUSE, "alice", ["recording"], gap, policy=LEGAL)
    tail = data.draw(
        histories(
            LEGAL,
            participants=("bob",),
            max_size=4,
            start=refusal.event_time,
            first_index=len(events) + 1,
        )
    )
    everything = [*events, refusal, *tail]
    seg, _ = data.draw(
        segments_near(
            everything,
            LEGAL.purposes["recording"].modalities,
            participants=("alice",),
            meetings=("m1",),
        )
    )
    at = refusal.event_time + timedelta(seconds=data.draw(st.integers(0, 10**6)))
    got = decision(everything, seg, "recording", at, policy=LEGAL)
    assert got == Decision(False, Reason.REFUSED, refusal.event_id, refusal.log_index)


def test_on_a_legal_basis_a_later_grant_after_refusal_allows_again() -> None:
    refusal = make_event(EventType.REFUSE, "alice", ["recording"], T0, 0, LEGAL)
    grant = make_event(EventType.GRANT, "alice", ["recording"], T0 + MIN, 1, LEGAL)
    seg = segment("alice", "audio", T0, T0 + MIN)
    assert decision([refusal], seg, "recording", T0 + 2 * MIN, policy=LEGAL).reason is (
        Reason.REFUSED
    )
    assert decision([refusal, grant], seg, "recording", T0 + 2 * MIN, policy=LEGAL) == Decision(
        True, Reason.LEGAL_BASIS
    )
