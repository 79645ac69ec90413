"""``sayso keys …``: the deployment's signing keys (kept in a file, never in the database)."""

from __future__ import annotations

import typer

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json
from sayso.settings import Settings
from sayso.signing.keys import load, load_or_create, rotate

app = typer.Typer(help="Signing keys for receipts and checkpoints.", no_args_is_help=True)


@app.command("list")
@friendly
def list_(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """List key ids: the active one and every retired one still used to verify."""
    ring = load_or_create(Settings(database_url=db).resolved_key_file())
    rows = [
        {
            "kid": e.kid,
            "created_at": e.created_at.isoformat(),
            "retired_at": e.retired_at.isoformat() if e.retired_at else None,
        }
        for e in ring.entries
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "active" if row["kid"] == ring.active_kid else f"retired {row['retired_at']}"
        out.print(f"{row['kid']}  created {row['created_at']}  {state}")


@app.command("rotate")
@friendly
def rotate_(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """Retire the active key (its private half is destroyed) and start signing with a new one."""
    ring = rotate(Settings(database_url=db).resolved_key_file())
    if as_json:
        print_json({"active": ring.active_kid})
    else:
        out.print(f"new active key {ring.active_kid}; older keys stay available to verify")


@app.command("export")
@friendly
def export(db: DbOption = DB_DEFAULT) -> None:
    """Print the public key set (JWKS) that anyone can use to verify receipts offline."""
    print_json(load(Settings(database_url=db).resolved_key_file()).jwks())
