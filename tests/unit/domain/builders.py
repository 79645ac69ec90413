"""Builders and Hypothesis strategies shared by the domain tests (no I/O but packaged data)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import yaml
from hypothesis import strategies as st

from sayso.domain.catalogue import Catalogue, default_catalogue
from sayso.domain.decision import Segment
from sayso.domain.notice import notice_terms
from sayso.domain.policy import Policy, parse_policy
from sayso.domain.records import (
    ConsentEvent,
    EventType,
    Scope,
    ScopeKind,
    Window,
)

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
ORG = "org-acme"
PARTICIPANTS = ("alice", "bob", "carol")
MEETINGS = ("m1", "m2")
# Grants weigh three times as much: histories then allow often enough to test what "allowed" means.
ACTIONS = (
    EventType.GRANT,
    EventType.GRANT,
    EventType.GRANT,
    EventType.REFUSE,
    EventType.PAUSE,
    EventType.RESUME,
    EventType.WITHDRAW,
)


def catalogue() -> Catalogue:
    return default_catalogue()


def demo_raw() -> dict[str, Any]:
    """The packaged demo policy as an admin would write it (a fresh copy each call)."""
    text = resources.files("sayso.services").joinpath("demo_policy.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    assert isinstance(raw, dict)
    return raw


def demo_policy() -> Policy:
    return parse_policy(demo_raw(), catalogue())


def raw_policy(purposes: dict[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A minimal valid policy document around ``purposes`` (overridable top-level fields)."""
    doc: dict[str, Any] = {
        "controller": "Acme Corp",
        "controller_contact": "privacy@acme.example",
        "jurisdiction": "EU (GDPR)",
        "storage_location": "the EU (Frankfurt)",
        "purposes": copy.deepcopy(purposes),
    }
    doc.update(top)
    return doc


def make_policy(purposes: dict[str, dict[str, Any]], **top: Any) -> Policy:
    return parse_policy(raw_policy(purposes, **top), catalogue())


def with_terms(raw: dict[str, Any], purpose: str, **changes: Any) -> dict[str, Any]:
    """A copy of the policy document with one purpose's terms changed (None removes a key)."""
    out = copy.deepcopy(raw)
    terms = out["purposes"].setdefault(purpose, {})
    for key, value in changes.items():
        if value is None:
            terms.pop(key, None)
        else:
            terms[key] = value
    return out


def offered_modalities(policy: Policy, purposes: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for purpose in purposes:
        terms = policy.terms(purpose)
        if terms is not None:
            out += [m for m in terms.modalities if m not in out]
    return tuple(out)


def offered_recipients(policy: Policy, purposes: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for purpose in purposes:
        terms = policy.terms(purpose)
        if terms is not None:
            out += [r.id for r in terms.recipients if r.id not in out]
    return tuple(out)


def meeting(meeting_id: str = "m1") -> Scope:
    return Scope(ScopeKind.MEETING, meeting_id)


def make_event(
    kind: EventType,
    principal: str,
    purposes: Sequence[str],
    at: datetime,
    log_index: int,
    policy: Policy,
    *,
    scope: Scope | None = None,
    modalities: Sequence[str] | None = None,
    recipients: Sequence[str] | None = None,
    capture_window: Window | None = None,
    event_id: str | None = None,
) -> ConsentEvent:
    """An event as the consent service builds it: a grant defaults to everything offered."""
    grant = kind is EventType.GRANT
    if modalities is None:
        modalities = offered_modalities(policy, purposes) if grant else ()
    if recipients is None:
        recipients = offered_recipients(policy, purposes) if grant else ()
    return ConsentEvent(
        event_id=event_id or f"ev-{log_index}",
        principal_id=principal,
        org_id=ORG,
        scope=scope or meeting(),
        event_type=kind,
        purposes=tuple(purposes),
        event_time=at,
        notice_hash="sha256:" + "ab" * 32,
        controller=policy.controller,
        jurisdiction=policy.jurisdiction,
        storage_location=policy.storage_location,
        language=policy.language,
        withdrawal_method="the meeting page or the My data page",
        indication_method="web",
        modalities=tuple(modalities),
        recipients=tuple(recipients),
        terms=notice_terms(policy, purposes),
        capture_window=capture_window,
        log_index=log_index,
    )


def segment(
    participant: str | None,
    modality: str,
    start: datetime,
    end: datetime,
    *,
    meeting_id: str = "m1",
    private: bool = False,
) -> Segment:
    return Segment(
        org_id=ORG,
        meeting_id=meeting_id,
        participant_id=participant,
        modality=modality,
        t_start=start,
        t_end=end,
        private=private,
    )


def recipient_for(policy: Policy, purpose: str) -> str | None:
    """The recipient an export for ``purpose`` must name (the first one), or None."""
    terms = policy.terms(purpose)
    if terms is None or not terms.recipients:
        return None
    return terms.recipients[0].id


# --- Hypothesis strategies ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One participant action before it is given a time and a log index."""

    kind: EventType
    principal: str
    meeting_id: str
    purposes: tuple[str, ...]
    modalities: tuple[str, ...] | None


@st.composite
def steps(
    draw: st.DrawFn,
    policy: Policy,
    *,
    purposes: Sequence[str] | None = None,
    participants: Sequence[str] = PARTICIPANTS,
    meetings: Sequence[str] = MEETINGS,
    actions: Sequence[EventType] = ACTIONS,
) -> Step:
    pool = tuple(purposes) if purposes is not None else tuple(policy.purposes)
    kind = draw(st.sampled_from(actions))
    chosen = tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)))
    modalities: tuple[str, ...] | None = None
    if kind is EventType.GRANT:
        offered = offered_modalities(policy, chosen)
        modalities = tuple(
            draw(
                st.one_of(
                    st.just(list(offered)),
                    st.lists(st.sampled_from(offered), min_size=1, unique=True),
                )
            )
        )
    return Step(
        kind=kind,
        principal=draw(st.sampled_from(participants)),
        meeting_id=draw(st.sampled_from(meetings)),
        purposes=chosen,
        modalities=modalities,
    )


@st.composite
def gaps(draw: st.DrawFn, n: int) -> list[timedelta]:
    """``n`` strictly positive gaps between consecutive events."""
    return [
        timedelta(seconds=s) for s in draw(st.lists(st.integers(1, 900), min_size=n, max_size=n))
    ]


def timed(
    policy: Policy,
    plan: Sequence[Step],
    gaps_: Sequence[timedelta],
    start: datetime = T0,
    first_index: int = 0,
) -> list[ConsentEvent]:
    """Give the steps increasing times (after ``start``) and log indexes (from ``first_index``)."""
    events: list[ConsentEvent] = []
    t = start
    for i, (step, gap) in enumerate(zip(plan, gaps_, strict=True), start=first_index):
        t = t + gap
        events.append(
            make_event(
                step.kind,
                step.principal,
                step.purposes,
                t,
                i,
                policy,
                scope=meeting(step.meeting_id),
                modalities=step.modalities,
            )
        )
    return events


@st.composite
def histories(
    draw: st.DrawFn,
    policy: Policy,
    *,
    min_size: int = 0,
    max_size: int = 8,
    start: datetime = T0,
    first_index: int = 0,
    purposes: Sequence[str] | None = None,
    participants: Sequence[str] = PARTICIPANTS,
    meetings: Sequence[str] = MEETINGS,
    actions: Sequence[EventType] = ACTIONS,
) -> list[ConsentEvent]:
    """A consent history: one org, meetings m1/m2, a few participants, random actions."""
    plan = draw(
        st.lists(
            steps(
                policy,
                purposes=purposes,
                participants=participants,
                meetings=meetings,
                actions=actions,
            ),
            min_size=min_size,
            max_size=max_size,
        )
    )
    return timed(policy, plan, draw(gaps(len(plan))), start, first_index)


@st.composite
def segments_near(
    draw: st.DrawFn,
    events: Sequence[ConsentEvent],
    modalities: Sequence[str],
    *,
    participants: Sequence[str] = PARTICIPANTS,
    meetings: Sequence[str] = MEETINGS,
) -> tuple[Segment, datetime]:
    """A segment and a decision time, often of the person and meeting of some event, soon after
    it: so that capture windows, pauses and withdrawals matter."""
    anchor = draw(st.sampled_from(events)) if events else None
    who = draw(st.sampled_from(participants))
    meeting_id = draw(st.sampled_from(meetings))
    if anchor is not None and draw(st.booleans()):
        if anchor.principal_id in participants:
            who = anchor.principal_id
        if anchor.scope.kind is ScopeKind.MEETING and anchor.scope.id in meetings:
            meeting_id = anchor.scope.id
    start = (anchor.event_time if anchor else T0) + timedelta(seconds=draw(st.integers(-300, 1200)))
    end = start + timedelta(seconds=draw(st.integers(0, 600)))
    at = end + timedelta(seconds=draw(st.integers(0, 3 * 3600)))
    seg = segment(who, draw(st.sampled_from(modalities)), start, end, meeting_id=meeting_id)
    return seg, at
