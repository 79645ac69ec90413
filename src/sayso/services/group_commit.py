"""Group commit: concurrent consent writes share one transaction and one checkpoint.

Each caller hands over its credential and a plan (which builds its checked requests
inside the shared unit of work) and waits. One writer thread takes whatever has
queued, up to ``max_batch``, resolves and plans each, appends them all at once with
``record_for_many``, commits, and only then answers every caller: "saved" still
means durable. If the shared append fails, each caller is retried alone, so one
bad request never fails another's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sayso.errors import SaysoError
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import Attendance, Credential, Participant
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


class ConsentWriter:
    def __init__(
        self, engine: Engine, ctx: Context, *, max_batch: int = 64, autostart: bool = True
    ) -> None:
        self._engine = engine
        self._ctx = ctx
        self._max = max_batch
        self._autostart = autostart  # tests hold the writer back to fill one batch
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, secret: str, check: Check, plan: Plan) -> list[Receipt]:
        """Queue one caller's decisions; return its receipts once they are committed."""
        job = _Job(secret, check, plan)
        if self._autostart:
            self.start()
        self._jobs.put(job)
        return job.done.result()

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
            batch = [first]
            while len(batch) < self._max:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(job)
            self._write(batch)

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
    """Load the batch's credentials, participants and attendance in three queries; the
    per-caller checks then find them in the session instead of asking one by one. The
    caller holds the returned rows: the session keeps only weak references to them."""
    hashes = [access.hash_secret(s) for s in secrets]
    held: list[object] = list(
        session.execute(select(Credential).where(Credential.secret_hash.in_(hashes))).scalars()
    )
    people = sorted(
        {c.participant_id for c in held if isinstance(c, Credential) and c.participant_id}
    )
    if people:
        held += session.execute(select(Participant).where(Participant.id.in_(people))).scalars()
        held += session.execute(
            select(Attendance).where(Attendance.participant_id.in_(people))
        ).scalars()
    return held
