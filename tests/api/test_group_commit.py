"""Group commit: concurrent consent writes share one transaction and one checkpoint,
and one bad request never fails another's."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine

import pytest
from sqlalchemy import func, select

from sayso.api.security import PARTICIPANT
from sayso.errors import InvalidInput
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import CheckpointRow, ConsentEventRow, Meeting
from sayso.services import access, meetings, participants
from sayso.services.consent import Receipt
from sayso.services.group_commit import ConsentWriter
from sayso.services.meetings import Invitee
from sayso.services.participants import Choice
from sayso.signing.receipts import verify_receipt
from tests.api.conftest import Api

N = 6


def _invitees(api: Api) -> tuple[str, list[str]]:
    with unit_of_work(api.engine) as session:
        admin = access.resolve(session, api.ctx, api.demo.admin_token)
        people = [Invitee(f"Person {i}", f"p{i}@example.org") for i in range(N)]
        done = meetings.schedule(session, api.ctx, admin, "Town hall", api.ctx.clock(), people)
        meetings.restrict(
            session, api.ctx, admin, "ai_training", session.get(Meeting, done.meeting.id)
        )
        return done.meeting.id, [i.secret for i in done.invitations]


def _checkpoints(api: Api) -> int:
    with unit_of_work(api.engine, readonly=True) as session:
        return int(session.execute(select(func.count()).select_from(CheckpointRow)).scalar_one())


def _run_held_back(writer: ConsentWriter, jobs: list[Callable[[], list[Receipt]]]) -> list[object]:
    """Queue every job before the writer starts, so they meet in one batch."""
    results: list[object] = [None] * len(jobs)

    def call(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # the test inspects what each caller got
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while writer.waiting < len(jobs) and time.monotonic() < deadline:
        time.sleep(0.01)
    writer.start()
    for t in threads:
        t.join(timeout=30)
    writer.close()
    return results


def _job(
    api: Api, writer: ConsentWriter, meeting_id: str, secret: str, purpose: str
) -> Callable[[], list[Receipt]]:
    choice = [Choice(purpose, True)]
    return lambda: writer.submit(
        secret,
        PARTICIPANT.check,
        lambda s, me: participants.plan_decide(s, api.ctx, me, meeting_id, choice, "k"),
    )


def test_concurrent_writes_share_one_checkpoint_and_each_gets_its_own_receipt(api: Api) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx, autostart=False)
    before = _checkpoints(api)
    results = _run_held_back(
        writer, [_job(api, writer, meeting_id, s, "recording") for s in secrets]
    )
    assert _checkpoints(api) == before + 1  # one transaction, one signed checkpoint
    keys = {e.kid: e.public for e in api.ctx.keyring.entries}
    owners = set()
    for result in results:
        assert isinstance(result, list)
        [receipt] = result
        owners.add(verify_receipt(receipt.jws, keys).record["principal_id"])
    assert len(owners) == N  # each caller got a receipt for their own decision


def test_one_bad_request_in_a_batch_fails_alone(api: Api) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx, autostart=False)
    jobs = [_job(api, writer, meeting_id, s, "recording") for s in secrets]
    jobs[2] = _job(api, writer, meeting_id, secrets[2], "ai_training")  # turned off: refused
    results = _run_held_back(writer, jobs)
    assert isinstance(results[2], InvalidInput)
    assert "turned off" in str(results[2])
    assert all(isinstance(r, list) and len(r) == 1 for i, r in enumerate(results) if i != 2)


def test_a_meetings_restriction_binds_that_meeting_only_within_one_batch(api: Api) -> None:
    restricted_id, restricted = _invitees(api)  # ai_training turned off for this meeting
    with unit_of_work(api.engine) as session:
        admin = access.resolve(session, api.ctx, api.demo.admin_token)
        people = [Invitee(f"Other {i}", f"o{i}@example.org") for i in range(2)]
        done = meetings.schedule(session, api.ctx, admin, "Stand-up", api.ctx.clock(), people)
        open_id, free = done.meeting.id, [i.secret for i in done.invitations]
    writer = ConsentWriter(api.engine, api.ctx, autostart=False)
    jobs = [
        _job(api, writer, restricted_id, restricted[0], "ai_training"),
        _job(api, writer, open_id, free[0], "ai_training"),
        _job(api, writer, restricted_id, restricted[1], "recording"),
        _job(api, writer, open_id, free[1], "ai_training"),
    ]
    results = _run_held_back(writer, jobs)
    assert isinstance(results[0], InvalidInput)
    assert "turned off" in str(results[0])
    assert all(isinstance(r, list) and len(r) == 1 for r in results[1:])


def test_a_missing_or_wrong_credential_is_refused_by_the_writer(api: Api) -> None:
    meeting_id, _ = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx)
    try:
        with pytest.raises(Exception, match="unknown, expired or revoked"):
            _job(api, writer, meeting_id, "not-a-secret", "recording")()
        with pytest.raises(Exception, match="invited person only"):
            _job(api, writer, meeting_id, api.demo.admin_token, "recording")()
    finally:
        writer.close()


def _events(api: Api) -> int:
    with unit_of_work(api.engine, readonly=True) as session:
        count = session.execute(select(func.count()).select_from(ConsentEventRow)).scalar_one()
        return int(count)


def test_a_lone_caller_never_waits_for_company(api: Api) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx, gap_s=30, linger_s=30)
    try:
        began = time.monotonic()
        for purpose in ("recording", "transcription"):  # one after another, as one person does
            assert len(_job(api, writer, meeting_id, secrets[0], purpose)()) == 1
        assert time.monotonic() - began < 15  # neither waited out a 30 s gap
    finally:
        writer.close()


def test_callers_just_answered_are_waited_for_and_share_the_next_batch(api: Api) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx, gap_s=5, linger_s=10, autostart=False)
    before = _checkpoints(api)

    def twice(secret: str) -> Callable[[], list[Receipt]]:
        def both() -> list[Receipt]:
            first = _job(api, writer, meeting_id, secret, "recording")()
            return first + _job(api, writer, meeting_id, secret, "transcription")()

        return both

    results = _run_held_back(writer, [twice(s) for s in secrets])
    assert all(isinstance(r, list) and len(r) == 2 for r in results)
    # The held-back batch, then every caller's second decision in one more: none of them
    # was written alone because it came back a moment after the others.
    assert _checkpoints(api) == before + 2


def test_a_caller_that_went_away_before_its_turn_is_not_written(api: Api) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx, autostart=False)
    before = _events(api)

    def submit(secret: str) -> Coroutine[None, None, list[Receipt]]:
        choice = [Choice("recording", True)]
        return writer.submit_async(
            secret,
            PARTICIPANT.check,
            lambda s, me: participants.plan_decide(s, api.ctx, me, meeting_id, choice, "k"),
        )

    async def scenario() -> list[Receipt]:
        gone = asyncio.create_task(submit(secrets[0]))
        stays = asyncio.create_task(submit(secrets[1]))
        while writer.waiting < 2:
            await asyncio.sleep(0.01)
        gone.cancel()  # its client hung up while it queued
        with contextlib.suppress(asyncio.CancelledError):
            await gone
        writer.start()
        return await stays

    try:
        assert len(asyncio.run(scenario())) == 1
    finally:
        writer.close()
    assert _events(api) == before + 1


def test_a_writer_failure_answers_every_caller_instead_of_leaving_them_waiting(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting_id, secrets = _invitees(api)
    writer = ConsentWriter(api.engine, api.ctx)

    def broken(batch: object) -> None:
        raise RuntimeError("a bug in the writer")

    monkeypatch.setattr(writer, "_write", broken)
    try:
        with pytest.raises(RuntimeError, match="a bug in the writer"):
            _job(api, writer, meeting_id, secrets[0], "recording")()
    finally:
        writer.close()
