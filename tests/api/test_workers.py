"""`sayso serve --workers 2`: two processes, two writers, one log that never forks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from sayso.ledger.db import make_engine, unit_of_work
from sayso.services.context import Context
from sayso.services.logs import verify_log
from sayso.settings import Settings
from tests.live_server import live_server


def test_two_workers_write_one_consistent_log(db_url: str, tmp_path: Path) -> None:
    with live_server(db_url, tmp_path, extra_args=("--workers", "2")) as server:
        meeting = server.creds["meeting_id"]
        links = [x["url"] for x in server.creds["join_links"]]

        def decide(i: int) -> int:
            secret = links[i % len(links)].rsplit("/", 1)[1]
            r = httpx.post(
                f"{server.base_url}/api/v1/me/meetings/{meeting}/decisions",
                json={
                    "choices": [{"purpose": "ai_features", "answer": "yes" if i % 2 else "no"}],
                    "idempotency_key": f"w{i}",
                },
                headers={"Authorization": f"Bearer {secret}"},
                timeout=60,
            )
            return r.status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(decide, range(24)))
        assert codes == [201] * 24
    settings = Settings(database_url=db_url, key_file=tmp_path / "keys.json")
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine, readonly=True) as session:
            report = verify_log(session, Context.open(settings))
    finally:
        engine.dispose()
    assert report.size == 6 + 24  # the demo's six, then every acknowledged decision once
