"""``sayso log …``: the transparency log's checkpoints, proofs and verification."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.progress import Progress

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, err, friendly, out, print_json, work
from sayso.errors import InvalidInput
from sayso.ledger.log_store import current_size
from sayso.services import logs, remote_audit
from sayso.signing.keys import public_keys_from_jwks

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
def verify(
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
    remote: Annotated[
        str | None,
        typer.Option(help="Audit a running server's public log instead, e.g. https://host."),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            help="With --remote: pin the server's keys (a JWKS from `sayso keys export`)."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="With --remote: remember the checkpoint here, and prove the next one extends it."
        ),
    ] = None,
) -> None:
    """Recompute every leaf, node and checkpoint; exit 1 naming the first bad entry."""
    if remote is not None:
        _verify_remote(remote, keys, state, as_json)
        return
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


def _verify_remote(url: str, keys: Path | None, state: Path | None, as_json: bool) -> None:
    pinned = None
    if keys is not None:
        try:
            pinned = public_keys_from_jwks(json.loads(keys.read_text("utf-8")))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read the key set {keys}: {type(exc).__name__}") from None
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        report = remote_audit.audit(remote_audit.http_fetch(url, client), keys=pinned, state=state)
    root = base64.b64encode(report.root).decode()
    if as_json:
        print_json(
            {
                "ok": True,
                "size": report.size,
                "root": root,
                "consistent_with": report.previous_size,
                "inclusion_proofs_checked": report.proofs_checked,
            }
        )
        return
    since = (
        f"; extends the {report.previous_size} entries seen before"
        if report.previous_size is not None
        else ""
    )
    out.print(f"remote log OK: {report.size} entries, root {root}{since}")
