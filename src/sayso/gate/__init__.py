"""The gate: one pure batch function over Arrow tables, shared by every runner.

segments, consent records and policy in; decision, reason, record id and log index per
segment, identical to ``sayso.domain.decision.decide`` applied one segment at a time.
"""

from sayso.gate.batch import decide_batch
from sayso.gate.tables import (
    DECISION_SCHEMA,
    POLICY_SCHEMA,
    RECORD_SCHEMA,
    RESTRICTION_SCHEMA,
    SEGMENT_SCHEMA,
    policy_table,
    records_table,
    restrictions_table,
    segments_table,
)

__all__ = [
    "DECISION_SCHEMA",
    "POLICY_SCHEMA",
    "RECORD_SCHEMA",
    "RESTRICTION_SCHEMA",
    "SEGMENT_SCHEMA",
    "decide_batch",
    "policy_table",
    "records_table",
    "restrictions_table",
    "segments_table",
]
