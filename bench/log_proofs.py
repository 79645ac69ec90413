"""log_proofs: inclusion proofs from stored nodes, and ``sayso log verify``, at 1M leaves.

(a) RFC 9162 inclusion proofs per second generated from the ``log_nodes`` rows of a real
SQLite ledger through ``DbNodeSource`` (baseline: the same proofs from an
``InMemoryNodeSource``), and verified per second with ``verify_inclusion`` (baseline: a
bare hashlib path fold). (b) ``verify_log`` over the whole ledger (baseline: one hashlib
pass computing the RFC 6962 root of the stored leaf hashes, read with ``sqlite3``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from bench.common import count_within, interleave, median, timed
from bench.report import Reporter, note, result
from bench.synthetic_ledger import Ledger, cached_ledger, leaf_hashes
from sayso.errors import LogCorrupt
from sayso.ledger.db import make_engine, unit_of_work
from sayso.ledger.log_store import DbNodeSource, latest_checkpoint
from sayso.services.context import Context
from sayso.services.logs import verify_log
from sayso.settings import Settings
from sayso.transparency import InMemoryNodeSource, inclusion_proof, verify_inclusion

NAME = "log_proofs"


@dataclass(frozen=True)
class ProofsConfig:
    events: int = 1_000_000
    proofs: int = 2000
    reps: int = 5
    rep_seconds: float = 5.0  # a proof repetition stops early after this long
    verify_reps: int = 3
    verify_budget_s: float = 300.0  # no further verify_log repetition after this long


FULL = ProofsConfig()
QUICK = ProofsConfig(events=10_000, proofs=200, reps=3, rep_seconds=2.0)


@dataclass(frozen=True)
class Subject:
    """The cached ledger opened for measuring, with its leaves held in memory."""

    ledger: Ledger
    engine: Engine
    ctx: Context
    leaves: list[bytes]
    memory: InMemoryNodeSource
    root: bytes
    indices: list[int]

    @property
    def size(self) -> int:
        return self.ledger.events


def run(cfg: ProofsConfig, reporter: Reporter) -> None:
    subject = _open(cfg)
    try:
        note(f"{NAME}: {cfg.reps} reps of {len(subject.indices)} proofs each side")
        reporter.emit(_generate(subject, cfg))
        reporter.emit(_verify(subject, cfg))
        note(f"{NAME}: {cfg.verify_reps} reps of verify_log over {cfg.events:,} events")
        reporter.emit(_verify_log(subject, cfg))
    finally:
        subject.engine.dispose()


def _open(cfg: ProofsConfig) -> Subject:
    ledger = cached_ledger(cfg.events)
    ctx = Context.open(Settings(database_url=ledger.url, key_file=ledger.key_file))
    engine = make_engine(ledger.url)
    leaves = list(leaf_hashes(ledger.path))
    memory = InMemoryNodeSource(leaves)
    with unit_of_work(engine, readonly=True) as session:
        checkpoint = bytes(latest_checkpoint(session).root)
    if memory.root() != checkpoint or len(leaves) != cfg.events:
        ledger.discard()
        raise LogCorrupt("the cached ledger disagrees with its checkpoint; it was removed")
    indices = random.Random(6962).sample(range(cfg.events), min(cfg.proofs, cfg.events))
    return Subject(ledger, engine, ctx, leaves, memory, checkpoint, indices)


# ---------------------------------------------------------------- (a) inclusion proofs


def _generate(subject: Subject, cfg: ProofsConfig) -> dict[str, Any]:
    size = subject.size
    counts: list[int] = []

    def from_db() -> float:
        with unit_of_work(subject.engine, readonly=True) as session:
            source = DbNodeSource(session)
            run = count_within(
                cfg.rep_seconds, subject.indices, lambda i: inclusion_proof(i, size, source)
            )
        counts.append(run.calls)
        return run.rate

    def from_memory() -> float:
        source = subject.memory
        run = count_within(
            cfg.rep_seconds, subject.indices, lambda i: inclusion_proof(i, size, source)
        )
        return run.rate

    _same_proofs(subject)
    rates = interleave(cfg.reps, from_db, from_memory)
    return result(
        f"{NAME}_inclusion_generate",
        rates[0],
        "in_memory_node_source",
        rates[1],
        leaves=size,
        sayso_proofs_per_rep=int(median([float(c) for c in counts])),
        proofs_asked_per_rep=len(subject.indices),
        rep_time_box_s=cfg.rep_seconds,
    )


def _same_proofs(subject: Subject) -> None:
    with unit_of_work(subject.engine, readonly=True) as session:
        source = DbNodeSource(session)
        for i in subject.indices[:5]:
            stored = inclusion_proof(i, subject.size, source)
            if stored != inclusion_proof(i, subject.size, subject.memory):
                raise LogCorrupt(f"the stored nodes give a different proof for leaf {i}")


def _verify(subject: Subject, cfg: ProofsConfig) -> dict[str, Any]:
    size, root = subject.size, subject.root
    cases = [
        (subject.leaves[i], i, inclusion_proof(i, size, subject.memory)) for i in subject.indices
    ]

    def sayso() -> float:
        def check() -> None:
            for leaf, i, proof in cases:
                verify_inclusion(leaf, i, size, proof, root)

        return len(cases) / timed(check)

    def bare() -> float:
        def check() -> None:
            for leaf, i, proof in cases:
                if not bare_verify(leaf, i, size, proof, root):
                    raise LogCorrupt(f"the bare fold rejects leaf {i}")

        return len(cases) / timed(check)

    rates = interleave(cfg.reps, sayso, bare)
    return result(
        f"{NAME}_inclusion_verify",
        rates[0],
        "bare_hashlib_path_fold",
        rates[1],
        leaves=size,
        proofs=len(cases),
    )


def bare_verify(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2 with nothing else: no argument checks, one hash per proof entry."""
    fn, sn, value, sha = index, size - 1, leaf, hashlib.sha256
    for sibling in proof:
        if fn & 1 or fn == sn:
            value = sha(b"\x01" + sibling + value).digest()
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = sha(b"\x01" + value + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and value == root


# ---------------------------------------------------------------- (b) sayso log verify


def _verify_log(subject: Subject, cfg: ProofsConfig) -> dict[str, Any]:
    size = subject.size

    def sayso() -> float:
        def check() -> None:
            with unit_of_work(subject.engine, readonly=True) as session:
                report = verify_log(session, subject.ctx)
            if report.size != size or report.root != subject.root:
                raise LogCorrupt(f"verify_log saw {report.size} entries, expected {size}")

        try:
            return size / timed(check)
        except LogCorrupt:
            subject.ledger.discard()  # the synthetic rows are wrong: rebuild next time
            raise

    def floor() -> float:
        def check() -> None:
            if hashlib_root(subject) != subject.root:
                raise LogCorrupt("the hashlib pass disagrees with the checkpoint")

        return size / timed(check)

    rates = interleave(cfg.verify_reps, sayso, floor, budget_s=cfg.verify_budget_s)
    cut: dict[str, Any] = {}
    if len(rates[0]) < cfg.verify_reps:
        cut["reps_cut_at_s"] = cfg.verify_budget_s
    return result(
        NAME,
        rates[0],
        "hashlib_rfc6962_root_of_stored_leaves",
        rates[1],
        measures="verify_log",
        events=size,
        sayso_seconds=round(size / median(rates[0]), 2),
        baseline_seconds=round(size / median(rates[1]), 2),
        **cut,
    )


def hashlib_root(subject: Subject) -> bytes:
    """One streaming pass: read each stored leaf hash, merge equal-height subtrees, fold."""
    sha = hashlib.sha256
    stack: list[bytes] = []
    for count, value in enumerate(leaf_hashes(subject.ledger.path)):
        merged, n = value, count
        while n & 1:
            merged = sha(b"\x01" + stack.pop() + merged).digest()
            n >>= 1
        stack.append(merged)
    root = stack.pop()
    while stack:
        root = sha(b"\x01" + stack.pop() + root).digest()
    return root
