"""What every request shares: the engine, the context, the rate limiter; one unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sayso.errors import NotAllowed, RateLimited, Unauthenticated
from sayso.ledger.db import unit_of_work
from sayso.services import access
from sayso.services.access import Principal, Role
from sayso.services.context import Context
from sayso.services.group_commit import ConsentWriter
from sayso.settings import Settings


@dataclass(frozen=True)
class Rule:
    """An access rule every route declares: who may call it (``None``: anyone)."""

    name: str
    roles: frozenset[Role] | None
    denied: str = ""  # what to tell a credential of another role, in plain words

    def check(self, principal: Principal | None) -> Principal | None:
        if self.roles is None:
            return principal
        if principal is None:
            raise Unauthenticated("sign in, or send a token as `Authorization: Bearer …`")
        if principal.role not in self.roles:
            raise NotAllowed(self.denied or f"this needs a {self.name} credential")
        return principal


class Runtime:
    def __init__(self, settings: Settings, engine: Engine, ctx: Context) -> None:
        self.settings = settings
        self.engine = engine
        self.ctx = ctx
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.writer = ConsentWriter(engine, ctx)  # group commit for consent writes

    @contextmanager
    def work(
        self, secret: str | None, rule: Rule, *, readonly: bool = False
    ) -> Iterator[tuple[Session, Principal | None]]:
        """One unit of work: resolve the caller, check the rule, commit when the block ends.

        The commit happens before the route returns, so a participant never sees
        "saved" for a decision that is not durable.
        """
        with unit_of_work(self.engine, readonly=readonly) as session:
            principal = (
                access.resolve(session, self.ctx, secret)
                if secret and rule.roles is not None
                else None
            )
            yield session, rule.check(principal)

    def limit(self, bucket: str, client: str) -> None:
        rate = {
            "signin": self.settings.rate_limit_signin,
            "join": self.settings.rate_limit_join,
        }[bucket]
        if not self._limiter.hit(parse(rate), bucket, client):
            raise RateLimited(f"too many attempts; wait a minute and try again ({rate})")
