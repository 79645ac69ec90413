"""``sayso org …``: organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json, work
from sayso.services import directory

app = typer.Typer(help="Organisations (the controllers of meeting content).", no_args_is_help=True)


@app.command("create")
@friendly
def create(
    name: Annotated[str, typer.Argument(help="The org's name, e.g. 'Acme Corp'.")],
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Create an organisation."""
    with work(db) as (session, ctx):
        org = directory.create_org(session, ctx, name)
        data = {"id": org.id, "name": org.name}
    if as_json:
        print_json(data)
    else:
        out.print(f"created org {data['name']!r} with id {data['id']}")


@app.command("list")
@friendly
def list_(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """List organisations."""
    with work(db, readonly=True) as (session, _ctx):
        data = [{"id": o.id, "name": o.name} for o in directory.list_orgs(session)]
    if as_json:
        print_json(data)
    else:
        for o in data:
            out.print(f"{o['id']}  {o['name']}")
