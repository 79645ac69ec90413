"""``sayso init`` and ``sayso db …``: schema and keys."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from sayso.cli.common import DB_DEFAULT, DbOption, friendly, out
from sayso.ledger.db import make_engine, normalise_url
from sayso.ledger.migrate import current_revision, head_revision, upgrade
from sayso.services.context import Context
from sayso.settings import Settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _safe(url: str) -> str:
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


@friendly
def init(db: DbOption = DB_DEFAULT) -> None:
    """Create or upgrade the database and create the signing key file if missing."""
    settings = Settings(database_url=db)
    engine = make_engine(settings.database_url)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    ctx = Context.open(settings)
    out.print(f"database {_safe(db)} at schema revision {revision}")
    out.print(f"signing key {ctx.keyring.active_kid} in {settings.resolved_key_file()}")


@db_app.command("upgrade")
@friendly
def db_upgrade(db: DbOption = DB_DEFAULT) -> None:
    """Apply every pending schema migration."""
    engine = make_engine(db)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    out.print(f"database {_safe(db)} at schema revision {revision}")


@db_app.command("current")
@friendly
def db_current(db: DbOption = DB_DEFAULT) -> None:
    """Show the schema revision of the database and the newest one available."""
    engine = make_engine(db)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    out.print(f"current: {current or 'none'}; newest: {head_revision()}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
