"""``decide_batch``: ``decide`` for a whole table of segments at once (NumPy over Arrow).

The steps mirror ``sayso.domain.decision``; a property test holds the two to the same
answer, reason, record id and log index on random histories.

How: the records are indexed once, grouped by (person, scope) and ranked by log index
(``RecordIndex``, ``sayso.gate.index``). A segment concerns at most three groups (its
meeting, series and org), found by one sorted-key lookup each; the newest record, and
the newest record in use, are the greatest rank over those three groups. Only where
the newest record in use does not cover the segment are the older ones in use checked,
one row per (segment, record) pair. Everything is a whole-array operation: no
per-segment Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sayso.domain.decision import Reason
from sayso.gate.arrays import (
    I64,
    NEVER,
    Bools,
    as_numpy,
    concat,
    encode,
    lookup,
    member,
    micros_array,
)
from sayso.gate.index import CODE, REASONS, RecordIndex, record_index
from sayso.gate.tables import DECISION_SCHEMA

_REASON_NAMES = pa.array(["" if r is None else r.value for r in REASONS], pa.string())
_ALLOWED = np.array([r in (Reason.CONSENT, Reason.LEGAL_BASIS) for r in REASONS])


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
    ids = segments.column("segment_id")
    if segments.num_rows == 0:
        return DECISION_SCHEMA.empty_table()
    index = record_index(records, purpose, at, recipient)
    pol = _Policy(policy, purpose, recipient, index)
    seg = _Segments(segments, index, pol)
    disabled = ~pol.offered[seg.policy, seg.offer_col] | ~pol.recipient_ok[seg.policy]
    disabled |= _restricted(restrictions, purpose, segments)
    reason = np.full(seg.n, CODE[Reason.NO_CONSENT], np.int8)
    row = np.full(seg.n, -1, np.int64)  # the record decided on, a row of ``index``
    if seg.groups:
        _decide_people(index, pol, seg, reason, row)
    else:  # no record concerns anyone
        reason[pol.consent[seg.policy] == 0] = CODE[Reason.LEGAL_BASIS]
    reason[disabled] = CODE[Reason.POLICY_DISABLED]
    reason[seg.unattributed] = CODE[Reason.UNATTRIBUTED]
    reason[seg.private] = CODE[Reason.PRIVATE_MESSAGE]
    none = (row < 0) | disabled | seg.unattributed | seg.private
    return pa.Table.from_arrays(
        [
            ids,
            pa.array(_ALLOWED[reason], pa.bool_()),
            _REASON_NAMES.take(pa.array(reason)),
            index.record_id.take(pa.array(row, mask=none)),
            pa.array(index.log_index[row], pa.int64(), mask=none),
        ],
        schema=DECISION_SCHEMA,
    )


# ---------------------------------------------------------------- policy and segments


class _Policy:
    """The purpose's terms per org (an org's first row wins), with a "none" row last."""

    def __init__(
        self, policy: pa.Table, purpose: str, recipient: str | None, index: RecordIndex
    ) -> None:
        terms = policy.filter(pc.fill_null(pc.equal(policy.column("purpose"), purpose), False))
        self.orgs = terms.column("org_id")
        n = terms.num_rows
        self.consent = np.append(
            as_numpy(pc.fill_null(pc.equal(terms.column("basis"), "consent"), False)), False
        )
        self.basis = np.append(lookup(terms.column("basis"), index.basis), -1)
        self.retention = np.append(as_numpy(pc.fill_null(terms.column("retention_days"), 0)), 0)
        listed = terms.column("modalities")
        # the records' modalities first, then those only the policy names
        self.modalities = pc.unique(concat(index.modalities, pc.list_flatten(listed)))
        offered = member(listed, self.modalities)
        self.offered = np.zeros((n + 1, offered.shape[1] + 1), np.bool_)  # sentinels last
        self.offered[:n, :-1] = offered
        has_list = as_numpy(
            pc.fill_null(pc.greater(pc.list_value_length(terms["recipients"]), 0), False)
        )
        if recipient is None:
            ok = ~has_list
        else:
            ok = has_list & member(terms.column("recipients"), pa.array([recipient]))[:, 0]
        self.recipient_ok = np.append(ok, False)


class _Segments:
    """The segment columns the decision reads, as arrays, and the groups they concern."""

    def __init__(self, segments: pa.Table, index: RecordIndex, pol: _Policy) -> None:
        self.n = segments.num_rows
        self.private = as_numpy(pc.fill_null(segments.column("private"), False))
        participant = segments.column("participant_id")
        self.unattributed = as_numpy(pc.is_null(participant))
        self.policy = lookup(segments.column("org_id"), pol.orgs)  # -1: the "none" row
        mod = lookup(segments.column("modality"), pol.modalities)
        self.offer_col = mod  # -1: the "unknown" column
        known = len(index.modalities)
        self.cover_col = np.where((mod >= 0) & (mod < known), mod, known)
        self.t_start = micros_array(segments.column("t_start"), NEVER)
        self.t_end = micros_array(segments.column("t_end"), NEVER)
        self.groups = self._groups(segments, participant, index)

    @staticmethod
    def _groups(segments: pa.Table, participant: Any, index: RecordIndex) -> list[I64]:
        """Per scope kind (meeting, series, org), the group each segment concerns (-1: none)."""
        if len(index.key_set) == 0:
            return []
        person = lookup(participant, index.people)
        width = max(len(index.scopes), 1)
        keys = []
        for kind, column in enumerate(("meeting_id", "series_id", "org_id")):
            scope = lookup(segments.column(column), index.scopes)
            known = (person >= 0) & (scope >= 0)
            keys.append(np.where(known, (person * 3 + kind) * width + scope, -1))
        found = lookup(pa.array(np.concatenate(keys)), index.key_set)
        return list(found.reshape(3, -1))


def _restricted(restrictions: pa.Table, purpose: str, segments: pa.Table) -> Bools:
    """Segments of an org, or a meeting, where the purpose is turned off."""
    mine = restrictions.filter(
        pc.fill_null(pc.equal(restrictions.column("purpose"), purpose), False)
    )
    out = np.zeros(segments.num_rows, np.bool_)
    if mine.num_rows == 0:
        return out
    whole = mine.filter(pc.is_null(mine.column("meeting_id")))
    out |= as_numpy(pc.is_in(segments.column("org_id"), whole.column("org_id").drop_null()))
    one = mine.filter(pc.is_valid(mine.column("meeting_id")))
    if one.num_rows:
        orgs, org = encode(one.column("org_id"))
        meetings, meeting = encode(one.column("meeting_id"))
        held = org * len(meetings) + meeting
        s_org = lookup(segments.column("org_id"), orgs)
        s_meeting = lookup(segments.column("meeting_id"), meetings)
        key = np.where((s_org >= 0) & (s_meeting >= 0), s_org * len(meetings) + s_meeting, -1)
        out |= np.isin(key, held[(org >= 0) & (meeting >= 0)])
    return out


# ---------------------------------------------------------------- the decision


def _decide_people(
    index: RecordIndex, pol: _Policy, seg: _Segments, reason: npt.NDArray[np.int8], row: I64
) -> None:
    """``_decide_consent`` and ``_decide_non_consent`` for every segment at once."""
    groups = seg.groups
    newest = _newest(index, [index.newest[g] for g in groups])
    live = _newest(index, [index.newest_live[g] for g in groups])
    consent = pol.consent[seg.policy]
    refused = index.refused[newest]
    has = newest >= 0
    # a declared non-consent basis: silence is fine, a "no" or an ended grant is not
    reason[:] = np.where(consent, CODE[Reason.NO_CONSENT], CODE[Reason.LEGAL_BASIS])
    ended = has & ~consent & (refused | ~index.in_use[newest])
    reason[ended] = np.where(refused[ended], CODE[Reason.REFUSED], CODE[Reason.WITHDRAWN])
    row[ended] = newest[ended]
    # consent: the newest record if it refuses or nothing is in use, else the grants in use
    said = has & consent
    stop = said & (refused | (live < 0))
    reason[stop] = np.where(refused[stop], CODE[Reason.REFUSED], index.ended[newest[stop]])
    row[stop] = newest[stop]
    check = np.flatnonzero(said & ~stop)
    fails = _failure(index, pol, seg, check, live[check])
    reason[check] = np.where(fails == 0, CODE[Reason.CONSENT], fails)
    row[check] = live[check]
    # the newest grant in use does not cover it: the newest older one that does, if any
    again = check[fails != 0]
    if len(again):
        found = _covering(index, pol, seg, again)
        hit = found >= 0
        reason[again[hit]] = CODE[Reason.CONSENT]
        row[again[hit]] = found[hit]


def _newest(index: RecordIndex, rows: list[I64]) -> I64:
    """Per segment, the row of greatest rank among ``rows`` (-1: none)."""
    best = rows[0]
    for other in rows[1:]:
        best = np.where(index.rank[other] > index.rank[best], other, best)
    return best


def _covering(index: RecordIndex, pol: _Policy, seg: _Segments, which: I64) -> I64:
    """Per segment of ``which``, the row of the newest grant in use that covers it (-1)."""
    parts = []
    for g in seg.groups:
        group = g[which]
        count = index.live_count[group]
        pair = np.repeat(np.arange(len(which)), count)
        first = np.repeat(index.live_start[group] - np.cumsum(count) + count, count)
        parts.append((pair, index.live[first + np.arange(len(pair))]))
    pair = np.concatenate([p for p, _ in parts])
    rows = np.concatenate([r for _, r in parts])
    ok = _failure(index, pol, seg, which[pair], rows) == 0
    best = np.full(len(which), -1, np.int64)
    np.maximum.at(best, pair[ok], index.rank[rows[ok]])
    return np.where(best >= 0, _row_of_rank(index, best), -1)


def _row_of_rank(index: RecordIndex, rank: I64) -> I64:
    order = np.empty(len(index.rank) - 1, np.int64)
    order[index.rank[:-1]] = np.arange(len(order))
    return order[rank]


def _failure(
    index: RecordIndex, pol: _Policy, seg: _Segments, which: I64, rows: I64
) -> npt.NDArray[np.int8]:
    """``_check_grant`` of record ``rows[i]`` for segment ``which[i]``: 0 when it passes."""
    p = seg.policy[which]
    outdated = (
        ~index.has_terms[rows]
        | (index.t_basis[rows] != pol.basis[p])
        | (pol.retention[p] > index.t_retention[rows])
    )
    modality = ~index.covers[rows, seg.cover_col[which]]
    recipient = ~index.recipient_ok[rows]
    count = index.win_count[rows]
    pair = np.repeat(np.arange(len(rows)), count)
    first = np.repeat(index.win_start[rows] - np.cumsum(count) + count, count)
    w = first + np.arange(len(pair))
    inside = (index.lo[w] <= seg.t_start[which[pair]]) & (seg.t_end[which[pair]] <= index.hi[w])
    held = np.zeros(len(rows), np.bool_)
    held[pair[inside]] = True
    out = np.where(held, 0, CODE[Reason.OUTSIDE_CAPTURE_WINDOW]).astype(np.int8)
    out[recipient] = CODE[Reason.RECIPIENT_NOT_COVERED]
    out[modality] = CODE[Reason.MODALITY_NOT_COVERED]
    out[outdated] = CODE[Reason.NOTICE_OUTDATED]
    return out
