"""The batch gate against ``decide`` where histories built from events do not reach.

Records are drawn directly: every scope kind (meeting, series, org), several orgs with
different policies (consent, a legal basis, none at all), tied log indexes, notice terms
missing or outdated, several capture windows, recipients, restrictions by org and by
meeting, and records of other purposes or decided after the decision time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.decision import Restriction, Segment, decide
from sayso.domain.records import ConsentRecord, NoticeTerms, Scope, ScopeKind, Status, Window
from sayso.gate import (
    DECISION_SCHEMA,
    decide_batch,
    policy_table,
    records_table,
    restrictions_table,
    segments_table,
)
from tests.unit.domain.builders import T0, make_policy

ORGS = ("o1", "o2", "o3")  # o3 has no policy
MEETINGS = ("m1", "m2", "m3")
SERIES = ("s1", "s2")
PEOPLE = ("ann", "ben")
PURPOSES = ("recording", "third_party_sharing")  # records also name ai_training
MODALITIES = ("audio", "video", "chat", "transcript", "files")  # no policy offers files
RECIPIENTS = ("notetaker", "other")

T = TypeVar("T")
NOTETAKER = {"id": "notetaker", "name": "Notetaker Ltd"}
TERMS = {
    "recording": {"modalities": ["audio", "video", "chat"], "retention_days": 90},
    "third_party_sharing": {
        "modalities": ["audio", "chat", "transcript"],
        "retention_days": 30,
        "recipients": [NOTETAKER],
    },
}
CONSENT = make_policy(TERMS)
LEGAL = make_policy(
    {
        "recording": {**TERMS["recording"], "basis": "legal_obligation"},
        "third_party_sharing": {**TERMS["third_party_sharing"], "retention_days": 400},
    }
)
NONE = make_policy({"ai_features": {"modalities": ["chat"], "retention_days": 30}})
POLICIES = {"o1": CONSENT, "o2": LEGAL}


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def _subset(values: Sequence[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values)).map(tuple)


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    kind = draw(st.sampled_from(list(ScopeKind)))
    ids = {ScopeKind.MEETING: MEETINGS, ScopeKind.SERIES: SERIES, ScopeKind.ORG: ORGS}[kind]
    return Scope(kind, draw(st.sampled_from(ids)))


def _often(draw: st.DrawFn, usual: T, other: st.SearchStrategy[T]) -> T:
    """``usual`` three times in four: grants that cover something are common enough."""
    return usual if draw(st.integers(0, 3)) else draw(other)


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(st.integers(0, 8))
    length = draw(st.one_of(st.none(), st.integers(0, 6)))
    return Window(hours(start), None if length is None else hours(start + length))


@st.composite
def terms(draw: st.DrawFn) -> NoticeTerms | None:
    if draw(st.booleans()):
        return NoticeTerms("consent", MODALITIES[:4], 365, RECIPIENTS)
    if not draw(st.integers(0, 3)):
        return None
    return NoticeTerms(
        basis=draw(st.sampled_from(["consent", "consent", "legal_obligation"])),
        modalities=_often(draw, MODALITIES[:4], _subset(MODALITIES)),
        retention_days=draw(st.sampled_from([30, 90, 365, 400])),
        recipients=draw(_subset(RECIPIENTS)) or ("notetaker",),
    )


@st.composite
def records(draw: st.DrawFn) -> list[ConsentRecord]:
    out = []
    for i in range(draw(st.integers(0, 14))):
        end = draw(st.one_of(st.none(), st.none(), st.integers(0, 12)))
        out.append(
            ConsentRecord(
                record_id=f"r{i}",
                log_index=draw(st.integers(0, 9)),  # ties happen
                principal_id=draw(st.sampled_from(PEOPLE)),
                org_id=draw(st.sampled_from(ORGS)),
                scope=draw(scopes()),
                purpose=_often(draw, draw(st.sampled_from(PURPOSES)), st.just("ai_training")),
                status=_often(draw, Status.GIVEN, st.sampled_from(list(Status))),
                decided_at=hours(draw(st.integers(0, 10))),
                notice_hash="",
                modalities=_often(draw, MODALITIES[:4], _subset(MODALITIES)),
                recipients=draw(_subset(RECIPIENTS)) or ("notetaker",),
                terms=draw(terms()),
                capture_windows=_often(
                    draw, (Window(hours(0)),), st.lists(windows(), max_size=3).map(tuple)
                ),
                use_end=None if end is None else hours(end),
            )
        )
    return out


@st.composite
def segments(draw: st.DrawFn, near: Sequence[ConsentRecord] = ()) -> Segment:
    """A segment; often of the person and scope of one of ``near`` (so that it concerns it)."""
    start = draw(st.integers(0, 10))
    seg = Segment(
        org_id=_often(draw, draw(st.sampled_from(ORGS[:2])), st.sampled_from(ORGS)),
        meeting_id=draw(st.sampled_from(MEETINGS)),
        participant_id=_often(draw, draw(st.sampled_from(PEOPLE)), st.none()),
        modality=_often(draw, "audio", st.sampled_from(MODALITIES)),
        t_start=hours(start),
        t_end=hours(start + draw(st.integers(0, 3))),
        series_id=draw(st.one_of(st.none(), st.sampled_from(SERIES))),
        private=not draw(st.integers(0, 7)),
    )
    anchored: bool = draw(st.booleans())
    if near and anchored:
        anchor = draw(st.sampled_from(near))
        field = {ScopeKind.MEETING: "meeting_id", ScopeKind.SERIES: "series_id"}
        name = field.get(anchor.scope.kind, "org_id")
        seg = replace(seg, participant_id=anchor.principal_id)
        seg = replace(seg, **{name: anchor.scope.id})  # type: ignore[arg-type]
    return seg


restrictions = st.lists(
    st.tuples(
        st.sampled_from(ORGS),
        st.builds(
            Restriction,
            purpose=st.sampled_from(PURPOSES),
            meeting_id=st.one_of(st.none(), st.sampled_from(MEETINGS)),
        ),
    ),
    max_size=2,
).map(lambda held: held[: len(held) // 2])  # none, often


def _check(
    recs: list[ConsentRecord],
    segs: list[Segment],
    held: list[tuple[str, Restriction]],
    purpose: str,
    at: datetime,
    recipient: str | None,
) -> None:
    got = decide_batch(
        segments_table(segs),
        records_table(recs),
        policy_table(POLICIES.items()),
        restrictions_table(held),
        purpose=purpose,
        at=at,
        recipient=recipient,
    )
    assert got.schema == DECISION_SCHEMA
    for i, (seg, row) in enumerate(zip(segs, got.to_pylist(), strict=True)):
        want = decide(
            recs,
            POLICIES.get(seg.org_id, NONE),
            seg,
            purpose,
            at,
            restrictions=[r for org, r in held if org == seg.org_id],
            recipient=recipient,
        )
        assert row == {
            "segment_id": str(i),
            "allowed": want.allowed,
            "reason": want.reason.value,
            "record_id": want.record_id,
            "log_index": want.log_index,
        }, seg


@st.composite
def cases(
    draw: st.DrawFn,
) -> tuple[list[ConsentRecord], list[Segment], str, int, str | None]:
    """Records, segments (many near them), a purpose, a decision time and a recipient."""
    recs = draw(records())
    segs = draw(st.lists(segments(recs), min_size=1, max_size=16))
    purpose = draw(st.sampled_from(PURPOSES))
    recipient = "notetaker" if purpose == "third_party_sharing" else None
    if not draw(st.integers(0, 4)):
        recipient = draw(st.sampled_from([None, *RECIPIENTS]))
    return recs, segs, purpose, _often(draw, 11, st.integers(0, 12)), recipient


@settings(max_examples=300, deadline=None)
@given(cases(), restrictions)
def test_the_batch_gate_equals_decide_on_any_records(
    case: tuple[list[ConsentRecord], list[Segment], str, int, str | None],
    held: list[tuple[str, Restriction]],
) -> None:
    recs, segs, purpose, at, recipient = case
    _check(recs, segs, held, purpose, hours(at), recipient)


@settings(max_examples=50, deadline=None)
@given(records(), st.lists(segments(), min_size=1, max_size=30), st.integers(1, 7))
def test_slices_and_chunks_give_the_same_rows(
    recs: list[ConsentRecord], segs: list[Segment], size: int
) -> None:
    """``run_gate`` decides slice after slice against one records table (reusing its index)."""
    table = segments_table(segs)
    records = records_table(recs)
    policy = policy_table(POLICIES.items())
    held = restrictions_table([])
    whole = decide_batch(table, records, policy, held, purpose="recording", at=hours(6))
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=size))
    parts = [
        decide_batch(
            chunked.slice(start, size), records, policy, held, purpose="recording", at=hours(6)
        )
        for start in range(0, len(segs), size)
    ]
    assert pa.concat_tables(parts).to_pylist() == whole.to_pylist()


def test_one_records_table_decided_at_other_times_and_purposes() -> None:
    """The index of a records table is reused only for the same purpose, time and recipient."""
    ann = Segment("o1", "m1", "ann", "audio", hours(2), hours(3))
    grant = ConsentRecord(
        record_id="g",
        log_index=1,
        principal_id="ann",
        org_id="o1",
        scope=Scope(ScopeKind.MEETING, "m1"),
        purpose="recording",
        status=Status.GIVEN,
        decided_at=hours(1),
        notice_hash="",
        modalities=("audio",),
        terms=NoticeTerms("consent", ("audio",), 90),
        capture_windows=(Window(hours(1)),),
        use_end=hours(5),
    )
    table = segments_table([ann])
    records = records_table([grant])
    policy = policy_table(POLICIES.items())
    held = restrictions_table([])
    for purpose, at, recipient, reason in [
        ("recording", 0, None, "no_consent"),
        ("recording", 4, None, "consent"),
        ("recording", 6, None, "withdrawn"),
        ("third_party_sharing", 4, "notetaker", "no_consent"),
        ("recording", 4, "notetaker", "policy_disabled"),
        ("recording", 4, None, "consent"),
    ]:
        out = decide_batch(
            table, records, policy, held, purpose=purpose, at=hours(at), recipient=recipient
        )
        assert out.column("reason").to_pylist() == [reason], (purpose, at, recipient)


def test_no_records_at_all() -> None:
    segs = [
        Segment("o1", "m1", "ann", "audio", hours(1), hours(2)),
        Segment("o2", "m1", "ben", "audio", hours(1), hours(2)),  # recording: legal basis
        Segment("o3", "m1", "ben", "audio", hours(1), hours(2)),  # no policy
        Segment("o1", "m1", None, "audio", hours(1), hours(2)),
    ]
    out = decide_batch(
        segments_table(segs),
        records_table([]),
        policy_table(POLICIES.items()),
        restrictions_table([]),
        purpose="recording",
        at=hours(3),
    )
    assert out.to_pylist() == [
        {"segment_id": "0", "allowed": False, "reason": "no_consent", "record_id": None,
         "log_index": None},
        {"segment_id": "1", "allowed": True, "reason": "legal_basis", "record_id": None,
         "log_index": None},
        {"segment_id": "2", "allowed": False, "reason": "policy_disabled", "record_id": None,
         "log_index": None},
        {"segment_id": "3", "allowed": False, "reason": "unattributed", "record_id": None,
         "log_index": None},
    ]  # fmt: skip


def test_every_segment_unattributed_or_private() -> None:
    segs = [
        Segment("o1", "m1", None, "audio", hours(1), hours(2)),
        Segment("o1", "m1", "ann", "chat", hours(1), hours(2), private=True),
        Segment("o9", "m9", None, "chat", hours(1), hours(2)),
    ]
    out = decide_batch(
        segments_table(segs),
        records_table([]),
        policy_table([]),
        restrictions_table([]),
        purpose="recording",
        at=hours(3),
    )
    assert out.column("reason").to_pylist() == ["unattributed", "private_message", "unattributed"]
    assert out.column("allowed").to_pylist() == [False] * 3
    assert out.column("record_id").null_count == 3


def test_an_older_grant_covers_what_the_newest_does_not() -> None:
    """The newest grant in use (series-wide, audio only) fails; the older org-wide one holds."""

    def grant(record_id: str, log_index: int, scope: Scope, modalities: tuple[str, ...]) -> Any:
        return ConsentRecord(
            record_id=record_id,
            log_index=log_index,
            principal_id="ann",
            org_id="o1",
            scope=scope,
            purpose="recording",
            status=Status.GIVEN,
            decided_at=hours(0),
            notice_hash="",
            modalities=modalities,
            terms=NoticeTerms("consent", modalities, 90),
            capture_windows=(Window(hours(0)),),
        )

    recs = [
        grant("old", 1, Scope(ScopeKind.ORG, "o1"), ("audio", "chat")),
        grant("new", 2, Scope(ScopeKind.SERIES, "s1"), ("audio",)),
    ]
    segs = [
        Segment("o1", "m1", "ann", "chat", hours(1), hours(2), series_id="s1"),
        Segment("o1", "m1", "ann", "video", hours(1), hours(2), series_id="s1"),
        Segment("o1", "m1", "ann", "audio", hours(1), hours(2), series_id="s1"),
    ]
    _check(recs, segs, [], "recording", hours(3), None)
    out = decide_batch(
        segments_table(segs),
        records_table(recs),
        policy_table(POLICIES.items()),
        restrictions_table([]),
        purpose="recording",
        at=hours(3),
    )
    assert out.column("reason").to_pylist() == ["consent", "modality_not_covered", "consent"]
    assert out.column("record_id").to_pylist() == ["old", "new", "new"]
