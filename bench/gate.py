"""gate: decisions per second of ``decide_batch`` against DuckDB, Cedar and a Python loop.

A synthetic world (by default 2,000,000 segments, 20,000 meetings, 50,000 participants,
100 orgs) with a consent history a real deployment would hold: grants before the
meeting (some for only part of the content, some answering an older notice), mid-meeting
withdrawals, withdraw-then-regrant, pause and resume, late joiners, refusals that
override a standing consent, and standing org-wide and series-wide consents. The
records are what ``fold_events`` derives from those ``ConsentEvent`` objects.

Sayso: ``decide_batch`` over 100,000-segment slices, as ``run_gate`` runs it (decision,
reason, record id and log index per segment). Baselines: (1) a hand-written DuckDB
query of the same rule, one query over every segment, giving allowed/denied only;
(2) the same rule as Cedar policies through ``cedarpy.is_authorized_batch``, and (3)
``decide`` called once per segment, both on a subsample of whole meetings (against
``decide_batch`` on the same subsample). Every method must agree on every decision.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bench.common import PURPOSE, interleave, timed
from bench.gate_world import AT, FULL, QUICK, GateConfig, World, meeting_name, world
from bench.report import Reporter, note, result, skipped
from sayso.domain.decision import Restriction, Segment, decide
from sayso.domain.records import (
    ConsentRecord,
    NoticeTerms,
    Scope,
    Status,
    Window,
)
from sayso.domain.records import ScopeKind as K
from sayso.services.gating import BATCH

NAME = "gate"
__all__ = ["FULL", "QUICK", "run"]


# ---------------------------------------------------------------- baseline 1: DuckDB

# Allowed iff nothing about the segment or the policy rules it out, a live grant covers
# participant, scope, purpose and modality under the notice now in force and one of its
# capture windows holds the span, and the newest record about it is not a refusal.
# (Policy basis ``consent`` and no recipient, as in the generated world.)
_CONCERNS = """r.principal_id = s.participant_id AND r.purpose = $purpose AND r.decided_at <= $at
      AND ((r.scope_kind = 'meeting' AND r.scope_id = s.meeting_id)
        OR (r.scope_kind = 'series' AND r.scope_id = s.series_id)
        OR (r.scope_kind = 'org' AND r.scope_id = s.org_id))"""
DUCKDB_SQL = f"""
SELECT s.segment_id,
  NOT s.private AND s.participant_id IS NOT NULL AND p.org_id IS NOT NULL
  AND list_contains(p.modalities, s.modality) AND len(p.recipients) = 0
  AND NOT EXISTS (SELECT 1 FROM restrictions x WHERE x.org_id = s.org_id
      AND x.purpose = $purpose AND (x.meeting_id IS NULL OR x.meeting_id = s.meeting_id))
  AND EXISTS (SELECT 1 FROM records r WHERE {_CONCERNS}
      AND r.status <> 'ConsentRefused' AND (r.use_end IS NULL OR $at < r.use_end)
      AND r.t_basis = p.basis AND r.t_retention >= p.retention_days
      AND list_contains(r.modalities, s.modality) AND list_contains(r.t_modalities, s.modality)
      AND len(list_filter(r.windows, lambda w: w.lo <= s.t_start
                                  AND (w.hi IS NULL OR s.t_end <= w.hi))) > 0)
  AND coalesce((SELECT arg_max(r.status, r.log_index) FROM records r WHERE {_CONCERNS}), '')
      <> 'ConsentRefused' AS allowed
FROM segments s LEFT JOIN policy p ON p.org_id = s.org_id AND p.purpose = $purpose
"""


def duckdb_allowed(w: World, segments: pa.Table) -> pa.Table:
    con = duckdb.connect()
    try:
        for name in ("records", "policy", "restrictions"):
            con.register(name, getattr(w, name))
        con.register("segments", segments)
        out = con.sql(DUCKDB_SQL, params={"purpose": PURPOSE, "at": AT}).to_arrow_table()
    finally:
        con.close()
    assert out is not None
    return out


# ---------------------------------------------------------------- baseline 2: Cedar

_ACTION = 'Action::"ai_training"'
_SCOPE_ATTR = {"meeting": "meeting", "series": "series", "org": "org"}
# What the policy and the restrictions rule out, read from the org and meeting entities.
_GLOBAL = """
forbid(principal, action, resource) when { resource.private };
forbid(principal, action, resource) when { !resource.in_org.offered.contains(resource.modality) };
forbid(principal, action, resource) when { resource.in_org.restricted };
forbid(principal, action, resource) when { resource.in_meeting.restricted };
"""


def _micros(value: Any) -> int:
    return int(value.timestamp() * 1_000_000)


def _q(values: Any) -> str:
    return json.dumps(sorted(values))


def cedar_policies(records: list[dict[str, Any]]) -> str:
    """One person's consent records as Cedar: a permit per grant, a forbid per refusal.

    Cedar has no "newest record", so a refusal's forbid excepts the scopes where the
    same person decided again later (there the refusal is not the newest record).
    """
    out = [_GLOBAL]
    for r in records:
        if r["status"] == "ConsentRefused":
            out.append(_cedar_refusal(r, records))
        elif r["has_terms"] and r["windows"]:
            out.append(_cedar_grant(r))
    return "\n".join(out)


def _head(kind: str, r: dict[str, Any]) -> str:
    scope = f'resource.{_SCOPE_ATTR[r["scope_kind"]]} == "{r["scope_id"]}"'
    return (
        f'{kind}(principal == Participant::"{r["principal_id"]}", action == {_ACTION}, resource)'
        f" when {{ {scope} && context.at >= {_micros(r['decided_at'])}"
    )


def _cedar_grant(r: dict[str, Any]) -> str:
    mods = _q(set(r["modalities"]) & set(r["t_modalities"]))
    spans = " || ".join(
        f"(resource.t_start >= {_micros(w['lo'])}"
        + (f" && resource.t_end <= {_micros(w['hi'])})" if w["hi"] else ")")
        for w in r["windows"]
    )
    ends = f" && context.at < {_micros(r['use_end'])}" if r["use_end"] else ""
    return (
        f'{_head("permit", r)}{ends} && context.basis == "{r["t_basis"]}"'
        f" && context.retention <= {r['t_retention']} && {mods}.contains(resource.modality)"
        f" && ({spans}) }};"
    )


def _cedar_refusal(r: dict[str, Any], theirs: list[dict[str, Any]]) -> str:
    later = [x for x in theirs if x["log_index"] > r["log_index"] and x["decided_at"] <= AT]
    unless = "".join(
        f" && !{_q({x['scope_id'] for x in later if x['scope_kind'] == kind})}"
        f".contains(resource.{attr})"
        for kind, attr in _SCOPE_ATTR.items()
    )
    return f"{_head('forbid', r)}{unless} }};"


@dataclass(frozen=True)
class CedarInputs:
    """Requests grouped by person, each group with that person's policies (policy slicing)."""

    groups: list[tuple[list[int], list[dict[str, Any]], Any]]
    entities: Any
    size: int


def cedar_inputs(cedarpy: Any, w: World, segments: pa.Table, records: pa.Table) -> CedarInputs:
    policy = {p["org_id"]: p for p in w.policy.filter(pc.field("purpose") == PURPOSE).to_pylist()}
    held = w.restrictions.filter(pc.field("purpose") == PURPOSE).to_pylist()
    rows = segments.to_pylist()
    entities = _cedar_entities(rows, policy, held)
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records.filter(pc.field("purpose") == PURPOSE).to_pylist():
        mine[r["principal_id"]].append(r)
    asks: dict[str, tuple[list[int], list[dict[str, Any]]]] = defaultdict(lambda: ([], []))
    for i, s in enumerate(rows):
        p = policy[s["org_id"]]
        context = {"at": _micros(AT), "basis": p["basis"], "retention": p["retention_days"]}
        person = s["participant_id"] or "(unattributed)"
        where, requests = asks[person]
        where.append(i)
        requests.append(
            {
                "principal": f'Participant::"{person}"',
                "action": _ACTION,
                "resource": f'Segment::"{s["segment_id"]}"',
                "context": json.dumps(context),
            }
        )
    groups = [
        (where, requests, cedarpy.PolicySet.from_str(cedar_policies(mine.get(person, []))))
        for person, (where, requests) in asks.items()
    ]
    return CedarInputs(groups, cedarpy.Entities.from_json_str(json.dumps(entities)), len(rows))


def _cedar_entities(
    rows: list[dict[str, Any]], policy: dict[str, dict[str, Any]], held: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    banned = {x["meeting_id"] or x["org_id"] for x in held}
    out = [
        {
            "uid": {"type": "Org", "id": org},
            "attrs": {"offered": p["modalities"], "restricted": org in banned},
            "parents": [],
        }
        for org, p in policy.items()
    ]
    for m in sorted({s["meeting_id"] for s in rows}):
        out.append(
            {
                "uid": {"type": "Meeting", "id": m},
                "attrs": {"restricted": m in banned},
                "parents": [],
            }
        )
    for s in rows:
        attrs = {
            "org": s["org_id"],
            "meeting": s["meeting_id"],
            "series": s["series_id"] or "",
            "in_org": {"__entity": {"type": "Org", "id": s["org_id"]}},
            "in_meeting": {"__entity": {"type": "Meeting", "id": s["meeting_id"]}},
            "modality": s["modality"],
            "t_start": _micros(s["t_start"]),
            "t_end": _micros(s["t_end"]),
            "private": s["private"],
        }
        out.append(
            {"uid": {"type": "Segment", "id": s["segment_id"]}, "attrs": attrs, "parents": []}
        )
    return out


def cedar_allowed(cedarpy: Any, inputs: CedarInputs) -> list[bool]:
    out = [False] * inputs.size
    for where, requests, policies in inputs.groups:
        answers = cedarpy.is_authorized_batch(requests, policies, inputs.entities)
        for i, answer in zip(where, answers, strict=True):
            out[i] = answer.allowed
    return out


# ---------------------------------------------------------------- baseline 3: Python loop


def python_inputs(
    w: World, segments: pa.Table, records: pa.Table
) -> tuple[list[Segment], dict[str, list[ConsentRecord]], dict[str, list[Restriction]]]:
    segs = [
        Segment(
            s["org_id"],
            s["meeting_id"],
            s["participant_id"],
            s["modality"],
            s["t_start"],
            s["t_end"],
            s["series_id"],
            s["private"],
        )
        for s in segments.to_pylist()
    ]
    mine: dict[str, list[ConsentRecord]] = defaultdict(list)
    for r in records.to_pylist():
        mine[r["principal_id"]].append(_record(r))
    held: dict[str, list[Restriction]] = defaultdict(list)
    for x in w.restrictions.to_pylist():
        held[x["org_id"]].append(Restriction(x["purpose"], x["meeting_id"]))
    return segs, mine, held


def _record(r: dict[str, Any]) -> ConsentRecord:
    terms = None
    if r["has_terms"]:
        terms = NoticeTerms(
            r["t_basis"], tuple(r["t_modalities"]), r["t_retention"], tuple(r["t_recipients"])
        )
    return ConsentRecord(
        record_id=r["record_id"],
        log_index=r["log_index"],
        principal_id=r["principal_id"],
        org_id="",  # decide does not read it
        scope=Scope(K(r["scope_kind"]), r["scope_id"]),
        purpose=r["purpose"],
        status=Status(r["status"]),
        decided_at=r["decided_at"],
        notice_hash="",
        modalities=tuple(r["modalities"]),
        recipients=tuple(r["recipients"]),
        terms=terms,
        capture_windows=tuple(Window(x["lo"], x["hi"]) for x in r["windows"]),
        use_end=r["use_end"],
    )


def python_loop(w: World, inputs: Any) -> list[tuple[Any, ...]]:
    segs, mine, held = inputs
    out = []
    for s in segs:
        d = decide(
            mine.get(s.participant_id or "", ()),
            w.demo,
            s,
            PURPOSE,
            AT,
            restrictions=held.get(s.org_id, ()),
        )
        out.append((d.allowed, d.reason.value, d.record_id, d.log_index))
    return out


# ---------------------------------------------------------------- the bench


def run(cfg: GateConfig, reporter: Reporter) -> None:
    w = world(cfg)
    segments = w.segments
    n = segments.num_rows
    note(f"{NAME}: {n:,} segments, {w.records.num_rows:,} consent records")
    gated = w.decide(segments)
    base = duckdb_allowed(w, segments).sort_by("segment_id")
    _agree("duckdb", gated.column("allowed"), base.column("allowed"))
    reasons = pc.value_counts(gated.column("reason")).to_pylist()
    note(f"{NAME}: reasons {sorted((r['counts'], r['values']) for r in reasons)[::-1]}")
    rates = interleave(
        cfg.reps,
        lambda: n / timed(lambda: w.decide(segments)),
        lambda: n / timed(lambda: duckdb_allowed(w, segments)),
    )
    allowed = int(pc.sum(gated.column("allowed")).as_py())
    reporter.emit(
        result(
            NAME,
            rates[0],
            "duckdb_hand_written_semi_join",
            rates[1],
            segments=n,
            records=w.records.num_rows,
            allowed=allowed,
            batch=BATCH,
        )
    )
    _sample(cfg, w, reporter)


def _sample(cfg: GateConfig, w: World, reporter: Reporter) -> None:
    """Cedar and the Python loop, on whole meetings, against the gate on the same ones."""
    rng = np.random.default_rng(cfg.seed + 1)
    per = cfg.segments // cfg.meetings
    picked = rng.choice(cfg.meetings, size=max(1, cfg.sample // per), replace=False)
    sub = w.segments.filter(
        pc.is_in(w.segments["meeting_id"], pa.array([meeting_name(int(m)) for m in picked]))
    )
    people = pc.unique(sub["participant_id"].drop_null())
    recs = w.records.filter(pc.is_in(w.records["principal_id"], people))  # as gather loads them
    n = sub.num_rows
    gated = w.decide(sub, recs)
    want = [
        tuple(r.values())
        for r in gated.select(["allowed", "reason", "record_id", "log_index"]).to_pylist()
    ]
    py_in = python_inputs(w, sub, recs)
    if python_loop(w, py_in) != want:
        raise RuntimeError("decide_batch and decide disagree on the sample")
    runs: list[Callable[[], float]] = [
        lambda: n / timed(lambda: w.decide(sub, recs)),
        lambda: n / timed(lambda: python_loop(w, py_in)),
    ]
    try:
        import cedarpy
    except ImportError:
        cedarpy = None
        reporter.emit(
            skipped("gate_vs_cedar", "-", "cedarpy is not installed (pip install cedarpy)")
        )
    if cedarpy is not None:
        ced = cedar_inputs(cedarpy, w, sub, recs)
        _agree("cedar", gated.column("allowed"), pa.array(cedar_allowed(cedarpy, ced)))
        runs.append(lambda: n / timed(lambda: cedar_allowed(cedarpy, ced)))
    rates = interleave(cfg.reps, *runs, budget_s=120)
    extra = {"segments": n, "records": recs.num_rows, "meetings": len(picked)}
    reporter.emit(result("gate_vs_python_loop", rates[0], "python_decide_loop", rates[1], **extra))
    if cedarpy is not None:
        reporter.emit(
            result("gate_vs_cedar", rates[0], "cedarpy_is_authorized_batch", rates[2], **extra)
        )


def _agree(method: str, gate: Any, other: Any) -> None:
    diff = pc.sum(pc.not_equal(gate, other)).as_py() or 0
    if len(gate) != len(other) or diff:
        raise RuntimeError(f"the gate and {method} disagree on {diff} of {len(gate)} decisions")
