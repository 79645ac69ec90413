"""``sayso export`` and ``sayso audit``: consented datasets out, checked from the log up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, err, friendly, out, print_json, work
from sayso.errors import InvalidInput


@friendly
def export_cmd(
    purpose: Annotated[str, typer.Option(help="The one purpose the dataset is for.")],
    meetings: Annotated[list[str], typer.Option("--meetings", help="Meeting ids (repeat).")],
    out_dir: Annotated[Path, typer.Option("--out", help="A new (or empty) folder.")],
    recipient: Annotated[
        str | None, typer.Option(help="For third_party_sharing: the recipient's id.")
    ] = None,
    engine: Annotated[str, typer.Option(help="local (default) or ray.")] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="With --engine ray: join this cluster.")
    ] = None,
    ray_cpus: Annotated[
        int | None, typer.Option(help="With --engine ray and no address: local workers.")
    ] = None,
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Gate, redact and write the dataset with its manifest and card; register it."""
    from sayso.services import ray_runner  # heavy imports only for the command that runs
    from sayso.services.exporting import export

    if engine not in ("local", "ray"):
        raise InvalidInput("the engine must be local or ray")
    if engine == "ray":
        ray_runner.connect(ray_address, ray_cpus)
    with work(db) as (session, ctx), Progress(console=err, transient=True) as bar:
        task = bar.add_task("exporting", total=None)
        result = export(
            session,
            ctx,
            purpose=purpose,
            meeting_ids=meetings,
            out=out_dir,
            recipient=recipient,
            engine="ray" if engine == "ray" else "local",
            progress=lambda what, n, total: bar.update(
                task, description=what, completed=n, total=total
            ),
        )
    if as_json:
        print_json(
            {
                "export_id": result.export_id,
                "folder": str(result.folder),
                "kept": result.kept,
                "withheld": result.withheld,
                "files": result.files,
                "checkpoint_size": result.checkpoint_size,
            }
        )
        return
    out.print(
        f"export {result.export_id}: {result.kept} items kept, {result.withheld} left out, "
        f"{result.files} files in {result.folder} (checkpoint {result.checkpoint_size})",
        markup=False,
    )


@friendly
def audit_cmd(
    folder: Annotated[Path, typer.Argument(help="The folder `sayso export` wrote.")],
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Re-derive each item's decision from the log, check the content; exit 1 on violations."""
    from sayso.services.auditing import audit

    with work(db, readonly=True) as (session, ctx):
        report = audit(session, ctx, folder)
    if as_json:
        print_json({"checked": report.checked, "violations": report.violations})
    else:
        for violation in report.violations:
            out.print(f"violation: {violation}", markup=False)
        out.print(f"{report.checked} items checked, {len(report.violations)} violations")
    if report.violations:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.command("audit")(audit_cmd)
