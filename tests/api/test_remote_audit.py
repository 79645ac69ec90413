"""`sayso log verify --remote`: an outside auditor checks the public log over HTTP."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sayso.errors import LogCorrupt
from sayso.services import remote_audit
from tests.api.conftest import Api
from tests.live_server import free_port, live_server


def _fetch(api: Api) -> remote_audit.Fetch:
    return remote_audit.http_fetch("http://testserver", api.client)


def _grow(api: Api, key: str) -> None:
    r = api.client.post(
        f"/api/v1/me/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": [{"purpose": "ai_features", "answer": "yes"}], "idempotency_key": key},
        headers=api.as_person("Guest"),
    )
    assert r.status_code == 201


def test_an_honest_log_verifies_and_the_next_audit_proves_it_grew_consistently(
    api: Api, tmp_path: Path
) -> None:
    state = tmp_path / "seen.json"
    first = remote_audit.audit(_fetch(api), state=state)
    assert first.size == 6
    assert first.previous_size is None
    assert first.proofs_checked == 3
    _grow(api, "a")
    second = remote_audit.audit(_fetch(api), state=state)
    assert second.size == 7
    assert second.previous_size == 6


def test_a_rewritten_history_is_caught_by_the_remembered_checkpoint(
    api: Api, tmp_path: Path
) -> None:
    state = tmp_path / "seen.json"
    remote_audit.audit(_fetch(api), state=state)
    seen = json.loads(state.read_text())
    seen["root"] = base64.b64encode(b"\x01" * 32).decode()  # what the server showed before
    state.write_text(json.dumps(seen))
    with pytest.raises(LogCorrupt, match="rewritten"):
        remote_audit.audit(_fetch(api), state=state)
    _grow(api, "b")
    with pytest.raises(LogCorrupt, match="forked"):
        remote_audit.audit(_fetch(api), state=state)


def test_a_leaf_the_server_changed_does_not_add_up_to_the_signed_root(api: Api) -> None:
    honest = _fetch(api)

    def lying(path: str, params: Mapping[str, int]) -> Any:
        doc = honest(path, params)
        if path == "/log/leaves":
            doc["commitments"][2] = base64.b64encode(b"\x00" * 32).decode()
        return doc

    with pytest.raises(LogCorrupt, match="do not add up"):
        remote_audit.audit(lying)


def test_a_checkpoint_signed_by_another_key_is_refused(api: Api) -> None:
    stranger = {"k": Ed25519PrivateKey.generate().public_key()}
    with pytest.raises(LogCorrupt, match="does not verify"):
        remote_audit.audit(_fetch(api), keys=stranger)


def _sayso(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sayso.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_audits_a_running_server(tmp_path: Path) -> None:
    with live_server(f"sqlite:///{tmp_path / 's.db'}", tmp_path) as server:
        done = _sayso("log", "verify", "--remote", server.base_url, "--state", str(tmp_path / "st"))
        assert done.returncode == 0, done.stderr
        assert "remote log OK: 6 entries" in done.stdout


def test_the_cli_says_plainly_when_the_server_cannot_be_reached() -> None:
    done = _sayso("log", "verify", "--remote", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1
    assert "cannot reach" in done.stderr
    assert "Traceback" not in done.stderr
