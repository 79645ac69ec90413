"""A real server for tests that need one: `sayso serve --demo` in a subprocess (uvicorn)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    db_url: str
    creds: dict[str, Any]  # what --demo-credentials wrote

    def join_link(self, name: str) -> str:
        return next(x["url"] for x in self.creds["join_links"] if x["name"] == name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(
    db_url: str,
    workdir: Path,
    *,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[LiveServer]:
    """Start the product as a person would (`sayso serve --demo`) and wait until it answers."""
    port = free_port()
    creds_file = workdir / "demo-credentials.json"
    env = {
        **os.environ,
        "SAYSO_KEY_FILE": str(workdir / "keys.json"),
        "SAYSO_RATE_LIMIT_JOIN": "1000/minute",
        "SAYSO_RATE_LIMIT_SIGNIN": "1000/minute",
        **(extra_env or {}),
    }
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sayso.cli.main",
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--demo",
            "--demo-credentials",
            str(creds_file),
            *extra_args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc, workdir / "server.log")
        yield LiveServer(base, db_url, json.loads(creds_file.read_text()))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sayso serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/api/v1/log/checkpoint", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"sayso serve did not answer within 60 s:\n{log.read_text()}")
