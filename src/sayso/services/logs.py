"""The transparency log as a service: checkpoints, proofs, and full verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayso.errors import LogCorrupt, NotFound
from sayso.ledger import log_store
from sayso.ledger.models import CheckpointRow, LogLeaf, LogNode
from sayso.services.context import Context
from sayso.signing.receipts import VerifiedReceipt
from sayso.transparency import (
    CheckpointError,
    NodeKey,
    NoteVerifier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    open_checkpoint,
    root_from_source,
    verify_consistency,
)

_BATCH = 5000
_NODE_PAGE = 20_000


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


def prove_consistency(session: Session, first: int, second: int) -> list[bytes]:
    _check_sizes(session, first, second)
    return consistency_proof(first, second, log_store.DbNodeSource(session))


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
    leaves = _check_entries(session, progress)
    if len(leaves) != size:
        raise LogCorrupt(f"the log head says {size} entries but {len(leaves)} were found")
    tree = _check_nodes(session, leaves)
    _check_checkpoints(ctx, checkpoints, tree)
    return LogReport(size, len(checkpoints), tree.root(size))


def _check_entries(session: Session, progress: Callable[[int], None] | None) -> list[bytes]:
    """Every entry's leaf hash, recomputed from its event; events and leaves are read in
    keyset pages (no cursor left open) and must pair up index by index."""
    leaves: list[bytes] = []
    while True:
        start = len(leaves)
        events = log_store.event_page(session, start, _BATCH)
        stored = log_store.leaf_page(session, start, _BATCH)
        if not events and not stored:
            return leaves
        for offset, (event, leaf) in enumerate(zip_longest(events, stored)):
            index = start + offset
            if leaf is None or leaf[0] != index:
                raise LogCorrupt(f"log entry {index}: its leaf is missing or out of order")
            if event is None or event[0] != index:
                raise LogCorrupt(f"log entry {index}: its consent event is missing or out of order")
            leaves.append(_check_entry(index, event, leaf))
        if progress:
            progress(len(leaves))


_sha256 = hashlib.sha256


def _check_entry(index: int, event: tuple[Any, ...], leaf: tuple[Any, ...]) -> bytes:
    """The entry's leaf hash, once the event matches its commitment and its document."""
    document, salt = event[7], event[8]
    data = document.encode() if isinstance(document, str) else bytes(document)
    digest = _sha256(bytes(salt) + data).digest()
    hashed = _sha256(b"\x00" + digest).digest()
    if digest != bytes(leaf[2]):
        raise LogCorrupt(
            f"{_where(index, event)}: the event does not match its logged commitment; "
            "it was altered"
        )
    if hashed != bytes(leaf[1]):
        raise LogCorrupt(f"{_where(index, event)}: the stored leaf hash is wrong; it was altered")
    # The commitment covers the stored document exactly; the row's columns must agree with it.
    if not _columns_match(event):
        raise LogCorrupt(
            f"{_where(index, event)}: the event row disagrees with its document; it was altered"
        )
    return hashed


def _where(index: int, event: tuple[Any, ...]) -> str:
    return f"log entry {index} (record {event[1]})"


# The event columns copied out of its document: (document field, event_page column).
_FIELDS = (
    ("record_id", 1),
    ("principal_id", 2),
    ("org_id", 3),
    ("scope", 4),
    ("event_type", 5),
)


def _columns_match(event: tuple[Any, ...]) -> bool:
    """Whether the event row's columns say what its document says."""
    try:
        doc = json.loads(event[7])
    except ValueError:
        return False
    if not isinstance(doc, dict):
        return False
    for name, column in _FIELDS:
        if doc.get(name) != event[column]:
            return False
    when = doc.get("event_time")
    return isinstance(when, str) and _same_time(when, event[6])


def _same_time(text: str, stored: object) -> bool:
    """Whether the document's ISO time is the instant stored in the row's time column
    (SQLite keeps SQLAlchemy's naive UTC text, PostgreSQL an aware datetime)."""
    if isinstance(stored, str):
        if text == _sqlite_as_iso(stored):
            return True
        try:
            stored = datetime.fromisoformat(stored)
        except ValueError:
            return False
    if not isinstance(stored, datetime):
        return False
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(text) == stored
    except ValueError:
        return False


def _sqlite_as_iso(stored: str) -> str:
    """``2024-03-01 09:00:00.120000`` as ``datetime.isoformat`` writes that UTC instant."""
    if stored.endswith(".000000"):
        stored = stored[:-7]
    return f"{stored[:10]}T{stored[11:]}+00:00"


class _Tree:
    """Every perfect-subtree hash of the recomputed tree, level by level (a node source)."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [leaves]

    def add_level(self, hashes: list[bytes]) -> None:
        self.levels.append(hashes)

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        try:
            return {(level, idx): self.levels[level][idx] for level, idx in keys}
        except IndexError:
            raise LogCorrupt("a checkpoint or proof reaches past the log's entries") from None

    def root(self, size: int) -> bytes:
        return root_from_source(size, self)


def _check_nodes(session: Session, leaves: list[bytes]) -> _Tree:
    """Every stored perfect-subtree hash must be the hash of its two children, none missing."""
    tree = _Tree(leaves)
    level, current = 0, leaves
    while current:
        for start in range(0, len(current), _NODE_PAGE):
            rows = log_store.node_page(session, level, start, _NODE_PAGE + 1)
            _compare_nodes(level, start, rows, current)
        level += 1
        pairs = zip(current[0 : len(current) & ~1 : 2], current[1::2], strict=True)
        current = [_sha256(b"\x01" + left + right).digest() for left, right in pairs]
        if current:
            tree.add_level(current)
    extra = session.execute(
        select(func.count()).select_from(LogNode).where(LogNode.level >= level)
    ).scalar_one()
    if extra:
        raise LogCorrupt(f"{extra} stored log nodes lie outside the tree; they were added")
    return tree


def _compare_nodes(level: int, start: int, rows: Sequence[Any], current: list[bytes]) -> None:
    expected = current[start : start + _NODE_PAGE]
    count = len(expected)
    found = rows[:count]
    plain = [r[0] for r in found] == list(range(start, start + count)) and [
        bytes(r[1]) for r in found
    ] == expected
    if not plain:
        for offset, want in enumerate(expected):
            index = start + offset
            if offset >= len(rows) or rows[offset][0] != index:
                raise LogCorrupt(f"stored log node (level {level}, index {index}) is missing")
            if bytes(rows[offset][1]) != want:
                raise LogCorrupt(
                    f"stored log node (level {level}, index {index}) is wrong; it was altered"
                )
    if start + _NODE_PAGE >= len(current) and len(rows) > count:
        extra = rows[count][0]
        raise LogCorrupt(f"stored log node (level {level}, index {extra}) lies outside the tree")


def _check_checkpoints(ctx: Context, rows: list[CheckpointRow], tree: _Tree) -> None:
    """Each checkpoint is signed, commits to the recomputed root of its size, and is
    consistent with the one before (proofs from the recomputed, already checked nodes)."""
    keys = verifiers(ctx)
    previous: CheckpointRow | None = None
    size = len(tree.levels[0])
    for row in rows:
        try:
            cp = open_checkpoint(row.note, keys)
        except CheckpointError as exc:
            raise LogCorrupt(f"checkpoint at size {row.size}: {exc}") from None
        if (
            cp.size != row.size
            or cp.root != bytes(row.root)
            or not 0 < row.size <= size
            or tree.root(row.size) != cp.root
        ):
            raise LogCorrupt(f"checkpoint at size {row.size} does not match the log's entries")
        if previous is not None:
            proof = consistency_proof(previous.size, row.size, tree)
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
