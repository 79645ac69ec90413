"""Schema migrations, run from code: ``sayso db upgrade`` and ``sayso init`` call these."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from sayso.errors import DatabaseError


def _config() -> Config:
    cfg = Config()
    location = resources.files("sayso.ledger").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    return cfg


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision; return that revision."""
    cfg = _config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return head_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """Fail with a sentence, not a traceback, when the schema is missing or old."""
    current = current_revision(engine)
    if current != head_revision():
        state = "has no Sayso schema" if current is None else f"is at revision {current}"
        raise DatabaseError(f"the database {state}; run `sayso db upgrade` (or `sayso init`) first")
