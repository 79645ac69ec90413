"""The transparency log as a service: checkpoints, proofs, and full verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayso.errors import LogCorrupt, NotFound
from sayso.ledger import log_store
from sayso.ledger.models import CheckpointRow, ConsentEventRow, LogLeaf, LogNode
from sayso.services.context import Context
from sayso.signing.receipts import VerifiedReceipt
from sayso.transparency import (
    CheckpointError,
    NoteVerifier,
    ProofError,
    RootAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    open_checkpoint,
    root_from_source,
    verify_consistency,
)

_BATCH = 5000


def checkpoint_now(session: Session, ctx: Context) -> CheckpointRow:
    """Sign a checkpoint for the current tree size (or return the one that exists)."""
    size = log_store.lock_head(session)
    root = root_from_source(size, log_store.DbNodeSource(session))
    log_store.store_checkpoint(
        session, ctx.origin, size, root, ctx.note_signer(), ctx.keyring.active_kid, ctx.clock()
    )
    return log_store.checkpoint_at(session, size)


def prove_inclusion(session: Session, index: int, size: int) -> list[bytes]:
    _check_sizes(session, index + 1, size)
    return inclusion_proof(index, size, log_store.DbNodeSource(session))


def _check_sizes(session: Session, low: int, high: int) -> None:
    current = log_store.current_size(session)
    if not 0 < low <= high <= current:
        raise NotFound(f"sizes must satisfy 0 < {low} <= {high} <= {current} (the log's size)")


def verifiers(ctx: Context) -> list[NoteVerifier]:
    return [NoteVerifier(ctx.origin, e.public) for e in ctx.keyring.entries]


@dataclass(frozen=True)
class LogReport:
    size: int
    checkpoints: int
    root: bytes
    erased: int = 0


def verify_log(
    session: Session, ctx: Context, progress: Callable[[int], None] | None = None
) -> LogReport:
    """Recompute every leaf from its event, every stored node, every checkpoint.

    Raises ``LogCorrupt`` naming the first bad entry if any row was altered,
    removed or reordered.
    """
    size = log_store.current_size(session)
    checkpoints = list(
        session.execute(select(CheckpointRow).order_by(CheckpointRow.size)).scalars()
    )
    wanted = {c.size for c in checkpoints}
    roots: dict[int, bytes] = {}
    acc = RootAccumulator()
    leaves: list[bytes] = []
    for _index, event_row, leaf in _entries(session):
        _check_entry(_index, event_row, leaf)
        hashed = bytes(leaf.leaf_hash)
        acc.append(hashed)
        leaves.append(hashed)
        if acc.size in wanted:
            roots[acc.size] = acc.root()
        if progress and acc.size % _BATCH == 0:
            progress(acc.size)
    if acc.size != size:
        raise LogCorrupt(f"the log head says {size} entries but {acc.size} were found")
    _check_nodes(session, leaves)
    _check_checkpoints(session, ctx, checkpoints, roots)
    return LogReport(size, len(checkpoints), acc.root())


_EVENT_COLUMNS = (
    ConsentEventRow.event_id,
    ConsentEventRow.log_index,
    ConsentEventRow.principal_id,
    ConsentEventRow.org_id,
    ConsentEventRow.scope,
    ConsentEventRow.event_type,
    ConsentEventRow.event_time,
    ConsentEventRow.document,
    ConsentEventRow.salt,
)


def _entries(session: Session) -> Iterator[tuple[int, Any, Any]]:
    """Events and leaves in index order, read in keyset pages (no cursor left open)."""
    conn = session.connection()  # Core rows: no ORM bookkeeping for a million entries
    start = 0
    while True:
        events = conn.execute(
            select(*_EVENT_COLUMNS)
            .where(ConsentEventRow.log_index >= start)
            .order_by(ConsentEventRow.log_index)
            .limit(_BATCH)
        ).all()
        leaves = conn.execute(
            select(LogLeaf.idx, LogLeaf.leaf_hash, LogLeaf.commitment)
            .where(LogLeaf.idx >= start)
            .order_by(LogLeaf.idx)
            .limit(_BATCH)
        ).all()
        if not events and not leaves:
            return
        for offset, (event_row, leaf) in enumerate(zip_longest(events, leaves)):
            index = start + offset
            if leaf is None or leaf.idx != index:
                raise LogCorrupt(f"log entry {index}: its leaf is missing or out of order")
            if event_row is None or event_row.log_index != index:
                raise LogCorrupt(f"log entry {index}: its consent event is missing or out of order")
            yield index, event_row, leaf
        start += max(len(events), len(leaves))


def _check_entry(index: int, row: Any, leaf: Any) -> None:
    where = f"log entry {index} (record {row.event_id})"
    try:
        doc = json.loads(row.document)
    except ValueError:
        raise LogCorrupt(f"{where}: the stored event is not JSON; the row was altered") from None
    # The commitment below covers the stored bytes exactly; here the row's columns must agree.
    if not isinstance(doc, dict) or not _columns_match(row, doc):
        raise LogCorrupt(f"{where}: the event row disagrees with its document; it was altered")
    digest = hashlib.sha256(bytes(row.salt) + row.document.encode()).digest()
    if digest != bytes(leaf.commitment):
        raise LogCorrupt(f"{where}: the event does not match its logged commitment; it was altered")
    if leaf_hash(digest) != bytes(leaf.leaf_hash):
        raise LogCorrupt(f"{where}: the stored leaf hash is wrong; the leaf was altered")


def _columns_match(row: Any, doc: dict[str, object]) -> bool:
    return (
        doc.get("record_id") == row.event_id
        and doc.get("principal_id") == row.principal_id
        and doc.get("org_id") == row.org_id
        and doc.get("scope") == row.scope
        and doc.get("event_type") == row.event_type
        and isinstance(doc.get("event_time"), str)
        and datetime.fromisoformat(str(doc["event_time"])) == row.event_time
    )


def _check_nodes(session: Session, leaves: list[bytes]) -> None:
    """Every stored perfect-subtree hash must be the hash of its two children, none missing."""
    level, current = 0, leaves
    while current:
        for start in range(0, len(current), _BATCH):
            rows = (
                session.connection()
                .execute(
                    select(LogNode.idx, LogNode.hash)
                    .where(LogNode.level == level, LogNode.idx >= start)
                    .order_by(LogNode.idx)
                    .limit(_BATCH + 1)
                )
                .all()
            )
            _compare_nodes(level, start, rows, current)
        level += 1
        current = [node_hash(current[2 * i], current[2 * i + 1]) for i in range(len(current) // 2)]
    extra = session.execute(
        select(func.count()).select_from(LogNode).where(LogNode.level >= level)
    ).scalar_one()
    if extra:
        raise LogCorrupt(f"{extra} stored log nodes lie outside the tree; they were added")


def _compare_nodes(level: int, start: int, rows: Sequence[Any], current: list[bytes]) -> None:
    expected = current[start : start + _BATCH]
    for offset, want in enumerate(expected):
        index = start + offset
        if offset >= len(rows) or rows[offset].idx != index:
            raise LogCorrupt(f"stored log node (level {level}, index {index}) is missing")
        if bytes(rows[offset].hash) != want:
            raise LogCorrupt(
                f"stored log node (level {level}, index {index}) is wrong; it was altered"
            )
    if start + _BATCH >= len(current) and len(rows) > len(expected):
        extra = rows[len(expected)].idx
        raise LogCorrupt(f"stored log node (level {level}, index {extra}) lies outside the tree")


def _check_checkpoints(
    session: Session, ctx: Context, rows: list[CheckpointRow], roots: dict[int, bytes]
) -> None:
    keys = verifiers(ctx)
    previous: CheckpointRow | None = None
    source = log_store.DbNodeSource(session)
    for row in rows:
        try:
            cp = open_checkpoint(row.note, keys)
        except CheckpointError as exc:
            raise LogCorrupt(f"checkpoint at size {row.size}: {exc}") from None
        if cp.size != row.size or cp.root != bytes(row.root) or roots.get(row.size) != cp.root:
            raise LogCorrupt(f"checkpoint at size {row.size} does not match the log's entries")
        if previous is not None and previous.size > 0:
            proof = consistency_proof(previous.size, row.size, source)
            try:
                verify_consistency(previous.size, row.size, proof, bytes(previous.root), cp.root)
            except ProofError as exc:
                raise LogCorrupt(f"checkpoint at size {row.size} forks the log: {exc}") from None
        previous = row


def check_receipt_against_log(session: Session, receipt: VerifiedReceipt) -> None:
    """The receipt's leaf and checkpoint must agree with the live log (no fork, no rewrite)."""
    index, cp = receipt.log_index, receipt.checkpoint
    leaf = session.get(LogLeaf, index)
    if leaf is None or bytes(leaf.leaf_hash) != receipt.leaf_hash:
        raise LogCorrupt(f"the live log's entry {index} is not the receipt's record")
    stored = session.get(CheckpointRow, cp.size)
    if stored is not None and bytes(stored.root) != cp.root:
        raise LogCorrupt(f"the live log's checkpoint at size {cp.size} differs from the receipt's")
    size = log_store.current_size(session)
    live_root = root_from_source(size, log_store.DbNodeSource(session))
    proof = consistency_proof(cp.size, size, log_store.DbNodeSource(session))
    try:
        verify_consistency(cp.size, size, proof, cp.root, live_root)
    except ProofError as exc:
        raise LogCorrupt(
            f"the live log is not an extension of the receipt's checkpoint: {exc}"
        ) from None
