"""The real ASGI app over a real database (SQLite and PostgreSQL), driven through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sayso.app import create_app
from sayso.ledger.db import unit_of_work
from sayso.services.context import Context
from sayso.services.demo import WebDemo, seed_web_demo
from sayso.services.logs import checkpoint_now


@dataclass
class Api:
    client: TestClient
    demo: WebDemo
    engine: Engine
    ctx: Context

    def secret(self, name: str) -> str:
        return dict(self.demo.join_secrets)[name]

    @staticmethod
    def bearer(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    def as_person(self, name: str) -> dict[str, str]:
        return self.bearer(self.secret(name))

    @property
    def admin(self) -> dict[str, str]:
        return self.bearer(self.demo.admin_token)

    @property
    def host(self) -> dict[str, str]:
        return self.bearer(self.demo.host_token)


@pytest.fixture
def api(engine: Engine, ctx: Context) -> Iterator[Api]:
    with unit_of_work(engine) as session:
        demo = seed_web_demo(session, ctx)
        checkpoint_now(session, ctx)
    ctx.settings.rate_limit_join = "1000/minute"
    ctx.settings.rate_limit_signin = "1000/minute"
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="http://testserver") as client:
        yield Api(client, demo, engine, ctx)
