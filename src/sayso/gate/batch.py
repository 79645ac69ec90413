"""``decide_batch``: ``decide`` for a whole table of segments at once (NumPy over Arrow).

The steps mirror ``sayso.domain.decision``; a property test holds the two to the same
answer, reason, record id and log index on random histories.

How: the records about the purpose, decided by ``at``, are grouped by (person, scope)
and ranked by log index (``RecordIndex``, built once per records table, purpose, time
and recipient). A segment concerns at most three groups (its meeting, series and org),
found by one sorted-key lookup each; the newest record, and the newest record in use,
are the greatest rank over those three groups. Only where the newest record in use
does not cover the segment are the older ones in use checked, one row per (segment,
record) pair. Everything is a whole-array operation: no per-segment Python.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sayso.domain.decision import Reason
from sayso.domain.records import ScopeKind, Status
from sayso.gate.tables import DECISION_SCHEMA, TS

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_NEVER = np.iinfo(np.int64).max  # an open end: later than any time
_KINDS = (ScopeKind.MEETING.value, ScopeKind.SERIES.value, ScopeKind.ORG.value)

# Reason codes; a grant's failures (``_check_grant``) come first, in the order it tests.
_REASONS = (
    None,  # passes
    Reason.NOTICE_OUTDATED,
    Reason.MODALITY_NOT_COVERED,
    Reason.RECIPIENT_NOT_COVERED,
    Reason.OUTSIDE_CAPTURE_WINDOW,
    Reason.CONSENT,
    Reason.LEGAL_BASIS,
    Reason.NO_CONSENT,
    Reason.REFUSED,
    Reason.WITHDRAWN,
    Reason.EXPIRED,
    Reason.POLICY_DISABLED,
    Reason.PRIVATE_MESSAGE,
    Reason.UNATTRIBUTED,
)
_CODE = {r: i for i, r in enumerate(_REASONS) if r is not None}
_REASON_NAMES = pa.array(["" if r is None else r.value for r in _REASONS], pa.string())
_ALLOWED = np.array([r in (Reason.CONSENT, Reason.LEGAL_BASIS) for r in _REASONS])
_READ = [  # the record columns read once the index is sorted
    "record_id",
    "status",
    "use_end",
    "modalities",
    "recipients",
    "has_terms",
    "t_basis",
    "t_modalities",
    "t_recipients",
    "t_retention",
    "windows",
]
_ENDED = {Status.EXPIRED.value: Reason.EXPIRED, Status.INVALIDATED.value: Reason.NOTICE_OUTDATED}


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
    reason = np.full(seg.n, _CODE[Reason.NO_CONSENT], np.int8)
    row = np.full(seg.n, -1, np.int64)  # the record decided on, a row of ``index``
    if seg.groups:
        _decide_people(index, pol, seg, reason, row)
    else:  # no record concerns anyone
        reason[pol.consent[seg.policy] == 0] = _CODE[Reason.LEGAL_BASIS]
    reason[disabled] = _CODE[Reason.POLICY_DISABLED]
    reason[seg.unattributed] = _CODE[Reason.UNATTRIBUTED]
    reason[seg.private] = _CODE[Reason.PRIVATE_MESSAGE]
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


# ---------------------------------------------------------------- the records, indexed


@dataclass(frozen=True)
class RecordIndex:
    """The records about one purpose decided by ``at``, grouped by (person, scope).

    Rows are the records in (group, newest first) order. A record's rank orders by log
    index (ties: the one listed first in the table ranks higher, as ``max`` picks it).
    Every per-row and per-group array has one extra element at the end, the "none"
    sentinel, so that index -1 reads it.
    """

    people: pa.Array  # distinct principal ids
    scopes: pa.Array  # distinct scope ids
    key_set: pa.Array  # per group its key: (person * 3 + kind) * len(scopes) + scope
    newest: I64  # per group: its newest row
    newest_live: I64  # per group: its newest row in use at ``at`` (-1: none)
    live_start: I64  # per group: where its rows in use start in ``live``
    live_count: I64  # per group: how many
    live: I64  # rows in use, by group, newest first
    rank: I64  # per row (sentinel -1)
    record_id: pa.Array
    log_index: I64
    refused: Bools
    in_use: Bools
    ended: npt.NDArray[np.int8]  # per row: the reason once it is no longer in use
    has_terms: Bools
    basis: pa.Array  # distinct notice bases
    t_basis: I64  # per row: its basis in ``basis`` (-2: none)
    t_retention: I64
    recipient_ok: Bools
    modalities: pa.Array  # distinct modalities named by any record
    covers: Bools  # (row, modality): named by both the record and its notice terms
    win_start: I64  # per row: where its capture windows start in ``lo`` and ``hi``
    win_count: I64
    lo: I64
    hi: I64


_CACHE: list[tuple[Any, str, datetime, str | None, RecordIndex]] = []
_CACHE_LOCK = threading.Lock()


def record_index(
    records: pa.Table, purpose: str, at: datetime, recipient: str | None
) -> RecordIndex:
    """The index of ``records``: built once, reused while the same table is passed again.

    ``run_gate`` decides slice after slice of segments against one records table.
    """
    with _CACHE_LOCK:
        for ref, p, a, r, index in _CACHE:
            if ref() is records and (p, a, r) == (purpose, at, recipient):
                return index
    index = _build_index(records, purpose, at, recipient)
    with _CACHE_LOCK:
        _CACHE.insert(0, (weakref.ref(records), purpose, at, recipient, index))
        del _CACHE[4:]
    return index


def _build_index(
    records: pa.Table, purpose: str, at: datetime, recipient: str | None
) -> RecordIndex:
    at_us = _micros(at)
    kind = _lookup(records.column("scope_kind"), pa.array(_KINDS))
    keep = (
        _np(pc.fill_null(pc.equal(records.column("purpose"), purpose), False))
        & (_ts(records.column("decided_at"), _NEVER) <= at_us)
        & (kind >= 0)
        & _np(pc.is_valid(records.column("principal_id")))
        & _np(pc.is_valid(records.column("scope_id")))
    )
    kept = np.flatnonzero(keep)
    n = len(kept)
    log_index = _np(pc.fill_null(records.column("log_index"), -1)).astype(np.int64)[kept]
    by_age = np.lexsort((-kept, log_index))  # ties: the first listed ranks higher
    rank = np.empty(n, np.int64)
    rank[by_age] = np.arange(n)
    people, person = _encode(records.column("principal_id"))
    scopes, scope = _encode(records.column("scope_id"))
    key = ((person * 3 + kind) * max(len(scopes), 1) + scope)[kept]
    order = np.lexsort((-rank, key))
    recs = records.select(_READ).take(pa.array(kept[order]))
    key, rank, log_index = key[order], rank[order], log_index[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if n else np.zeros(0, np.int64)

    status = recs.column("status")
    refused = _np(pc.fill_null(pc.equal(status, Status.REFUSED.value), False))
    in_use = ~refused & (_ts(recs.column("use_end"), _NEVER) > at_us)
    live = np.flatnonzero(in_use)
    live_count = np.add.reduceat(in_use.astype(np.int64), starts) if n else starts
    live_start = np.cumsum(live_count) - live_count
    newest_live = np.append(live, -1)[np.where(live_count > 0, live_start, len(live))]
    ended = np.full(n, _CODE[Reason.WITHDRAWN], np.int8)
    for value, why in _ENDED.items():
        ended[_np(pc.fill_null(pc.equal(status, value), False))] = _CODE[why]

    basis, t_basis = _encode(recs.column("t_basis"), missing=-2)
    modalities = pc.unique(
        _concat(pc.list_flatten(recs.column("modalities")), pc.list_flatten(recs["t_modalities"]))
    )
    covers = _member(recs.column("modalities"), modalities) & _member(
        recs.column("t_modalities"), modalities
    )
    recipient_ok = np.ones(n, np.bool_)
    if recipient is not None:
        wanted = pa.array([recipient])
        recipient_ok = (
            _member(recs.column("recipients"), wanted)[:, 0]
            & _member(recs.column("t_recipients"), wanted)[:, 0]
        )
    windows = recs.column("windows")
    win_count = _np(pc.fill_null(pc.list_value_length(windows), 0)).astype(np.int64)
    flat = pc.list_flatten(windows)
    lo = _ts(pc.struct_field(flat, "lo"), _NEVER)  # no start: holds nothing
    hi = _ts(pc.struct_field(flat, "hi"), _NEVER)

    def tail(values: npt.NDArray[Any], none: Any) -> npt.NDArray[Any]:
        return np.append(values, np.array([none], values.dtype))

    return RecordIndex(
        people=people,
        scopes=scopes,
        key_set=pa.array(key[starts], pa.int64()),
        newest=tail(starts.astype(np.int64), -1),
        newest_live=tail(newest_live.astype(np.int64), -1),
        live_start=tail(live_start.astype(np.int64), 0),
        live_count=tail(live_count.astype(np.int64), 0),
        live=live.astype(np.int64),
        rank=tail(rank, -1),
        record_id=recs.column("record_id").combine_chunks(),
        log_index=tail(log_index, -1),
        refused=tail(refused, False),
        in_use=tail(in_use, False),
        ended=tail(ended, 0),
        has_terms=tail(_np(pc.fill_null(recs.column("has_terms"), False)), False),
        basis=basis,
        t_basis=tail(t_basis, -2),
        t_retention=tail(_np(pc.fill_null(recs.column("t_retention"), _NEVER)), _NEVER),
        recipient_ok=tail(recipient_ok, False),
        modalities=modalities,
        covers=np.pad(covers, ((0, 1), (0, 1))),  # the sentinel row; an unknown modality
        win_start=tail(np.cumsum(win_count) - win_count, 0),
        win_count=tail(win_count, 0),
        lo=lo,
        hi=hi,
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
            _np(pc.fill_null(pc.equal(terms.column("basis"), "consent"), False)), False
        )
        self.basis = np.append(_lookup(terms.column("basis"), index.basis), -1)
        self.retention = np.append(_np(pc.fill_null(terms.column("retention_days"), 0)), 0)
        listed = terms.column("modalities")
        # the records' modalities first, then those only the policy names
        self.modalities = pc.unique(_concat(index.modalities, pc.list_flatten(listed)))
        offered = _member(listed, self.modalities)
        self.offered = np.zeros((n + 1, offered.shape[1] + 1), np.bool_)  # sentinels last
        self.offered[:n, :-1] = offered
        has_list = _np(
            pc.fill_null(pc.greater(pc.list_value_length(terms["recipients"]), 0), False)
        )
        if recipient is None:
            ok = ~has_list
        else:
            ok = has_list & _member(terms.column("recipients"), pa.array([recipient]))[:, 0]
        self.recipient_ok = np.append(ok, False)


class _Segments:
    """The segment columns the decision reads, as arrays, and the groups they concern."""

    def __init__(self, segments: pa.Table, index: RecordIndex, pol: _Policy) -> None:
        self.n = segments.num_rows
        self.private = _np(pc.fill_null(segments.column("private"), False))
        participant = segments.column("participant_id")
        self.unattributed = _np(pc.is_null(participant))
        self.policy = _lookup(segments.column("org_id"), pol.orgs)  # -1: the "none" row
        mod = _lookup(segments.column("modality"), pol.modalities)
        self.offer_col = mod  # -1: the "unknown" column
        known = len(index.modalities)
        self.cover_col = np.where((mod >= 0) & (mod < known), mod, known)
        self.t_start = _ts(segments.column("t_start"), _NEVER)
        self.t_end = _ts(segments.column("t_end"), _NEVER)
        self.groups = self._groups(segments, participant, index)

    @staticmethod
    def _groups(segments: pa.Table, participant: Any, index: RecordIndex) -> list[I64]:
        """Per scope kind (meeting, series, org), the group each segment concerns (-1: none)."""
        if len(index.key_set) == 0:
            return []
        person = _lookup(participant, index.people)
        width = max(len(index.scopes), 1)
        keys = []
        for kind, column in enumerate(("meeting_id", "series_id", "org_id")):
            scope = _lookup(segments.column(column), index.scopes)
            known = (person >= 0) & (scope >= 0)
            keys.append(np.where(known, (person * 3 + kind) * width + scope, -1))
        found = _lookup(pa.array(np.concatenate(keys)), index.key_set)
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
    out |= _np(pc.is_in(segments.column("org_id"), whole.column("org_id").drop_null()))
    one = mine.filter(pc.is_valid(mine.column("meeting_id")))
    if one.num_rows:
        orgs, org = _encode(one.column("org_id"))
        meetings, meeting = _encode(one.column("meeting_id"))
        held = org * len(meetings) + meeting
        s_org = _lookup(segments.column("org_id"), orgs)
        s_meeting = _lookup(segments.column("meeting_id"), meetings)
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
    reason[:] = np.where(consent, _CODE[Reason.NO_CONSENT], _CODE[Reason.LEGAL_BASIS])
    ended = has & ~consent & (refused | ~index.in_use[newest])
    reason[ended] = np.where(refused[ended], _CODE[Reason.REFUSED], _CODE[Reason.WITHDRAWN])
    row[ended] = newest[ended]
    # consent: the newest record if it refuses or nothing is in use, else the grants in use
    said = has & consent
    stop = said & (refused | (live < 0))
    reason[stop] = np.where(refused[stop], _CODE[Reason.REFUSED], index.ended[newest[stop]])
    row[stop] = newest[stop]
    check = np.flatnonzero(said & ~stop)
    fails = _failure(index, pol, seg, check, live[check])
    reason[check] = np.where(fails == 0, _CODE[Reason.CONSENT], fails)
    row[check] = live[check]
    # the newest grant in use does not cover it: the newest older one that does, if any
    again = check[fails != 0]
    if len(again):
        found = _covering(index, pol, seg, again)
        hit = found >= 0
        reason[again[hit]] = _CODE[Reason.CONSENT]
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
    out = np.where(held, 0, _CODE[Reason.OUTSIDE_CAPTURE_WINDOW]).astype(np.int8)
    out[recipient] = _CODE[Reason.RECIPIENT_NOT_COVERED]
    out[modality] = _CODE[Reason.MODALITY_NOT_COVERED]
    out[outdated] = _CODE[Reason.NOTICE_OUTDATED]
    return out


# ---------------------------------------------------------------- Arrow to NumPy


def _np(values: Any) -> npt.NDArray[Any]:
    """A non-null Arrow array or chunked array as a NumPy array."""
    return np.asarray(values.to_numpy(zero_copy_only=False))


def _micros(at: datetime) -> int:
    value: int = pa.scalar(at, type=TS).value
    return value


def _ts(values: Any, none: int) -> I64:
    """Timestamps as microseconds since the epoch (nulls as ``none``)."""
    micros = pc.cast(pc.cast(values, TS), pa.int64())
    return _np(pc.fill_null(micros, none)).astype(np.int64)


def _lookup(values: Any, among: Any) -> I64:
    """Each value's position in ``among`` (-1: null or absent)."""
    return _np(pc.fill_null(pc.index_in(values, value_set=among), -1)).astype(np.int64)


def _encode(values: Any, missing: int = -1) -> tuple[pa.Array, I64]:
    """The distinct non-null values, and each value's position among them."""
    distinct = pc.unique(values).drop_null()
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    codes = _np(pc.fill_null(pc.index_in(values, value_set=distinct), missing))
    return distinct, codes.astype(np.int64)


def _concat(*values: Any) -> pa.ChunkedArray:
    """Non-null strings of several arrays or chunked arrays, as one chunked array."""
    chunks = [c for v in values for c in (v.chunks if isinstance(v, pa.ChunkedArray) else [v])]
    return pa.chunked_array(chunks, pa.string()).drop_null()


def _member(lists: Any, values: pa.Array) -> Bools:
    """(row, j): the list in row ``row`` holds ``values[j]``."""
    out = np.zeros((len(lists), len(values)), np.bool_)
    if len(values) == 0 or len(lists) == 0:
        return out
    parent = _np(pc.list_parent_indices(lists)).astype(np.int64)
    code = _lookup(pc.list_flatten(lists), values)
    out[parent[code >= 0], code[code >= 0]] = True
    return out
