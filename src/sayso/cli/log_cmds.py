"""``sayso log …``: the transparency log's checkpoints, proofs and verification."""

from __future__ import annotations

import base64
from typing import Annotated

import typer
from rich.progress import Progress

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, err, friendly, out, print_json, work
from sayso.ledger.log_store import current_size
from sayso.services import logs

app = typer.Typer(help="The append-only transparency log of consent events.", no_args_is_help=True)


@app.command("checkpoint")
@friendly
def checkpoint(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """Sign a checkpoint for the log's current size and print it (C2SP signed note)."""
    with work(db) as (session, ctx):
        row = logs.checkpoint_now(session, ctx)
        note, size = row.note, row.size
    if as_json:
        print_json({"size": size, "checkpoint": note})
    else:
        out.print(note, end="", markup=False)


@app.command("verify")
@friendly
def verify(db: DbOption = DB_DEFAULT, as_json: JsonOption = False) -> None:
    """Recompute every leaf, node and checkpoint; exit 1 naming the first bad entry."""
    with work(db, readonly=True) as (session, ctx), Progress(console=err, transient=True) as bar:
        task = bar.add_task("verifying", total=None)
        report = logs.verify_log(session, ctx, lambda n: bar.update(task, completed=n))
    root = base64.b64encode(report.root).decode()
    if as_json:
        print_json(
            {"ok": True, "size": report.size, "checkpoints": report.checkpoints, "root": root}
        )
    else:
        out.print(f"log OK: {report.size} entries, {report.checkpoints} checkpoints, root {root}")


@app.command("prove")
@friendly
def prove(
    index: Annotated[int, typer.Argument(help="Leaf index to prove.")],
    size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Print an RFC 9162 inclusion proof for one entry, as base64 hashes."""
    with work(db, readonly=True) as (session, _ctx):
        tree_size = size if size is not None else current_size(session)
        proof = logs.prove_inclusion(session, index, tree_size)
    print_json(
        {"index": index, "size": tree_size, "proof": [base64.b64encode(p).decode() for p in proof]}
    )
