"""Entry point: ``sayso …``. Each sub-command lives in its own module."""

from __future__ import annotations

import typer

from sayso.cli import (
    db_cmds,
    demo_cmds,
    export_cmds,
    ingest_cmds,
    keys_cmds,
    log_cmds,
    org_cmds,
    policy_cmds,
    receipt_cmds,
    scenario_cmds,
    serve_cmds,
)

app = typer.Typer(
    name="sayso",
    help="Sayso: per-participant consent for meeting content, enforced and provable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_cmds.register(app)
app.add_typer(org_cmds.app, name="org")
app.add_typer(policy_cmds.app, name="policy")
app.add_typer(policy_cmds.notice_app, name="notice")
app.add_typer(log_cmds.app, name="log")
app.add_typer(receipt_cmds.app, name="receipt")
app.add_typer(keys_cmds.app, name="keys")
app.add_typer(scenario_cmds.app, name="scenario")
demo_cmds.register(app)
serve_cmds.register(app)
ingest_cmds.register(app)
export_cmds.register(app)


if __name__ == "__main__":
    app()
