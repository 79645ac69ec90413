"""Get a real receipt out of a database the demo filled, for the CLI tests."""

from __future__ import annotations

from pathlib import Path

from sayso.domain.records import EventType, Scope, ScopeKind
from sayso.ledger.db import make_engine, unit_of_work
from sayso.services.consent import ConsentRequest, record_decisions
from sayso.services.context import Actor, Context
from sayso.services.demo import run_demo
from sayso.settings import Settings


def first_receipt(db_url: str, key_file: Path) -> str:
    """Replay the demo's first decision: its idempotency key returns the original receipt."""
    ctx = Context.open(Settings(database_url=db_url, key_file=key_file))
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            result = run_demo(session, ctx)
            pid = result.participants["Diane Candidate"]
            request = ConsentRequest(
                principal_id=pid,
                scope=Scope(ScopeKind.MEETING, result.meeting_id),
                action=EventType.GRANT,
                purposes=("recording", "transcription"),
                idempotency_key="demo-0",
            )
            [receipt] = record_decisions(session, ctx, Actor.participant(pid), [request])
    finally:
        engine.dispose()
    assert receipt.replayed
    return receipt.jws
