"""``RecordIndex``: the consent records about one purpose, arranged for ``decide_batch``.

How: the records about the purpose, decided by ``at``, are grouped by (person, scope)
and ranked by log index. Per group the index keeps its newest row and its rows in use,
newest first, so that the decision finds a segment's candidates by plain array
indexing. It is built once per records table, purpose, time and recipient, and reused
while the same table is passed again.

A record that is no longer in use carries the reason it ended as a reason code
(``REASONS``); the codes are defined here because both the index and the decision
speak them.
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
from sayso.gate.arrays import (
    I64,
    NEVER,
    Bools,
    as_numpy,
    concat,
    encode,
    lookup,
    member,
    micros,
    micros_array,
)

_KINDS = (ScopeKind.MEETING.value, ScopeKind.SERIES.value, ScopeKind.ORG.value)

# Reason codes; a grant's failures (``_check_grant``) come first, in the order it tests.
REASONS = (
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
CODE = {r: i for i, r in enumerate(REASONS) if r is not None}

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
    at_us = micros(at)
    kind = lookup(records.column("scope_kind"), pa.array(_KINDS))
    keep = (
        as_numpy(pc.fill_null(pc.equal(records.column("purpose"), purpose), False))
        & (micros_array(records.column("decided_at"), NEVER) <= at_us)
        & (kind >= 0)
        & as_numpy(pc.is_valid(records.column("principal_id")))
        & as_numpy(pc.is_valid(records.column("scope_id")))
    )
    kept = np.flatnonzero(keep)
    n = len(kept)
    log_index = as_numpy(pc.fill_null(records.column("log_index"), -1)).astype(np.int64)[kept]
    by_age = np.lexsort((-kept, log_index))  # ties: the first listed ranks higher
    rank = np.empty(n, np.int64)
    rank[by_age] = np.arange(n)
    people, person = encode(records.column("principal_id"))
    scopes, scope = encode(records.column("scope_id"))
    key = ((person * 3 + kind) * max(len(scopes), 1) + scope)[kept]
    order = np.lexsort((-rank, key))
    recs = records.select(_READ).take(pa.array(kept[order]))
    key, rank, log_index = key[order], rank[order], log_index[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if n else np.zeros(0, np.int64)

    status = recs.column("status")
    refused = as_numpy(pc.fill_null(pc.equal(status, Status.REFUSED.value), False))
    in_use = ~refused & (micros_array(recs.column("use_end"), NEVER) > at_us)
    live = np.flatnonzero(in_use)
    live_count = np.add.reduceat(in_use.astype(np.int64), starts) if n else starts
    live_start = np.cumsum(live_count) - live_count
    newest_live = np.append(live, -1)[np.where(live_count > 0, live_start, len(live))]
    ended = np.full(n, CODE[Reason.WITHDRAWN], np.int8)
    for value, why in _ENDED.items():
        ended[as_numpy(pc.fill_null(pc.equal(status, value), False))] = CODE[why]

    basis, t_basis = encode(recs.column("t_basis"), missing=-2)
    modalities = pc.unique(
        concat(pc.list_flatten(recs.column("modalities")), pc.list_flatten(recs["t_modalities"]))
    )
    covers = member(recs.column("modalities"), modalities) & member(
        recs.column("t_modalities"), modalities
    )
    recipient_ok = np.ones(n, np.bool_)
    if recipient is not None:
        wanted = pa.array([recipient])
        recipient_ok = (
            member(recs.column("recipients"), wanted)[:, 0]
            & member(recs.column("t_recipients"), wanted)[:, 0]
        )
    windows = recs.column("windows")
    win_count = as_numpy(pc.fill_null(pc.list_value_length(windows), 0)).astype(np.int64)
    flat = pc.list_flatten(windows)
    lo = micros_array(pc.struct_field(flat, "lo"), NEVER)  # no start: holds nothing
    hi = micros_array(pc.struct_field(flat, "hi"), NEVER)

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
        has_terms=tail(as_numpy(pc.fill_null(recs.column("has_terms"), False)), False),
        basis=basis,
        t_basis=tail(t_basis, -2),
        t_retention=tail(as_numpy(pc.fill_null(recs.column("t_retention"), NEVER)), NEVER),
        recipient_ok=tail(recipient_ok, False),
        modalities=modalities,
        covers=np.pad(covers, ((0, 1), (0, 1))),  # the sentinel row; an unknown modality
        win_start=tail(np.cumsum(win_count) - win_count, 0),
        win_count=tail(win_count, 0),
        lo=lo,
        hi=hi,
    )
