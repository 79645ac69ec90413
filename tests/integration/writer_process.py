"""A consent writer run as its own process by the crash and concurrency tests.

Prints ``ACK <idempotency key> <record id> <log index>`` only after the unit of work
committed, exactly as a server would answer "saved" only after commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sayso.domain.records import EventType, Scope, ScopeKind
from sayso.ledger.db import make_engine, unit_of_work
from sayso.services.consent import ConsentRequest, record_decisions
from sayso.services.context import Actor, Context
from sayso.settings import Settings


def main(
    db_url: str, key_file: str, participant: str, meeting: str, prefix: str, count: int
) -> None:
    ctx = Context.open(Settings(database_url=db_url, key_file=Path(key_file)))
    engine = make_engine(db_url)
    actions = (EventType.GRANT, EventType.WITHDRAW)
    for i in range(count):
        request = ConsentRequest(
            principal_id=participant,
            scope=Scope(ScopeKind.MEETING, meeting),
            action=actions[i % 2],
            purposes=("ai_training",),
            idempotency_key=f"{prefix}-{i}",
            indication_method="api",
        )
        with unit_of_work(engine) as session:
            [receipt] = record_decisions(session, ctx, Actor.participant(participant), [request])
        print(f"ACK {request.idempotency_key} {receipt.record_id} {receipt.log_index}", flush=True)


if __name__ == "__main__":
    db, keys, who, meeting, prefix, count = sys.argv[1:7]
    main(db, keys, who, meeting, prefix, int(count))
