"""``sayso scenario …``: replay a meeting's whole consent story from a YAML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json, work
from sayso.errors import InvalidInput
from sayso.ledger.db import make_engine
from sayso.ledger.migrate import upgrade
from sayso.scenario.model import json_schema, load_scenario

app = typer.Typer(help="Scenarios: a meeting's consent story, end to end.", no_args_is_help=True)


@app.command("run")
@friendly
def run(
    file: Annotated[Path, typer.Argument(help="The scenario (YAML; see `sayso scenario schema`).")],
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Create org, policy, meeting and participants; replay each decision; print the meeting id."""
    from sayso.scenario.runner import run_scenario  # with ingest: Arrow, only when run

    scenario = load_scenario(_read(file))
    engine = make_engine(db)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    with work(db) as (session, ctx):
        result = run_scenario(session, ctx, scenario, file.parent)
    if as_json:
        print_json(
            {
                "org_id": result.org_id,
                "meeting_id": result.meeting_id,
                "participants": result.participants,
                "decisions": result.decisions,
                "segments": result.segments,
            }
        )
        return
    out.print(result.meeting_id, markup=False)


def _read(file: Path) -> object:
    try:
        return yaml.safe_load(file.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" on line {mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"{file} is not valid YAML{line}") from None


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
