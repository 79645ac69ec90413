"""api_consent_write: consent decisions per second through the HTTP API, with latencies.

Sayso: ``sayso serve`` (uvicorn on 127.0.0.1) in a subprocess; a second process (this
module run as ``python -m bench.api_consent_write``: HTTP/1.1 over asyncio streams) keeps N
clients busy, each a distinct participant with their own join secret deciding on their
own meeting: ``POST /api/v1/me/meetings/{id}/decisions`` with one choice (ai_training,
yes and no alternating) and a fresh idempotency key per request. Each repetition is one
driver run on fresh participants (so no one's history grows past ``per_client``
decisions: the state refresh re-reads a participant's whole history of the meeting); its
rate is decisions answered 201 over the wall time of the timed part, and every request's
latency goes into the p50 and p99. One untimed repetition warms each side up first.

Baseline: the same service call made in-process, one after another:
``participants.decide`` in one ``unit_of_work`` per decision, for participants of a
second database of the same store. The ratio is what HTTP, uvicorn, FastAPI, resolving the
bearer secret and the driver sharing the machine cost, net of any overlap concurrency buys.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    PURPOSE,
    interleave,
    open_context,
    postgres_admin_url,
    postgres_unreachable,
    scratch_dir,
    scratch_postgres,
)
from bench.report import Reporter, note, result, skipped
from sayso.ledger.db import make_engine, unit_of_work
from sayso.services import directory, meetings, participants, policies
from sayso.services.access import CredentialKind, Principal, Role
from sayso.services.context import Context
from sayso.services.demo import demo_policy
from sayso.services.meetings import Invitee
from sayso.services.participants import Choice

NAME = "api_consent_write"
API = "/api/v1"


@dataclass(frozen=True)
class ApiConfig:
    clients: int = 16
    per_client: int = 25  # decisions per client per repetition
    reps: int = 5

    @property
    def per_rep(self) -> int:
        return self.clients * self.per_client

    @property
    def seats(self) -> int:
        return self.clients * (self.reps + 1)  # fresh ones per repetition, + warm-up


FULL = ApiConfig()
# One uvicorn process: its single group-commit writer batches best (two workers measured
# slower at 22:55: their writers contend for the log head). Override to compare.
WORKERS = int(os.environ.get("SAYSO_BENCH_API_WORKERS", "1"))
QUICK = ApiConfig(clients=4, per_client=10, reps=2)


@dataclass(frozen=True)
class Seat:
    """One client of the load: a participant, their join secret, their own meeting."""

    participant_id: str
    meeting_id: str
    secret: str


def run(cfg: ApiConfig, reporter: Reporter) -> None:
    note(
        f"{NAME}: {cfg.reps} reps of {cfg.per_rep} decisions "
        f"({cfg.clients} clients x {cfg.per_client}) each side"
    )
    with scratch_dir("api") as key_dir:
        with _sqlite_urls(key_dir) as urls:
            reporter.emit(_one_store("sqlite", urls, key_dir, cfg))
        admin = postgres_admin_url()
        reason = postgres_unreachable(admin)
        if reason:
            reporter.emit(skipped(NAME, "postgres", reason))
            return
        with scratch_postgres(admin, ("http", "base")) as urls:
            reporter.emit(_one_store("postgres", urls, key_dir, cfg))


@contextmanager
def _sqlite_urls(directory_: Path) -> Iterator[dict[str, str]]:
    yield {name: f"sqlite:///{directory_ / f'{name}.db'}" for name in ("http", "base")}


def _one_store(store: str, urls: dict[str, str], key_dir: Path, cfg: ApiConfig) -> dict[str, Any]:
    note(f"{NAME}: {store}: seating {cfg.seats} participants on each side")
    keys = key_dir / f"{store}-keys.json"
    http_ctx = open_context(urls["http"], keys)
    _org, http_seats = seat(urls["http"], http_ctx, cfg.seats)
    base = Baseline(urls["base"], key_dir / f"{store}-base-keys.json", cfg)
    latencies: list[float] = []
    with Server(urls["http"], keys, key_dir / f"{store}-server.log") as server:
        seats_file = key_dir / f"{store}-seats.json"
        fresh = iter(range(0, cfg.seats, cfg.clients))

        def http_rep() -> float:
            start = next(fresh)
            seats = [s.__dict__ for s in http_seats[start : start + cfg.clients]]
            seats_file.write_text(json.dumps(seats))
            rate, lat = _drive(server.base_url, seats_file, cfg.per_client)
            latencies.extend(lat)
            return rate

        http_rep()  # warm-up: the server's first requests, not counted
        latencies.clear()
        rates = interleave(cfg.reps, http_rep, base.rep)
    base.close()
    return result(
        NAME,
        rates[0],
        "in_process_participants_decide",
        rates[1],
        store=store,
        p50_ms=round(_percentile(latencies, 50), 1),
        p99_ms=round(_percentile(latencies, 99), 1),
        clients=cfg.clients,
        server_workers=WORKERS,
        decisions=len(latencies),
        baseline_p50_ms=round(_percentile(base.latencies, 50), 1),
        baseline_p99_ms=round(_percentile(base.latencies, 99), 1),
    )


def _percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# ---------------------------------------------------------------- the world


def seat(database_url: str, ctx: Context, clients: int) -> tuple[str, list[Seat]]:
    """An org with the demo policy and, per client, a meeting with one invitee (services)."""
    engine = make_engine(database_url)
    starts = datetime.now(UTC) + timedelta(days=1)
    try:
        with unit_of_work(engine) as session:
            org = directory.create_org(session, ctx, "Acme Corp")
            policies.apply_policy(session, ctx, org, demo_policy())
            admin = Principal(Role.ADMIN, CredentialKind.TOKEN, org.id)
            seats = []
            for n in range(clients):
                done = meetings.schedule(
                    session, ctx, admin, f"Meeting {n}", starts, [Invitee(f"Person {n}")]
                )
                invitation = done.invitations[0]
                seats.append(Seat(invitation.participant_id, done.meeting.id, invitation.secret))
            org_id = org.id
    finally:
        engine.dispose()
    return org_id, seats


# ---------------------------------------------------------------- Sayso over HTTP


class Server:
    """``sayso serve`` in a subprocess, on a free port, until the block ends."""

    def __init__(self, database_url: str, key_file: Path, log: Path) -> None:
        self.database_url = database_url
        self.key_file = key_file
        self.log_path = log
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = {**os.environ, "SAYSO_KEY_FILE": str(self.key_file)}
        self.log = self.log_path.open("wb")
        command = [sys.executable, "-m", "sayso.cli.main", "serve"]
        command += ["--db", self.database_url, "--port", str(self.port)]
        command += ["--workers", str(WORKERS)]
        self.proc = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sayso serve exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}{API}/log/keys", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"sayso serve did not answer within 60 s:\n{self.log_path.read_text()}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _drive(base_url: str, seats_file: Path, per_client: int) -> tuple[float, list[float]]:
    """One repetition: the driver process's rate (decisions/s) and latencies (ms)."""
    command = [sys.executable, "-m", "bench.api_consent_write"]
    command += ["--base-url", base_url, "--seats", str(seats_file)]
    command += ["--per-client", str(per_client)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the load driver failed:\n{done.stderr[-4000:]}")
    out = json.loads(done.stdout)
    return out["decisions"] / out["seconds"], out["latencies_ms"]


# ---------------------------------------------------------------- the driver process
# The driver shares the machine's CPUs with the server, so it speaks HTTP/1.1 itself over
# one keep-alive connection per client (asyncio streams): an httpx client took about 1 ms
# of CPU per request, this about 0.1 ms. Every answer is still read whole and checked:
# status 201 and one fresh receipt with its signed JWS.


class _Connection:
    """One client's keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, base_url: str) -> _Connection:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        length = _content_length(lines)
        if length is None:
            raise RuntimeError(f"an answer without Content-Length: {status_line!r}")
        return int(status_line.split(b" ", 2)[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def _content_length(header_lines: list[bytes]) -> int | None:
    for line in header_lines:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


async def _client(
    connection: _Connection, host: str, seat: Seat, per_client: int, start: asyncio.Event
) -> list[float]:
    head = (
        f"POST {API}/me/meetings/{seat.meeting_id}/decisions HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Bearer {seat.secret}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    tag = uuid.uuid4().hex[:12]

    async def decide(n: int) -> float:
        answer = "yes" if n % 2 == 0 else "no"
        body = json.dumps(
            {"choices": [{"purpose": PURPOSE, "answer": answer}], "idempotency_key": f"{tag}-{n}"}
        ).encode()
        began = time.perf_counter()
        status, text = await connection.post(head, body)
        took = time.perf_counter() - began
        _check_answer(status, text)
        return took * 1000

    await decide(per_client)  # warm-up: connection open, first-request costs (not timed)
    await start.wait()
    return [await decide(n) for n in range(per_client)]


def _check_answer(status: int, text: bytes) -> None:
    if status != 201:
        raise RuntimeError(f"{status}: {text[:500]!r}")
    receipts = json.loads(text)
    if len(receipts) != 1 or receipts[0]["jws"].count(".") != 2 or receipts[0]["replayed"]:
        raise RuntimeError(f"not one fresh signed receipt: {text[:500]!r}")


async def _load(base_url: str, seats: list[Seat], per_client: int) -> dict[str, Any]:
    start = asyncio.Event()
    host = base_url.removeprefix("http://")
    connections = [await _Connection.open(base_url) for _ in seats]
    try:
        tasks = [
            asyncio.create_task(_client(c, host, s, per_client, start))
            for c, s in zip(connections, seats, strict=True)
        ]
        await asyncio.sleep(0.5)  # let every warm-up request finish
        began = time.perf_counter()
        start.set()
        latencies = [ms for chunk in await asyncio.gather(*tasks) for ms in chunk]
        seconds = time.perf_counter() - began
    finally:
        for c in connections:
            await c.close()
    return {"decisions": len(latencies), "seconds": seconds, "latencies_ms": latencies}


def _driver_main() -> None:
    parser = argparse.ArgumentParser(description="The load driver of api_consent_write.")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--seats", type=Path, required=True)
    parser.add_argument("--per-client", type=int, required=True)
    args = parser.parse_args()
    seats = [Seat(**s) for s in json.loads(args.seats.read_text())]
    print(json.dumps(asyncio.run(_load(args.base_url, seats, args.per_client))))


# ---------------------------------------------------------------- baseline


class Baseline:
    """``participants.decide`` in a ``unit_of_work``, in-process, one decision at a time."""

    def __init__(self, database_url: str, key_file: Path, cfg: ApiConfig) -> None:
        self.ctx = open_context(database_url, key_file)
        self.org_id, self.seats = seat(database_url, self.ctx, cfg.seats)
        self.engine = make_engine(database_url)
        self.cfg = cfg
        self.latencies: list[float] = []
        self.used = 0
        self.rep()  # warm-up, as on the HTTP side
        self.latencies.clear()

    def decide(self, k: int, s: Seat, n: int) -> float:
        """Seconds one decision takes, commit included."""
        principal = Principal(
            Role.PARTICIPANT,
            CredentialKind.JOIN,
            self.org_id,
            participant_id=s.participant_id,
            meeting_id=s.meeting_id,
        )
        choice = Choice(PURPOSE, n % 2 == 0, None, "api")
        began = time.perf_counter()
        with unit_of_work(self.engine) as session:
            participants.decide(session, self.ctx, principal, s.meeting_id, [choice], f"b{k}-{n}")
        return time.perf_counter() - began

    def rep(self) -> float:
        """One repetition on fresh seats: each decides ``per_client`` times, round robin."""
        first = self.used * self.cfg.clients
        seats = self.seats[first : first + self.cfg.clients]
        seconds = 0.0
        for n in range(self.cfg.per_client):
            for k, s in enumerate(seats):
                took = self.decide(first + k, s, n)
                self.latencies.append(took * 1000)
                seconds += took
        self.used += 1
        return self.cfg.per_rep / seconds

    def close(self) -> None:
        self.engine.dispose()


if __name__ == "__main__":
    _driver_main()
