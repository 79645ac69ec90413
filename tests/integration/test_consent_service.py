"""Consent writes through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from sayso.domain.decision import Reason, Segment, decide
from sayso.domain.fold import fold_events
from sayso.domain.records import (
    EventType,
    Scope,
    ScopeKind,
    Status,
    Window,
    record_from_document,
)
from sayso.domain.records_json import record_canonical_json
from sayso.errors import Conflict, InvalidInput, NotAllowed
from sayso.ledger import log_store
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import ConsentEventRow, ConsentStateRow, Identity, LogLeaf
from sayso.services import policies
from sayso.services.consent import ConsentRequest, Receipt, events_for, record_decisions
from sayso.services.context import Actor, ActorKind, Context
from sayso.signing.receipts import verify_receipt
from tests.conftest import FakeClock, World


def _request(
    world: World, who: str, action: EventType, purposes: tuple[str, ...], key: str, **kw: object
) -> ConsentRequest:
    return ConsentRequest(
        principal_id=world.people[who],
        scope=world.scope,
        action=action,
        purposes=purposes,
        idempotency_key=key,
        **kw,  # type: ignore[arg-type]
    )


def _write(
    engine: Engine, ctx: Context, world: World, who: str, *requests: ConsentRequest
) -> list[Receipt]:
    with unit_of_work(engine) as session:
        return record_decisions(session, ctx, Actor.participant(world.people[who]), list(requests))


def _decide(
    engine: Engine,
    ctx: Context,
    world: World,
    who: str,
    action: EventType,
    purposes: tuple[str, ...],
    key: str,
    **kw: object,
) -> list[Receipt]:
    """One decision by ``who``, acting for themselves."""
    return _write(engine, ctx, world, who, _request(world, who, action, purposes, key, **kw))


def _keys(ctx: Context) -> dict[str, object]:
    return {e.kid: e.public for e in ctx.keyring.entries}


def test_a_grant_returns_a_receipt_that_verifies_offline(
    engine: Engine, ctx: Context, world: World
) -> None:
    [receipt] = _decide(engine, ctx, world, "Diane", EventType.GRANT, ("recording",), "k1")
    verified = verify_receipt(receipt.jws, _keys(ctx))  # type: ignore[arg-type]
    assert verified.log_index == receipt.log_index == 0
    assert verified.record["purposes"] == ["recording"]
    assert verified.record["status"] == "ConsentGiven"
    assert verified.checkpoint.size == 1


def test_the_same_idempotency_key_never_appends_twice(
    engine: Engine, ctx: Context, world: World
) -> None:
    req = _request(world, "Diane", EventType.GRANT, ("ai_training",), "same-key")
    first = _write(engine, ctx, world, "Diane", req)
    again = _write(engine, ctx, world, "Diane", req)
    assert again[0].record_id == first[0].record_id
    assert again[0].replayed
    with unit_of_work(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(ConsentEventRow)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(LogLeaf)).scalar_one() == 1


def test_a_reused_idempotency_key_with_another_decision_is_refused(
    engine: Engine, ctx: Context, world: World
) -> None:
    _decide(engine, ctx, world, "Diane", EventType.GRANT, ("ai_training",), "k")
    with pytest.raises(Conflict):
        _decide(engine, ctx, world, "Diane", EventType.REFUSE, ("ai_training",), "k")


@pytest.mark.parametrize("kind", [ActorKind.ADMIN, ActorKind.HOST, ActorKind.SERVICE])
def test_no_admin_host_or_service_actor_can_grant_for_a_participant(
    engine: Engine, ctx: Context, world: World, kind: ActorKind
) -> None:
    req = _request(world, "Diane", EventType.GRANT, ("ai_training",), "k")
    with unit_of_work(engine) as session, pytest.raises(NotAllowed):
        record_decisions(session, ctx, Actor(kind, world.people["Diane"]), [req])
    with unit_of_work(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(ConsentEventRow)).scalar_one() == 0


def test_one_participant_cannot_grant_for_another(
    engine: Engine, ctx: Context, world: World
) -> None:
    req = _request(world, "Diane", EventType.GRANT, ("ai_training",), "k")
    with unit_of_work(engine) as session, pytest.raises(NotAllowed):
        record_decisions(session, ctx, Actor.participant(world.people["Sheila"]), [req])


def test_a_participant_cannot_expire_or_invalidate(
    engine: Engine, ctx: Context, world: World
) -> None:
    req = _request(world, "Diane", EventType.INVALIDATE, ("ai_training",), "k")
    with pytest.raises(NotAllowed):
        _write(engine, ctx, world, "Diane", req)


def test_purposes_and_content_outside_the_policy_are_refused(
    engine: Engine, ctx: Context, world: World
) -> None:
    with pytest.raises(InvalidInput, match="not offered"):
        _decide(engine, ctx, world, "Diane", EventType.GRANT, ("astrology",), "a")
    with pytest.raises(InvalidInput, match="not offered"):
        _write(
            engine,
            ctx,
            world,
            "Diane",
            _request(
                world,
                "Diane",
                EventType.GRANT,
                ("product_improvement",),
                "b",
                modalities=("video",),
            ),
        )


def test_state_table_follows_the_history_and_the_gate_reads_it(
    engine: Engine, ctx: Context, world: World, clock: FakeClock
) -> None:
    _decide(
        engine, ctx, world, "Diane", EventType.GRANT, ("ai_training",), "g", modalities=("audio",)
    )
    clock.advance(minutes=30)
    _decide(engine, ctx, world, "Diane", EventType.WITHDRAW, ("ai_training",), "w")
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(select(ConsentStateRow)).scalars().all()
        records = [record_from_document(json.loads(r.document)) for r in rows]
        policy = policies.current_policy(session, world.org_id).policy
    assert [r.status for r in records] == [Status.WITHDRAWN]
    seg = Segment(
        world.org_id,
        world.meeting_id,
        world.people["Diane"],
        "audio",
        clock.now.replace(minute=5),
        clock.now.replace(minute=6),
    )
    before = decide(records, policy, seg, "ai_training", clock.now.replace(minute=10))
    after = decide(records, policy, seg, "ai_training", clock.now)
    assert before.allowed
    assert before.reason is Reason.CONSENT
    assert not after.allowed
    assert after.reason is Reason.WITHDRAWN


def test_state_rows_after_many_batches_equal_a_replay_of_the_whole_history(
    engine: Engine, ctx: Context, world: World, clock: FakeClock
) -> None:
    """Each write continues from the stored live records; the result must be what folding
    every stored event from the start gives, grant windows and regrants included."""
    g, p, r, w = EventType.GRANT, EventType.PAUSE, EventType.RESUME, EventType.WITHDRAW
    window = Window(clock.now - timedelta(minutes=5), clock.now + timedelta(minutes=20))
    story: list[tuple[str, EventType, tuple[str, ...], dict[str, object]]] = [
        ("Diane", g, ("recording", "ai_training"), {"capture_window": window}),
        ("Sheila", g, ("recording",), {}),
        ("Diane", p, ("recording",), {}),
        ("Diane", r, ("recording",), {}),
        ("Diane", g, ("ai_training",), {}),  # a regrant: the first grant stays in use
        ("Sheila", w, ("recording",), {}),
        ("Diane", p, ("recording", "ai_training"), {}),
        ("Diane", r, ("recording", "ai_training"), {}),  # past the first grant's window
        ("Sheila", g, ("recording",), {}),
        ("Diane", w, ("ai_training",), {}),
    ]
    for n, (who, action, purposes, extra) in enumerate(story):
        clock.advance(minutes=12)
        _decide(engine, ctx, world, who, action, purposes, f"step-{n}", **extra)
    with unit_of_work(engine, readonly=True) as session:
        stored = {r.document for r in session.execute(select(ConsentStateRow)).scalars()}
        pairs = {(world.people[who], str(world.scope)) for who in ("Diane", "Sheila")}
        replayed = fold_events(events_for(session, pairs))
    assert stored == {record_canonical_json(r).decode() for r in replayed}
    assert len(stored) == len(replayed) == 5


def test_names_live_apart_from_the_history(engine: Engine, ctx: Context, world: World) -> None:
    _decide(engine, ctx, world, "Diane", EventType.GRANT, ("recording",), "k")
    with unit_of_work(engine, readonly=True) as session:
        docs = session.execute(select(ConsentEventRow.document)).scalars().all()
        names = session.execute(select(Identity.display_name)).scalars().all()
    assert "Diane" in names
    assert all("Diane" not in doc for doc in docs)


def test_log_indexes_are_dense_across_batches(engine: Engine, ctx: Context, world: World) -> None:
    batch = [_request(world, "Sheila", EventType.GRANT, ("recording",), f"k{i}") for i in range(5)]
    receipts = _write(engine, ctx, world, "Sheila", *batch)
    more = _decide(engine, ctx, world, "Guest", EventType.REFUSE, ("recording",), "g")
    assert [r.log_index for r in receipts + more] == list(range(6))


def test_org_scope_grants_cover_every_meeting_of_the_org(
    engine: Engine, ctx: Context, world: World, clock: FakeClock
) -> None:
    req = ConsentRequest(
        principal_id=world.people["Sheila"],
        scope=Scope(ScopeKind.ORG, world.org_id),
        action=EventType.GRANT,
        purposes=("ai_training",),
        idempotency_key="org",
    )
    [receipt] = _write(engine, ctx, world, "Sheila", req)
    assert receipt.payload["record"]["scope"] == f"org:{world.org_id}"  # type: ignore[index]
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(select(ConsentStateRow.document)).scalars().all()
        policy = policies.current_policy(session, world.org_id).policy
    records = [record_from_document(json.loads(doc)) for doc in rows]
    start, end = clock.now + timedelta(days=7), clock.now + timedelta(days=7, minutes=1)
    for meeting_id in (world.meeting_id, "a-later-meeting"):
        seg = Segment(world.org_id, meeting_id, world.people["Sheila"], "audio", start, end)
        assert decide(records, policy, seg, "ai_training", end).allowed
    other_org = Segment("another-org", "m", world.people["Sheila"], "audio", start, end)
    assert decide(records, policy, other_org, "ai_training", end).reason is Reason.NO_CONSENT


def test_a_store_error_in_the_bulk_writes_comes_out_as_sqlalchemys(engine: Engine) -> None:
    """The append path writes through the driver; its errors still read as SQLAlchemy's,
    so the unit of work and the callers handle them as before (nothing half-written)."""
    columns, twice = ("idx", "leaf_hash", "commitment"), [(0, b"\x00" * 32, b"\x01" * 32)] * 2
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        log_store.insert_rows(session, "log_leaves", columns, twice)
    with unit_of_work(engine, readonly=True) as session:
        assert (
            session.scalar(select(func.count()).select_from(LogLeaf).where(LogLeaf.idx == 0)) == 0
        )
