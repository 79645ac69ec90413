"""What every command shares: the --db option, one unit of work, errors without tracebacks."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from sayso.errors import SaysoError
from sayso.ledger.db import make_engine, unit_of_work
from sayso.ledger.migrate import require_current
from sayso.services.context import Context
from sayso.settings import DEFAULT_DATABASE_URL, Settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="SAYSO_DATABASE_URL",
        help="Database URL: sqlite:///PATH or postgresql://USER@HOST/DB.",
        show_default=True,
    ),
]
DB_DEFAULT = DEFAULT_DATABASE_URL
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON data.")]

INTERNAL_ERROR = 70  # EX_SOFTWARE

P = ParamSpec("P")
R = TypeVar("R")


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn Sayso errors into one sentence on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SaysoError as exc:
            err.print(f"[bold red]error:[/] {exc}", markup=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            # A bug or a damaged row: say so without a traceback, whose values could hold
            # personal data; SAYSO_DEBUG=1 shows the traceback to whoever runs the command.
            if os.environ.get("SAYSO_DEBUG"):
                raise
            err.print(
                f"[bold red]error:[/] unexpected {type(exc).__name__}; the database may hold a "
                "damaged row (run `sayso log verify`), or this is a bug: rerun with "
                "SAYSO_DEBUG=1 and report it",
                markup=True,
            )
            raise typer.Exit(INTERNAL_ERROR) from None

    return wrapper


@contextmanager
def work(
    db: str, *, readonly: bool = False, migrated: bool = True
) -> Iterator[tuple[Session, Context]]:
    """Open the settings, keys and database, and run the block as one unit of work."""
    settings = Settings(database_url=db)
    engine = make_engine(settings.database_url)
    try:
        if migrated:
            require_current(engine)
        ctx = Context.open(settings)
        with unit_of_work(engine, readonly=readonly) as session:
            yield session, ctx
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
