"""``sayso ingest``: a meeting's export folder into its segment table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json, work


@friendly
def ingest_cmd(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="zoom, teams, otter or manifest.")],
    path: Annotated[
        Path,
        typer.Argument(
            help="The meeting's export folder (only read). Zoom: with the recording.completed "
            "body in it, each file counts from its own recording's start."
        ),
    ],
    meeting: Annotated[str, typer.Option("--meeting", help="The meeting's id.")],
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Parse the export into segments, matched to the meeting's participants (fails closed)."""
    from sayso.services.ingest import ingest  # Arrow is imported only for this command

    with work(db) as (session, ctx):
        result = ingest(session, ctx, meeting, fmt, path)
    if as_json:
        print_json(
            {
                "meeting_id": result.meeting_id,
                "segments": result.segments,
                "unattributed": result.unattributed,
                "by_modality": result.by_modality,
                "table": str(result.table_path),
            }
        )
        return
    kinds = ", ".join(f"{n} {m}" for m, n in sorted(result.by_modality.items()))
    out.print(
        f"{result.segments} segments ({kinds}); {result.unattributed} unattributed "
        f"(left out of every export); table at {result.table_path}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
