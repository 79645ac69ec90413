"""``decide_batch``: ``decide`` for a whole table of segments at once (DuckDB over Arrow).

The SQL mirrors ``sayso.domain.decision`` step by step; a property test holds the two
to the same answer, reason, record id and log index on random histories.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime

import duckdb
import pyarrow as pa

from sayso.gate.tables import DECISION_SCHEMA

_SQL = """
WITH seg AS (
  SELECT s.*, row_number() OVER () AS ord, p.basis, p.retention_days AS p_ret,
    p.modalities AS p_mods,
    p.purpose IS NULL
      OR EXISTS (SELECT 1 FROM restrictions x
                 WHERE x.org_id = s.org_id AND x.purpose = $purpose
                   AND (x.meeting_id IS NULL OR x.meeting_id = s.meeting_id))
      OR NOT list_contains(p.modalities, s.modality)
      OR (CASE WHEN len(p.recipients) > 0
               THEN $recipient IS NULL OR NOT list_contains(p.recipients, $recipient)
               ELSE $recipient IS NOT NULL END) AS disabled
  FROM segments s LEFT JOIN policy p ON p.org_id = s.org_id AND p.purpose = $purpose
),
mine AS (
  SELECT seg.ord, r.record_id, r.log_index, r.status,
    r.status <> 'ConsentRefused' AND (r.use_end IS NULL OR $at < r.use_end) AS in_use,
    CASE
      WHEN NOT r.has_terms OR r.t_basis <> seg.basis OR seg.p_ret > r.t_retention
        THEN 'notice_outdated'
      WHEN NOT list_contains(r.modalities, seg.modality)
        OR NOT list_contains(r.t_modalities, seg.modality) THEN 'modality_not_covered'
      WHEN $recipient IS NOT NULL AND (NOT list_contains(r.recipients, $recipient)
        OR NOT list_contains(r.t_recipients, $recipient)) THEN 'recipient_not_covered'
      WHEN len(list_filter(r.windows, lambda w: w.lo <= seg.t_start
                                    AND (w.hi IS NULL OR seg.t_end <= w.hi))) = 0
        THEN 'outside_capture_window'
    END AS failure
  FROM seg JOIN records r
    ON r.principal_id = seg.participant_id AND r.purpose = $purpose AND r.decided_at <= $at
   AND ((r.scope_kind = 'meeting' AND r.scope_id = seg.meeting_id)
     OR (r.scope_kind = 'series' AND r.scope_id = seg.series_id)
     OR (r.scope_kind = 'org' AND r.scope_id = seg.org_id))
  WHERE NOT seg.private AND seg.participant_id IS NOT NULL AND NOT seg.disabled
),
agg AS (
  SELECT ord,
    arg_max(status, log_index) AS l_status,
    arg_max(record_id, log_index) AS l_id,
    max(log_index) AS l_idx,
    arg_max(in_use, log_index) AS l_in_use,
    bool_or(in_use) AS any_in_use,
    arg_max(record_id, log_index) FILTER (WHERE in_use AND failure IS NULL) AS ok_id,
    max(log_index) FILTER (WHERE in_use AND failure IS NULL) AS ok_idx,
    arg_max(failure, log_index) FILTER (WHERE in_use) AS f_reason,
    arg_max(record_id, log_index) FILTER (WHERE in_use) AS f_id,
    max(log_index) FILTER (WHERE in_use) AS f_idx
  FROM mine GROUP BY ord
),
decided AS (
  SELECT seg.ord, seg.segment_id, a.*,
    CASE
      WHEN seg.private THEN 'private_message'
      WHEN seg.participant_id IS NULL THEN 'unattributed'
      WHEN seg.disabled THEN 'policy_disabled'
      WHEN seg.basis <> 'consent' THEN
        CASE WHEN a.l_status = 'ConsentRefused' THEN 'refused'
             WHEN a.l_id IS NOT NULL AND NOT a.l_in_use THEN 'withdrawn'
             ELSE 'legal_basis' END
      WHEN a.l_id IS NULL THEN 'no_consent'
      WHEN a.l_status = 'ConsentRefused' THEN 'refused'
      WHEN NOT a.any_in_use THEN
        CASE a.l_status WHEN 'ConsentExpired' THEN 'expired'
                        WHEN 'ConsentInvalidated' THEN 'notice_outdated'
                        ELSE 'withdrawn' END
      WHEN a.ok_id IS NOT NULL THEN 'consent'
      ELSE a.f_reason
    END AS reason
  FROM seg LEFT JOIN agg a USING (ord)
)
SELECT segment_id,
  reason IN ('consent', 'legal_basis') AS allowed,
  reason,
  CASE WHEN reason = 'consent' THEN ok_id
       WHEN reason IN ('private_message', 'unattributed', 'policy_disabled', 'no_consent',
                       'legal_basis') THEN NULL
       WHEN reason IN ('refused', 'withdrawn', 'expired') OR NOT any_in_use THEN l_id
       ELSE f_id END AS record_id,
  CASE WHEN reason = 'consent' THEN ok_idx
       WHEN reason IN ('private_message', 'unattributed', 'policy_disabled', 'no_consent',
                       'legal_basis') THEN NULL
       WHEN reason IN ('refused', 'withdrawn', 'expired') OR NOT any_in_use THEN l_idx
       ELSE f_idx END AS log_index
FROM decided ORDER BY ord
"""


_DB: tuple[int, duckdb.DuckDBPyConnection] | None = None
_DB_LOCK = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A connection of its own to this process's in-memory database, opened on first use.

    Opening a database costs 10-25 ms, a cursor on it microseconds: per call that was
    most of the time of a small batch. Each cursor has its own registered tables.
    """
    global _DB
    with _DB_LOCK:
        if _DB is None or _DB[0] != os.getpid():  # a forked child opens its own
            _DB = (os.getpid(), duckdb.connect())
        return _DB[1].cursor()


def _in_chunks(table: pa.Table, rows: int = 10_000) -> pa.Table:
    """The same rows in record batches of ``rows`` (zero-copy slices).

    DuckDB scans an Arrow table one batch per thread: a records table in one batch was
    hashed for the join by one thread, on every call.
    """
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


def decide_batch(
    segments: pa.Table,
    records: pa.Table,
    policy: pa.Table,
    restrictions: pa.Table,
    *,
    purpose: str,
    at: datetime,
    recipient: str | None = None,
) -> pa.Table:
    """One decision per segment, in segment order (see ``DECISION_SCHEMA``). Pure."""
    con = _cursor()
    try:
        con.register("segments", segments)
        con.register("records", _in_chunks(records))
        con.register("policy", policy)
        con.register("restrictions", restrictions)
        params = {"purpose": purpose, "at": at, "recipient": recipient}
        result = con.sql(_SQL, params=params).to_arrow_table()
    finally:
        con.close()
    assert result is not None  # a SELECT always yields a table
    out: pa.Table = result.cast(DECISION_SCHEMA)
    return out
