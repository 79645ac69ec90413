"""The batch gate gives exactly ``decide``'s answer for every segment of random histories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.decision import Restriction, Segment, decide
from sayso.domain.fold import fold_events
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentEvent
from sayso.gate import (
    decide_batch,
    policy_table,
    records_table,
    restrictions_table,
    segments_table,
)
from tests.unit.domain.builders import (
    MEETINGS,
    ORG,
    PARTICIPANTS,
    T0,
    demo_policy,
    demo_raw,
    histories,
    make_policy,
    recipient_for,
    segments_near,
    with_terms,
)

POLICY = demo_policy()
FOCUS = ("recording", "ai_training")
PAIR = ("alice", "bob")
LEGAL = make_policy(with_terms(demo_raw(), "recording", basis="legal_obligation")["purposes"])
MODALITIES = ("audio", "video", "screen_share", "chat", "transcript", "files", "reactions")


@st.composite
def segment_lists(draw: st.DrawFn) -> list[Segment]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        start = T0 + timedelta(seconds=draw(st.integers(-600, 6000)))
        out.append(
            Segment(
                org_id=ORG,
                meeting_id=draw(st.sampled_from(MEETINGS)),
                participant_id=draw(st.one_of(st.none(), st.sampled_from(PARTICIPANTS))),
                modality=draw(st.sampled_from(MODALITIES)),
                t_start=start,
                t_end=start + timedelta(seconds=draw(st.integers(0, 900))),
                private=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return out


def _check(
    policy: Policy,
    events: Sequence[ConsentEvent],
    segments: list[Segment],
    purpose: str,
    at: datetime,
    restrictions: Sequence[Restriction],
) -> None:
    records = fold_events(events)
    recipient = recipient_for(policy, purpose)
    got = decide_batch(
        segments_table(segments),
        records_table(records),
        policy_table([(ORG, policy)]),
        restrictions_table([(ORG, r) for r in restrictions]),
        purpose=purpose,
        at=at,
        recipient=recipient,
    ).to_pylist()
    for seg, row in zip(segments, got, strict=True):
        want = decide(
            records, policy, seg, purpose, at, restrictions=restrictions, recipient=recipient
        )
        assert (row["allowed"], row["reason"], row["record_id"], row["log_index"]) == (
            want.allowed,
            want.reason.value,
            want.record_id,
            want.log_index,
        ), seg


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[ConsentEvent], str, list[Segment], datetime]:
    """A history, a purpose, segments (many near the history's events) and a decision time."""
    events = draw(histories(POLICY, max_size=12, purposes=FOCUS, participants=PAIR))
    purpose = draw(st.sampled_from(FOCUS))
    near = [
        draw(segments_near(events, POLICY.purposes[purpose].modalities, participants=PAIR))
        for _ in range(draw(st.integers(1, 8)))
    ]
    segments = [s for s, _ in near] + draw(segment_lists())
    at = draw(st.sampled_from([a for _, a in near]))
    return events, purpose, segments, at


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([POLICY, LEGAL]), batches())
def test_the_batch_gate_equals_decide_near_the_events(
    policy: Policy, case: tuple[list[ConsentEvent], str, list[Segment], datetime]
) -> None:
    events, purpose, segments, at = case
    _check(policy, events, segments, purpose, at, [])


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([POLICY, LEGAL]),
    histories(POLICY, max_size=12),
    segment_lists(),
    st.sampled_from(tuple(POLICY.purposes)),
    st.integers(-600, 9000),
    st.lists(
        st.builds(
            Restriction,
            purpose=st.sampled_from(tuple(POLICY.purposes)),
            meeting_id=st.one_of(st.none(), st.sampled_from(MEETINGS)),
        ),
        max_size=2,
    ),
)
def test_the_batch_gate_equals_decide(
    policy: Policy,
    events: list[ConsentEvent],
    segments: list[Segment],
    purpose: str,
    at_offset: int,
    restrictions: list[Restriction],
) -> None:
    _check(policy, events, segments, purpose, T0 + timedelta(seconds=at_offset), restrictions)


def test_an_empty_batch_gives_an_empty_table() -> None:
    out = decide_batch(
        segments_table([]),
        records_table([]),
        policy_table([(ORG, POLICY)]),
        restrictions_table([]),
        purpose="ai_training",
        at=T0,
    )
    assert out.num_rows == 0


def test_the_property_reaches_every_kind_of_answer() -> None:
    """Guard against a vacuous property: the generated cases allow and deny for many reasons."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(batches())
    def collect(case: tuple[list[ConsentEvent], str, list[Segment], datetime]) -> None:
        events, purpose, segments, at = case
        out = decide_batch(
            segments_table(segments),
            records_table(fold_events(events)),
            policy_table([(ORG, POLICY)]),
            restrictions_table([]),
            purpose=purpose,
            at=at,
            recipient=recipient_for(POLICY, purpose),
        )
        seen.update(out.column("reason").to_pylist())

    collect()
    assert {"consent", "no_consent", "refused", "withdrawn", "unattributed"} <= seen
    assert {"modality_not_covered", "outside_capture_window", "policy_disabled"} & seen
