"""The public transparency log: anyone can audit it (`sayso log verify --remote URL`)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from sayso.api import schemas
from sayso.api.security import PUBLIC, Caller, Needs
from sayso.errors import LogCorrupt, ReceiptInvalid
from sayso.ledger import log_store
from sayso.ledger.models import LogLeaf
from sayso.services import logs, policies
from sayso.signing.receipts import verify_receipt

router = APIRouter(tags=["public log"], responses=schemas.problems(400, 404, 422))
Anyone = Annotated[Caller, Depends(Needs(PUBLIC))]
MAX_LEAVES = 10_000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@router.get("/log/checkpoint", response_model=schemas.CheckpointOut)
def checkpoint(caller: Anyone) -> schemas.CheckpointOut:
    """The latest signed checkpoint (C2SP tlog-checkpoint)."""
    with caller.public() as session:
        row = log_store.latest_checkpoint(session)
        return schemas.CheckpointOut(
            size=row.size, root=_b64(bytes(row.root)), note=row.note, key_id=row.key_id
        )


@router.get("/log/proof/inclusion", response_model=schemas.InclusionOut)
def inclusion(
    caller: Anyone,
    index: Annotated[int, Query(ge=0, description="The entry's log index.")],
    size: Annotated[int, Query(ge=1, description="The tree size to prove against.")],
) -> schemas.InclusionOut:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    with caller.public() as session:
        hashes = logs.prove_inclusion(session, index, size)
        leaf = session.get(LogLeaf, index)
        if leaf is None:
            raise LogCorrupt(f"log entry {index} has no leaf")
        return schemas.InclusionOut(
            index=index,
            size=size,
            leaf_hash=_b64(bytes(leaf.leaf_hash)),
            hashes=[_b64(h) for h in hashes],
        )


@router.get("/log/proof/consistency", response_model=schemas.ConsistencyOut)
def consistency(
    caller: Anyone,
    first: Annotated[int, Query(ge=1, description="The older tree size.")],
    second: Annotated[int, Query(ge=1, description="The newer tree size.")],
) -> schemas.ConsistencyOut:
    """RFC 9162 consistency proof that the tree of ``second`` entries extends ``first``."""
    with caller.public() as session:
        hashes = logs.prove_consistency(session, first, second)
        return schemas.ConsistencyOut(first=first, second=second, hashes=[_b64(h) for h in hashes])


@router.get("/log/leaves", response_model=schemas.LeavesOut)
def leaves(
    caller: Anyone,
    start: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LEAVES)] = 1000,
) -> schemas.LeavesOut:
    """The leaf data (salted commitments) from ``start``: enough to recompute every root."""
    with caller.public() as session:
        rows = session.execute(
            select(LogLeaf.commitment)
            .where(LogLeaf.idx >= start)
            .order_by(LogLeaf.idx)
            .limit(limit)
        ).scalars()
        return schemas.LeavesOut(start=start, commitments=[_b64(bytes(c)) for c in rows])


@router.get("/log/keys")
def keys(caller: Anyone) -> dict[str, Any]:
    """The public keys (JWKS) that sign checkpoints and receipts, retired ones included."""
    return caller.runtime.ctx.keyring.jwks()


@router.get("/notices/{notice_hash}", response_model=schemas.NoticeOut)
def notice(notice_hash: str, caller: Anyone) -> schemas.NoticeOut:
    """A notice by its hash: what people were shown when they answered."""
    with caller.public() as session:
        n = policies.get_notice(session, notice_hash)
        return schemas.NoticeOut(
            hash=n.hash,
            policy_version=n.policy_version,
            language=n.language,
            text=n.text,
            document=n.document,
        )


@router.post("/receipts/verify", response_model=schemas.ReceiptCheckOut)
def verify(body: schemas.ReceiptIn, caller: Anyone) -> schemas.ReceiptCheckOut:
    """Check a receipt: its signature, its inclusion, and that the live log extends it."""
    ring = caller.runtime.ctx.keyring
    keys_by_id = {e.kid: e.public for e in ring.entries}
    receipt = verify_receipt(body.jws, keys_by_id)
    with caller.public() as session:
        try:
            logs.check_receipt_against_log(session, receipt)
        except LogCorrupt as exc:
            raise ReceiptInvalid(str(exc)) from None
    return schemas.ReceiptCheckOut(
        valid=True,
        record_id=str(receipt.record["record_id"]),
        log_index=receipt.log_index,
        checkpoint_size=receipt.checkpoint.size,
        in_live_log=True,
        detail="signature, inclusion proof and the live log all agree",
    )
