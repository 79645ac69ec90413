"""Run the gate over ingested meetings: the ledger's consent records, the org's policy and
restrictions, and the meetings' segment tables in; one decision per segment out.

The local runner streams segment batches through ``decide_batch``; the Ray runner
(``sayso[ray]``) maps the same function over the same batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.decision import Restriction
from sayso.domain.records import ConsentRecord, record_from_document
from sayso.errors import InvalidInput, NotFound
from sayso.gate import (
    SEGMENT_SCHEMA,
    decide_batch,
    policy_table,
    records_table,
    restrictions_table,
)
from sayso.ledger.models import ConsentStateRow, Meeting
from sayso.ledger.models import Restriction as RestrictionRow
from sayso.services import policies
from sayso.services.context import Context
from sayso.services.ingest import load_segments

Engine = Literal["local", "ray"]
BATCH = 100_000


@dataclass(frozen=True)
class GateInputs:
    """Everything the gate reads, as Arrow tables: pure data from here on."""

    segments: pa.Table  # the ingest schema plus org_id and series_id
    records: pa.Table
    policy: pa.Table
    restrictions: pa.Table
    policy_versions: dict[str, int]  # org id -> the version decided under


def gather(session: Session, ctx: Context, meeting_ids: Sequence[str]) -> GateInputs:
    if not meeting_ids:
        raise InvalidInput("name at least one meeting to export")
    meetings = [_meeting(session, m) for m in meeting_ids]
    segments = pa.concat_tables([_with_org(load_segments(ctx, m.id), m) for m in meetings])
    orgs = sorted({m.org_id for m in meetings})
    published = {org: policies.current_policy(session, org) for org in orgs}
    scopes = _scopes(meetings)
    people = sorted({p for p in segments.column("participant_id").to_pylist() if p})
    return GateInputs(
        segments=segments,
        records=records_table(_records(session, people, scopes)),
        policy=policy_table([(org, p.policy) for org, p in published.items()]),
        restrictions=restrictions_table(_restrictions(session, orgs)),
        policy_versions={org: p.version for org, p in published.items()},
    )


def _meeting(session: Session, meeting_id: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("no such meeting; `sayso scenario run` prints a meeting's id")
    return meeting


def _with_org(table: pa.Table, meeting: Meeting) -> pa.Table:
    n = table.num_rows
    table = table.append_column("org_id", pa.array([meeting.org_id] * n, pa.string()))
    return table.append_column("series_id", pa.array([meeting.series_id] * n, pa.string()))


def _scopes(meetings: Sequence[Meeting]) -> list[str]:
    scopes = {f"meeting:{m.id}" for m in meetings} | {f"org:{m.org_id}" for m in meetings}
    scopes |= {f"series:{m.series_id}" for m in meetings if m.series_id}
    return sorted(scopes)


def _records(session: Session, people: list[str], scopes: list[str]) -> Iterator[ConsentRecord]:
    for start in range(0, len(people), 500):
        rows = session.execute(
            select(ConsentStateRow.document).where(
                ConsentStateRow.principal_id.in_(people[start : start + 500]),
                ConsentStateRow.scope.in_(scopes),
            )
        ).scalars()
        for doc in rows:
            yield record_from_document(json.loads(doc))


def _restrictions(session: Session, orgs: list[str]) -> list[tuple[str, Restriction]]:
    rows = session.execute(select(RestrictionRow).where(RestrictionRow.org_id.in_(orgs))).scalars()
    return [(r.org_id, Restriction(r.purpose, r.meeting_id)) for r in rows]


def run_gate(
    inputs: GateInputs,
    *,
    purpose: str,
    at: datetime,
    recipient: str | None = None,
    engine: Engine = "local",
    batch_size: int = BATCH,
) -> pa.Table:
    """The segments with ``allowed``, ``reason``, ``record_id`` and ``log_index`` added."""
    gate_view = _gate_view(inputs.segments)
    if engine == "ray":
        from sayso.services.ray_runner import decide_on_ray

        decisions = decide_on_ray(inputs, gate_view, purpose, at, recipient, batch_size)
    else:
        decisions = pa.concat_tables(
            [
                decide_batch(
                    gate_view.slice(start, batch_size),
                    inputs.records,
                    inputs.policy,
                    inputs.restrictions,
                    purpose=purpose,
                    at=at,
                    recipient=recipient,
                )
                for start in range(0, max(gate_view.num_rows, 1), batch_size)
            ]
        )
    out = inputs.segments
    for name in ("allowed", "reason", "record_id", "log_index"):
        out = out.append_column(name, decisions.column(name))
    return out


def _gate_view(segments: pa.Table) -> pa.Table:
    """The ingest columns under the gate's names."""
    return pa.table(
        {
            "segment_id": segments.column("segment_id"),
            "org_id": segments.column("org_id"),
            "meeting_id": segments.column("meeting_id"),
            "series_id": segments.column("series_id"),
            "participant_id": segments.column("participant_id"),
            "modality": segments.column("modality"),
            "t_start": segments.column("start"),
            "t_end": segments.column("end"),
            "private": segments.column("private"),
        },
        schema=SEGMENT_SCHEMA,
    )


def allowed_count(decided: pa.Table) -> int:
    return int(pc.sum(decided.column("allowed")).as_py() or 0)
