"""The gate bench's synthetic world: segments and a consent history, cached by size.

Segments of ``meetings`` meetings of ``ATTENDEES`` people each, 100 orgs; the history
holds what a deployment would log (see ``_meeting_story``); the records are what
``fold_events`` derives from it. Built once per size and seed, kept under bench/out/.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.common import BASE_TIME, OUT, PURPOSE, EventFactory, timed
from bench.report import note
from sayso.domain.decision import Restriction
from sayso.domain.fold import fold_events
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentEvent, EventType, NoticeTerms, Scope
from sayso.domain.records import ScopeKind as K
from sayso.gate import SEGMENT_SCHEMA, decide_batch, policy_table, records_table, restrictions_table
from sayso.services.gating import BATCH

AT = BASE_TIME + timedelta(days=400)  # the decision time: after every meeting
LAYOUT = "v1"  # bump when the generated world changes, so stale caches are not reused
MODALITIES = np.array(["audio", "transcript", "chat", "video", "screen_share"])
MODALITY_P = [0.40, 0.30, 0.15, 0.10, 0.05]  # screen_share: not offered for ai_training
ATTENDEES = 5
MEETINGS_PER_ORG = 200


@dataclass(frozen=True)
class GateConfig:
    segments: int = 2_000_000
    meetings: int = 20_000
    participants: int = 50_000
    sample: int = 20_000  # segments (whole meetings) for Cedar and the Python loop
    reps: int = 3
    seed: int = 7

    @property
    def orgs(self) -> int:
        return max(1, self.meetings // MEETINGS_PER_ORG)


FULL = GateConfig()
QUICK = GateConfig(segments=50_000, meetings=500, participants=1_250, sample=5_000, reps=2)


@dataclass(frozen=True)
class World:
    segments: pa.Table
    records: pa.Table
    policy: pa.Table
    restrictions: pa.Table
    demo: Policy

    def decide(self, segments: pa.Table, records: pa.Table | None = None) -> pa.Table:
        """The local runner's loop: ``decide_batch`` over ``BATCH``-row slices."""
        recs = self.records if records is None else records
        return pa.concat_tables(
            decide_batch(
                segments.slice(start, BATCH),
                recs,
                self.policy,
                self.restrictions,
                purpose=PURPOSE,
                at=AT,
            )
            for start in range(0, segments.num_rows, BATCH)
        )


# ---------------------------------------------------------------- the synthetic world


def world(cfg: GateConfig) -> World:
    """The world of ``cfg``, generated once and cached under bench/out/."""
    demo = EventFactory.demo("o000").policy
    folder = OUT / f"gate-{LAYOUT}-{cfg.segments}-{cfg.meetings}-{cfg.participants}-{cfg.seed}"
    names = ("segments", "records", "policy", "restrictions")
    if not (folder / "done").exists():
        started = timed(lambda: _build(cfg, folder, names))
        note(f"gate: generated the world in {started:.1f} s (cached in {folder})")
    tables = [pq.read_table(folder / f"{n}.parquet") for n in names]
    return World(*tables, demo=demo)


def _build(cfg: GateConfig, folder: Path, names: tuple[str, ...]) -> None:
    rng = np.random.default_rng(cfg.seed)
    meeting_org = np.arange(cfg.meetings) % cfg.orgs
    series = _series(rng, cfg, meeting_org)
    starts = _meeting_starts(rng, cfg.meetings)
    attendees = _attendees(rng, cfg, meeting_org)
    segments = _segments(rng, cfg, meeting_org, series, starts, attendees)
    events = _history(random.Random(cfg.seed), cfg, meeting_org, series, starts, attendees)
    records = records_table(fold_events(events))
    orgs = [_org(o) for o in range(cfg.orgs)]
    demo = EventFactory.demo(orgs[0]).policy
    restricted = rng.choice(cfg.meetings, size=max(1, cfg.meetings // 100), replace=False)
    restrictions = restrictions_table(
        (_org(int(meeting_org[m])), Restriction(PURPOSE, meeting_name(int(m)))) for m in restricted
    )
    folder.mkdir(parents=True, exist_ok=True)
    tables = (segments, records, policy_table((o, demo) for o in orgs), restrictions)
    for name, table in zip(names, tables, strict=True):
        pq.write_table(table, folder / f"{name}.parquet")
    (folder / "done").write_text(json.dumps({"events": len(events)}))


def _org(o: int) -> str:
    return f"o{o:03d}"


def meeting_name(m: int) -> str:
    return f"m{m:06d}"


def _person(p: int) -> str:
    return f"p{p:06d}"


def _series(rng: np.random.Generator, cfg: GateConfig, meeting_org: np.ndarray) -> list[str | None]:
    """About 30% of meetings belong to one of ten series of their org."""
    pick = rng.random(cfg.meetings) < 0.3
    k = rng.integers(0, 10, cfg.meetings)
    return [f"s{meeting_org[m]:03d}-{k[m]}" if pick[m] else None for m in range(cfg.meetings)]


def _meeting_starts(rng: np.random.Generator, meetings: int) -> np.ndarray:
    """Microseconds since the epoch: spread over a year, on the hour."""
    base = int(BASE_TIME.timestamp()) * 1_000_000
    return base + rng.integers(0, 365 * 24, meetings) * 3_600_000_000


def _attendees(rng: np.random.Generator, cfg: GateConfig, meeting_org: np.ndarray) -> np.ndarray:
    """ATTENDEES distinct people per meeting, from its org (person p belongs to org p % orgs)."""
    per_org = cfg.participants // cfg.orgs
    local = np.argsort(rng.random((cfg.meetings, per_org)), axis=1)[:, :ATTENDEES]
    return local * cfg.orgs + meeting_org[:, None]


def _segments(
    rng: np.random.Generator,
    cfg: GateConfig,
    meeting_org: np.ndarray,
    series: list[str | None],
    starts: np.ndarray,
    attendees: np.ndarray,
) -> pa.Table:
    n = cfg.segments
    meeting = np.arange(n) * cfg.meetings // n  # each meeting's segments are contiguous
    who = attendees[meeting, rng.integers(0, ATTENDEES, n)]
    modality = MODALITIES[rng.choice(len(MODALITIES), n, p=MODALITY_P)]
    length = rng.integers(1_000_000, 30_000_000, n)
    t_start = starts[meeting] + rng.integers(0, 3_600_000_000 - 30_000_000, n)
    people = pa.array([_person(int(p)) for p in who])
    unattributed = pa.array(rng.random(n) < 0.02)
    return pa.table(
        {
            "segment_id": pa.array([f"g{i:07d}" for i in range(n)]),
            "org_id": pa.array([_org(int(o)) for o in meeting_org[meeting]]),
            "meeting_id": pa.array([meeting_name(int(m)) for m in meeting]),
            "series_id": pa.array([series[m] for m in meeting], pa.string()),
            "participant_id": pc.if_else(unattributed, pa.scalar(None, pa.string()), people),
            "modality": pa.array(modality),
            "t_start": _ts(t_start),
            "t_end": _ts(t_start + length),
            "private": pa.array((modality == "chat") & (rng.random(n) < 0.2)),
        },
        schema=SEGMENT_SCHEMA,
    )


def _ts(micros: np.ndarray) -> pa.Array:
    return pa.array(micros.astype("datetime64[us]")).cast(SEGMENT_SCHEMA.field("t_start").type)


# ---------------------------------------------------------------- the consent history


class _History:
    """Builds the events a deployment would log (see EventFactory.event), in time order."""

    def __init__(self, rng: random.Random) -> None:
        factory = EventFactory.demo("o000")
        terms = factory.policy.terms(PURPOSE)
        assert terms is not None
        self.rng = rng
        self.factory = factory
        self.all = terms.modalities
        self.terms = NoticeTerms(terms.basis, terms.modalities, terms.retention_days)
        # An older notice promised a shorter retention: answers to it are outdated now.
        self.old_terms = NoticeTerms(terms.basis, terms.modalities, terms.retention_days // 2)
        self.events: list[ConsentEvent] = []

    def add(self, person: int, org: str, scope: Scope, kind: EventType, when: datetime) -> None:
        grant = kind is EventType.GRANT
        rng = self.rng
        modalities = self.all if rng.random() < 0.8 else ("transcript", "chat")
        terms = self.terms if rng.random() < 0.97 else self.old_terms
        f = self.factory
        policy = f.policy
        self.events.append(
            ConsentEvent(
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                principal_id=_person(person),
                org_id=org,
                scope=scope,
                event_type=kind,
                purposes=(PURPOSE,),
                modalities=modalities if grant else (),
                event_time=when,
                notice_hash=f.notice_hash,
                terms={PURPOSE: terms},
                controller=policy.controller,
                jurisdiction=policy.jurisdiction,
                storage_location=policy.storage_location,
                language=policy.language,
                withdrawal_method=f.withdrawal_method,
                indication_method="web",
            )
        )

    def logged(self) -> list[ConsentEvent]:
        """The events with their log indices: the ledger appends them in time order."""
        ordered = sorted(self.events, key=lambda e: e.event_time)
        return [_with_index(e, i) for i, e in enumerate(ordered)]


def _with_index(event: ConsentEvent, index: int) -> ConsentEvent:
    object.__setattr__(event, "log_index", index)  # built here, not shared: cheaper than replace
    return event


def _history(
    rng: random.Random,
    cfg: GateConfig,
    meeting_org: np.ndarray,
    series: list[str | None],
    starts: np.ndarray,
    attendees: np.ndarray,
) -> list[ConsentEvent]:
    h = _History(rng)
    before = BASE_TIME - timedelta(days=1)
    for p in range(cfg.participants):  # standing org-wide consents, some withdrawn later
        org = _org(p % cfg.orgs)
        if rng.random() < 0.2:
            h.add(p, org, Scope(K.ORG, org), EventType.GRANT, before)
            if rng.random() < 0.1:
                later = BASE_TIME + timedelta(days=rng.uniform(0, 365))
                h.add(p, org, Scope(K.ORG, org), EventType.WITHDRAW, later)
    seen_series: set[tuple[int, str]] = set()
    for m in range(cfg.meetings):
        org = _org(int(meeting_org[m]))
        start = datetime.fromtimestamp(int(starts[m]) / 1e6, BASE_TIME.tzinfo)
        for p in attendees[m].tolist():
            s = series[m]
            if s is not None and (p, s) not in seen_series:
                seen_series.add((p, s))
                if rng.random() < 0.2:
                    h.add(p, org, Scope(K.SERIES, s), EventType.GRANT, before)
            _meeting_story(h, p, org, Scope(K.MEETING, meeting_name(m)), start)
    return h.logged()


def _meeting_story(h: _History, p: int, org: str, scope: Scope, start: datetime) -> None:
    """One attendee's decisions about one meeting."""
    r = h.rng.random()
    minute = timedelta(minutes=1)
    a = start + h.rng.randint(5, 30) * minute
    b = a + h.rng.randint(1, 25) * minute
    grant, withdraw = EventType.GRANT, EventType.WITHDRAW
    if r < 0.05:  # refuses this meeting (overrides a standing consent older than this)
        h.add(p, org, scope, EventType.REFUSE, start - 60 * minute)
    elif r < 0.10:  # late joiner: grants only once the meeting is under way
        h.add(p, org, scope, grant, a)
    elif r < 0.65:  # grants beforehand; then perhaps changes their mind
        h.add(p, org, scope, grant, start - 60 * minute)
        if r < 0.20:  # mid-meeting withdrawal
            h.add(p, org, scope, withdraw, a)
        elif r < 0.30:  # withdraw, then grant again
            h.add(p, org, scope, withdraw, a)
            h.add(p, org, scope, grant, b)
        elif r < 0.35:  # pause and resume
            h.add(p, org, scope, EventType.PAUSE, a)
            h.add(p, org, scope, EventType.RESUME, b)
