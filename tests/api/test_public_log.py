"""The public log endpoints: enough for anyone to audit the log from outside."""

from __future__ import annotations

import base64

from sayso.signing.keys import public_keys_from_jwks
from sayso.transparency import leaf_hash, verify_consistency, verify_inclusion
from sayso.transparency.checkpoint import NoteVerifier, open_checkpoint
from tests.api.conftest import Api


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def test_checkpoint_inclusion_and_consistency_verify_with_the_published_keys(api: Api) -> None:
    keys = public_keys_from_jwks(api.client.get("/api/v1/log/keys").json())
    cp = api.client.get("/api/v1/log/checkpoint").json()
    checkpoint = open_checkpoint(
        cp["note"], [NoteVerifier(api.ctx.origin, k) for k in keys.values()]
    )
    assert checkpoint.size == cp["size"] == 6  # the demo's six decisions
    leaves = api.client.get("/api/v1/log/leaves", params={"start": 0, "limit": 100}).json()
    assert len(leaves["commitments"]) == 6
    for index, commitment in enumerate(leaves["commitments"]):
        proof = api.client.get(
            "/api/v1/log/proof/inclusion", params={"index": index, "size": cp["size"]}
        ).json()
        assert _b(proof["leaf_hash"]) == leaf_hash(_b(commitment))
        verify_inclusion(
            _b(proof["leaf_hash"]),
            index,
            cp["size"],
            [_b(h) for h in proof["hashes"]],
            checkpoint.root,
        )
    # Grow the log, then prove the new tree extends the old one.
    r = api.client.post(
        f"/api/v1/me/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": [{"purpose": "ai_features", "answer": "yes"}], "idempotency_key": "g"},
        headers=api.as_person("Guest"),
    )
    assert r.status_code == 201
    new = api.client.get("/api/v1/log/checkpoint").json()
    proof = api.client.get(
        "/api/v1/log/proof/consistency", params={"first": cp["size"], "second": new["size"]}
    ).json()
    verify_consistency(
        cp["size"], new["size"], [_b(h) for h in proof["hashes"]], checkpoint.root, _b(new["root"])
    )


def test_proofs_beyond_the_log_are_a_clear_404(api: Api) -> None:
    r = api.client.get("/api/v1/log/proof/inclusion", params={"index": 99, "size": 100})
    assert r.status_code == 404
    assert "the log's size" in r.json()["detail"]
    r = api.client.get("/api/v1/log/proof/consistency", params={"first": 3, "second": 2})
    assert r.status_code == 404


def test_leaves_hold_no_personal_data(api: Api) -> None:
    r = api.client.get("/api/v1/log/leaves")
    for name, _ in api.demo.join_secrets:
        assert name not in r.text
    assert all(len(_b(c)) == 32 for c in r.json()["commitments"])
