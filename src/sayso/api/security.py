"""Access rules. Every route depends on exactly one ``Needs(rule)``; a test walks
``app.routes`` and fails for a route without one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from sayso.api.runtime import Rule, Runtime
from sayso.errors import Unauthenticated
from sayso.services.access import Principal, Role
from sayso.services.consent import Receipt
from sayso.services.group_commit import Plan

PUBLIC = Rule("public", None)
PARTICIPANT = Rule(
    "participant",
    frozenset({Role.PARTICIPANT}),
    "this is for the invited person only: open your own invitation link",
)
GUEST_LINK = Rule("guest link", frozenset({Role.GUEST}), "this needs a meeting's guest link")
ADMIN = Rule("admin", frozenset({Role.ADMIN}), "this is for the org's admins: sign in as one")
HOST_OR_ADMIN = Rule(
    "host or admin",
    frozenset({Role.HOST, Role.ADMIN}),
    "this is for the meeting's host or the org's admins: sign in as one",
)

_bearer = HTTPBearer(
    auto_error=False,
    description="A participant's join secret, a guest link secret, or an API token.",
)


@dataclass(frozen=True)
class Caller:
    secret: str | None
    rule: Rule
    client: str
    runtime: Runtime

    @contextmanager
    def work(self, *, readonly: bool = False) -> Iterator[tuple[Session, Principal]]:
        """The request's unit of work, as the (checked) principal behind the credential."""
        with self.runtime.work(self.secret, self.rule, readonly=readonly) as (session, who):
            if who is None:
                raise Unauthenticated("sign in, or send a token as `Authorization: Bearer …`")
            yield session, who

    async def write(self, plan: Plan) -> list[Receipt]:
        """A consent write through the group-commit writer: durable when this returns. The
        route awaits it on the event loop; the plan runs in the writer's unit of work."""
        if not self.secret:
            raise Unauthenticated("sign in, or send a token as `Authorization: Bearer …`")
        return await self.runtime.writer.submit_async(self.secret, self.rule.check, plan)

    @contextmanager
    def public(self, *, readonly: bool = True) -> Iterator[Session]:
        with self.runtime.work(None, self.rule, readonly=readonly) as (session, _):
            yield session


class Needs:
    """The dependency that declares (and, inside the unit of work, enforces) a route's rule."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(  # async: nothing here blocks, so no hop to the thread pool
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        runtime: Runtime = request.app.state.runtime
        secret = credentials.credentials if credentials else None
        client = request.client.host if request.client else "unknown"
        return Caller(secret, self.rule, client, runtime)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
