"""The API against its own OpenAPI document: schemathesis drives a real server (`sayso serve
--demo`) on SQLite and on PostgreSQL, sending each generated request once per kind of
credential (a participant's join secret, the admin token, a host token, none).

Every response must be a documented status code with its documented content type and a
body that matches its documented schema, and none may be a server error.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from psycopg import sql
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import postgres_admin_url
from tests.live_server import LiveServer, live_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Valid and invalid requests per operation, each sent four times (one per credential):
# about 1,100 requests per store, which keeps the file near a minute on both.
MAX_EXAMPLES = 10


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server per store for the whole module (the fuzzing shares its demo world)."""
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        with live_server(f"sqlite:///{workdir / 'sayso.db'}", workdir) as srv:
            yield srv
        return
    with _scratch_postgres() as url, live_server(url, workdir) as srv:
        yield srv


@contextmanager
def _scratch_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database for the module, dropped afterwards (as conftest's)."""
    admin = postgres_admin_url()
    name = f"sayso_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop.format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def credentials(server: LiveServer) -> dict[str, str | None]:
    creds = server.creds
    join_secret = creds["join_links"][0]["url"].rsplit("/", 1)[-1]
    return {
        "participant": join_secret,
        "admin": creds["admin_token"],
        "host": creds["host_token"],
        "anonymous": None,
    }


@pytest.fixture(scope="module")
def known_values(server: LiveServer, credentials: dict[str, str | None]) -> dict[str, str]:
    """Real ids to put into some path parameters, so generated requests reach past a 404."""
    me = httpx.get(
        f"{server.base_url}/api/v1/me/meetings/{server.creds['meeting_id']}",
        headers={"Authorization": f"Bearer {credentials['participant']}"},
    )
    me.raise_for_status()
    return {"meeting_id": server.creds["meeting_id"], "notice_hash": me.json()["notice_hash"]}


@pytest.fixture(scope="module")
def api_schema(server: LiveServer) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{server.base_url}/api/v1/openapi.json")


def test_every_response_is_documented_and_no_server_error(
    server: LiveServer,
    api_schema: BaseSchema,
    credentials: dict[str, str | None],
    known_values: dict[str, str],
) -> None:
    # Each operation in turn (schemathesis' own pytest loader for lazy schemas does not run
    # under pytest 9), with valid and with invalid requests; every failure is reported.
    failures = []
    accepted: Counter[str] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, server.base_url, credentials, known_values, accepted)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {_describe(exc)}")
    assert not failures, "\n\n".join(failures)
    # Each credential got past authentication on routes that need one (not only 401s/404s).
    assert all(accepted[who] > 5 for who in ("participant", "admin", "host")), accepted


def _fuzz(
    operation: APIOperation,
    mode: GenerationMode,
    base_url: str,
    credentials: dict[str, str | None],
    known_values: dict[str, str],
    accepted: Counter[str],
) -> None:
    turn = count()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        # Every other case asks about the real meeting (or notice) instead of a random id.
        if next(turn) % 2 == 0 and case.path_parameters:
            for name, value in known_values.items():
                if name in case.path_parameters:
                    case.path_parameters[name] = value
        for who, secret in credentials.items():
            headers = {"Authorization": f"Bearer {secret}"} if secret else {}
            if case.headers:
                case.headers.pop("Authorization", None)
            try:
                response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                exc.add_note(f"sent with credential: {who}")
                raise
            if 200 <= response.status_code < 300 and "public log" not in (operation.tags or ()):
                accepted[who] += 1

    run()


def _describe(exc: BaseException) -> str:
    notes = "; ".join(getattr(exc, "__notes__", []))
    return f"{type(exc).__name__}: {exc}\n  [{notes}]"
