"""Group commit: concurrent consent writes share one transaction and one checkpoint.

Each caller hands over its credential and a plan (which builds its checked requests
inside the shared unit of work) and waits: a thread blocks on ``submit``, an event loop
awaits ``submit_async`` (no thread per request). One writer thread takes whatever has
queued, up to ``max_batch`` (waiting a few milliseconds for the callers it has just
answered, who tend to come straight back), resolves and plans each, appends them all
at once with ``record_for_many``, commits, and only then answers every caller: "saved"
still means durable. If the shared append fails, each caller is retried alone, so one
bad request never fails another's.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sayso.errors import SaysoError
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import Attendance, Credential, Meeting, Participant
from sayso.services import access
from sayso.services.access import Principal
from sayso.services.consent import ConsentRequest, Receipt, record_for_many
from sayso.services.context import Actor, Context

log = logging.getLogger("sayso.writer")
Plan = Callable[[Session, Principal], list[ConsentRequest]]
Check = Callable[[Principal | None], Principal | None]


@dataclass
class _Job:
    secret: str
    check: Check
    plan: Plan
    done: Future[list[Receipt]] = field(default_factory=Future)
    queued: float = field(default_factory=time.monotonic)


class ConsentWriter:
    def __init__(
        self,
        engine: Engine,
        ctx: Context,
        *,
        max_batch: int = 64,
        gap_s: float = 0.005,
        linger_s: float = 0.020,
        autostart: bool = True,
    ) -> None:
        self._engine = engine
        self._ctx = ctx
        self._max = max_batch
        self._gap = gap_s
        self._linger = linger_s
        self._autostart = autostart  # tests hold the writer back to fill one batch
        self._last = 0  # callers the last batch answered ...
        self._answered = 0.0  # ... and when (time.monotonic())
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, secret: str, check: Check, plan: Plan) -> list[Receipt]:
        """Queue one caller's decisions; return its receipts once they are committed."""
        return self._queue(secret, check, plan).result()

    async def submit_async(self, secret: str, check: Check, plan: Plan) -> list[Receipt]:
        """``submit`` for an event loop: awaits the commit instead of blocking a thread."""
        return await asyncio.wrap_future(self._queue(secret, check, plan))

    def _queue(self, secret: str, check: Check, plan: Plan) -> Future[list[Receipt]]:
        job = _Job(secret, check, plan)
        if self._autostart:
            self.start()
        self._jobs.put(job)
        return job.done

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout=10)
                self._thread = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="consent-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = self._gather(first)
            # A caller that went away before its turn (its future cancelled) is not written.
            live = [job for job in batch if job.done.set_running_or_notify_cancel()]
            if live:
                try:
                    self._write(live)
                except Exception as exc:  # a bug, not a bad request: still answer everyone
                    log.error("the consent writer failed (%s)", type(exc).__name__)
                    for job in live:
                        if not job.done.done():
                            job.done.set_exception(exc)
            self._last, self._answered = len(live), time.monotonic()

    def _gather(self, first: _Job) -> list[_Job]:
        """``first`` and the jobs queued behind it; then, while callers keep coming (no
        pause of ``gap_s``, ``linger_s`` in all), a wait for the callers the last batch
        answered: a batch costs about as much for one caller as for sixteen. A lone
        caller never waits: the one it would wait for is itself."""
        batch = [first]
        early = int(first.queued < self._answered)  # came while the last batch ran
        deadline = time.monotonic() + self._linger
        while len(batch) < self._max:
            expected = self._last + early
            wait = min(self._gap, deadline - time.monotonic()) if len(batch) < expected else 0
            try:
                job = self._jobs.get(timeout=wait) if wait > 0 else self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._jobs.put(None)  # stop after this batch
                break
            batch.append(job)
            early += job.queued < self._answered
        return batch

    def _write(self, batch: list[_Job]) -> None:
        if len(batch) > 1:
            try:
                self._together(batch)
                return
            except Exception as exc:  # any failure: answer each caller on its own
                # The type only: a message could hold someone's data.
                log.info(
                    "group write of %d failed (%s); each alone", len(batch), type(exc).__name__
                )
        for job in batch:
            self._alone(job)

    def _together(self, batch: Sequence[_Job]) -> None:
        with unit_of_work(self._engine) as session:
            held = _prefetch(session, [job.secret for job in batch])  # noqa: F841 (keeps them)
            planned = [self._plan(session, job) for job in batch]
            pairs = [(actor, r) for actor, requests in planned for r in requests]
            receipts = record_for_many(session, self._ctx, pairs)
        start = 0
        for job, (_, requests) in zip(batch, planned, strict=True):
            job.done.set_result(receipts[start : start + len(requests)])
            start += len(requests)

    def _alone(self, job: _Job) -> None:
        try:
            with unit_of_work(self._engine) as session:
                actor, requests = self._plan(session, job)
                receipts = record_for_many(session, self._ctx, [(actor, r) for r in requests])
        except Exception as exc:
            job.done.set_exception(exc)
            return
        job.done.set_result(receipts)

    def _plan(self, session: Session, job: _Job) -> tuple[Actor, list[ConsentRequest]]:
        principal = job.check(access.resolve(session, self._ctx, job.secret))
        if principal is None:  # the rule only passes a missing principal on public routes
            raise SaysoError("this write needs a credential")
        return principal.actor(), job.plan(session, principal)


def _prefetch(session: Session, secrets: Sequence[str]) -> list[object]:
    """Load the batch's credentials with their participants, attendance and meetings in
    one query; the per-caller checks (and the append's owner checks) then find them in the
    session instead of asking one by one. The caller holds the returned rows: the session
    keeps only weak references to them."""
    hashes = [access.hash_secret(s) for s in secrets]
    query = (
        select(Credential, Participant, Attendance, Meeting)
        .outerjoin(Participant, Participant.id == Credential.participant_id)
        .outerjoin(Attendance, Attendance.participant_id == Participant.id)
        .outerjoin(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Credential.secret_hash.in_(hashes))
    )
    return [entity for row in session.execute(query) for entity in row if entity is not None]
