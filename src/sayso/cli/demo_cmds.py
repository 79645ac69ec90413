"""``sayso demo``: a demo org, meeting and participants in the configured database."""

from __future__ import annotations

import typer
from rich.table import Table

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json, work
from sayso.ledger.db import make_engine
from sayso.ledger.migrate import upgrade
from sayso.services.demo import run_demo
from sayso.services.logs import checkpoint_now


@friendly
def demo(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """Build the "Acme Corp" demo: a job interview where everyone decides differently."""
    engine = make_engine(db)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    with work(db) as (session, ctx):
        result = run_demo(session, ctx)
        note = checkpoint_now(session, ctx).note
    if as_json:
        print_json(
            {
                "org_id": result.org_id,
                "meeting_id": result.meeting_id,
                "steps": [
                    {
                        "name": s.name,
                        "action": s.action,
                        "purposes": list(s.purposes),
                        "record_id": s.receipt.record_id,
                        "log_index": s.receipt.log_index,
                    }
                    for s in result.steps
                ],
                "checkpoint": note,
            }
        )
        return
    table = Table(title=f"Acme Corp - Job interview (meeting {result.meeting_id})")
    for column in ("participant", "decision", "purposes", "log index"):
        table.add_column(column)
    for s in result.steps:
        table.add_row(s.name, s.action, ", ".join(s.purposes), str(s.receipt.log_index))
    out.print(table)
    out.print("Log checkpoint:")
    out.print(note, end="", markup=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
