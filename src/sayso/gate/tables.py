"""The gate's Arrow tables, and their construction from domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa

from sayso.domain.decision import Restriction, Segment
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentRecord

TS = pa.timestamp("us", tz="UTC")
TEXTS = pa.list_(pa.string())
WINDOW = pa.struct([("lo", TS), ("hi", TS)])  # [lo, hi); hi null = still open

SEGMENT_SCHEMA = pa.schema(
    [
        ("segment_id", pa.string()),
        ("org_id", pa.string()),
        ("meeting_id", pa.string()),
        ("series_id", pa.string()),
        ("participant_id", pa.string()),  # null: unattributed
        ("modality", pa.string()),
        ("t_start", TS),
        ("t_end", TS),
        ("private", pa.bool_()),
    ]
)
RECORD_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("log_index", pa.int64()),
        ("principal_id", pa.string()),
        ("scope_kind", pa.string()),
        ("scope_id", pa.string()),
        ("purpose", pa.string()),
        ("status", pa.string()),
        ("decided_at", TS),
        ("use_end", TS),
        ("modalities", TEXTS),
        ("recipients", TEXTS),
        ("has_terms", pa.bool_()),
        ("t_basis", pa.string()),
        ("t_modalities", TEXTS),
        ("t_recipients", TEXTS),
        ("t_retention", pa.int64()),
        ("windows", pa.list_(WINDOW)),
    ]
)
POLICY_SCHEMA = pa.schema(
    [
        ("org_id", pa.string()),
        ("purpose", pa.string()),
        ("basis", pa.string()),
        ("modalities", TEXTS),
        ("recipients", TEXTS),
        ("retention_days", pa.int64()),
    ]
)
RESTRICTION_SCHEMA = pa.schema(
    [("org_id", pa.string()), ("meeting_id", pa.string()), ("purpose", pa.string())]
)
DECISION_SCHEMA = pa.schema(
    [
        ("segment_id", pa.string()),
        ("allowed", pa.bool_()),
        ("reason", pa.string()),
        ("record_id", pa.string()),
        ("log_index", pa.int64()),
    ]
)


def segments_table(segments: Sequence[Segment], ids: Sequence[str] | None = None) -> pa.Table:
    rows = [
        {
            "segment_id": ids[i] if ids else str(i),
            "org_id": s.org_id,
            "meeting_id": s.meeting_id,
            "series_id": s.series_id,
            "participant_id": s.participant_id,
            "modality": s.modality,
            "t_start": s.t_start,
            "t_end": s.t_end,
            "private": s.private,
        }
        for i, s in enumerate(segments)
    ]
    return pa.Table.from_pylist(rows, schema=SEGMENT_SCHEMA)


def records_table(records: Iterable[ConsentRecord]) -> pa.Table:
    rows = []
    for r in records:
        t = r.terms
        rows.append(
            {
                "record_id": r.record_id,
                "log_index": r.log_index,
                "principal_id": r.principal_id,
                "scope_kind": r.scope.kind.value,
                "scope_id": r.scope.id,
                "purpose": r.purpose,
                "status": r.status.value,
                "decided_at": r.decided_at,
                "use_end": r.use_end,
                "modalities": list(r.modalities),
                "recipients": list(r.recipients),
                "has_terms": t is not None,
                "t_basis": t.basis if t else None,
                "t_modalities": list(t.modalities) if t else [],
                "t_recipients": list(t.recipients) if t else [],
                "t_retention": t.retention_days if t else None,
                "windows": [{"lo": w.start, "hi": w.end} for w in r.capture_windows],
            }
        )
    return pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)


def policy_table(policies: Iterable[tuple[str, Policy]]) -> pa.Table:
    rows = [
        {
            "org_id": org_id,
            "purpose": name,
            "basis": terms.basis,
            "modalities": list(terms.modalities),
            "recipients": [x.id for x in terms.recipients],
            "retention_days": terms.retention_days,
        }
        for org_id, policy in policies
        for name, terms in policy.purposes.items()
    ]
    return pa.Table.from_pylist(rows, schema=POLICY_SCHEMA)


def restrictions_table(rows: Iterable[tuple[str, Restriction]]) -> pa.Table:
    data = [
        {"org_id": org_id, "meeting_id": r.meeting_id, "purpose": r.purpose} for org_id, r in rows
    ]
    return pa.Table.from_pylist(data, schema=RESTRICTION_SCHEMA)
