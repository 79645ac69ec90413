"""``sayso serve``: the web pages and the HTTP API (uvicorn)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from sayso.cli.common import DB_DEFAULT, DbOption, friendly, out, work
from sayso.ledger.db import make_engine
from sayso.ledger.migrate import upgrade
from sayso.services.demo import WebDemo, seed_web_demo
from sayso.services.logs import checkpoint_now
from sayso.settings import Settings


@friendly
def serve(
    db: DbOption = DB_DEFAULT,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed the demo org, meeting and invitees if absent.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes (1 per core is a good start; each has one writer).", min=1
        ),
    ] = 1,
    demo_credentials: Annotated[
        Path | None,
        typer.Option(
            help="With --demo: write the demo's ids, tokens and links to this JSON file (0600)."
        ),
    ] = None,
) -> None:
    """Serve the pages and the API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    engine = make_engine(db)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    base = os.environ.get("SAYSO_PUBLIC_URL") or f"http://{host}:{port}"
    if demo:
        with work(db) as (session, ctx):
            seeded = seed_web_demo(session, ctx)
            checkpoint_now(session, ctx)
        _announce(seeded, base.rstrip("/"), demo_credentials)
    if workers == 1:
        from sayso.app import create_app, freeze_heap  # FastAPI is imported only to serve

        app = create_app(Settings(database_url=db))
        freeze_heap()
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
        return
    # Each worker process builds its own app (and engine) from the environment; uvicorn's
    # own command line runs them (its process manager needs an importable app factory).
    os.environ["SAYSO_DATABASE_URL"] = db
    command = [sys.executable, "-m", "uvicorn", "sayso.app:app_from_environment", "--factory"]
    command += ["--host", host, "--port", str(port), "--workers", str(workers)]
    os.execv(sys.executable, [*command, "--no-access-log"])  # noqa: S606 (fixed argv, no shell)


def _announce(seeded: WebDemo, base: str, credentials: Path | None) -> None:
    links = [{"name": n, "url": f"{base}/j/{s}"} for n, s in seeded.join_secrets]
    data = {
        "org_id": seeded.org_id,
        "meeting_id": seeded.meeting_id,
        "admin_token": seeded.admin_token,
        "host_token": seeded.host_token,
        "admin_email": seeded.admin_email,
        "admin_password": seeded.admin_password,
        "host_email": seeded.host_email,
        "host_password": seeded.host_password,
        "join_links": links,
        "guest_link": f"{base}/g/{seeded.guest_secret}",
    }
    out.print(f"Sayso demo at {base}  (Acme Corp, meeting “Job interview”)")
    out.print("Personal join links (each acts for that person alone):")
    for link in links:
        out.print(f"  {link['name']:<20} {link['url']}", markup=False)
    out.print(f"Guest link: {data['guest_link']}", markup=False)
    out.print(
        f"Admin console: {base}/signin  {seeded.admin_email} / {seeded.admin_password}",
        markup=False,
    )
    out.print(
        f"Host console:  {base}/signin  {seeded.host_email} / {seeded.host_password}", markup=False
    )
    if credentials is not None:
        credentials.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        out.print(f"Demo credentials written to {credentials}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
