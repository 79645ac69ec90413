"""Audit a Sayso server's public log from outside (``sayso log verify --remote URL``).

Trusts nothing the server says without checking it: the checkpoint's signature
against the published (or pinned) keys, the root recomputed from every leaf, a
consistency proof from the checkpoint this auditor saw last time, and a sample of
the server's inclusion proofs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sayso.errors import LogCorrupt, RemoteUnavailable
from sayso.signing.keys import public_keys_from_jwks
from sayso.transparency import (
    CheckpointError,
    NoteVerifier,
    ProofError,
    RootAccumulator,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)

# GET path (under /api/v1) with query parameters -> decoded JSON
Fetch = Callable[[str, Mapping[str, int]], Any]
PAGE = 10_000


@dataclass(frozen=True)
class RemoteReport:
    size: int
    root: bytes
    previous_size: int | None  # the checkpoint this one was proved consistent with
    proofs_checked: int


def audit(
    fetch: Fetch,
    *,
    keys: Mapping[str, Ed25519PublicKey] | None = None,
    state: Path | None = None,
) -> RemoteReport:
    """Verify the remote log; remember its checkpoint in ``state`` for next time."""
    trusted = keys if keys is not None else public_keys_from_jwks(fetch("/log/keys", {}))
    cp_doc = fetch("/log/checkpoint", {})
    note = _text(cp_doc, "note")
    origin = note.split("\n", 1)[0]
    try:
        checkpoint = open_checkpoint(note, [NoteVerifier(origin, k) for k in trusted.values()])
    except CheckpointError as exc:
        raise LogCorrupt(f"the server's checkpoint does not verify: {exc}") from None
    root = _root_of_leaves(fetch, checkpoint.size)
    if root != checkpoint.root:
        raise LogCorrupt("the leaves the server publishes do not add up to its signed root")
    previous = _previous(state)
    if previous is not None:
        _check_consistency(fetch, previous, checkpoint.size, checkpoint.root)
    checked = _sample_inclusion(fetch, checkpoint.size, checkpoint.root)
    if state is not None:
        _save(state, checkpoint.size, checkpoint.root)
    return RemoteReport(checkpoint.size, root, previous[0] if previous else None, checked)


def _root_of_leaves(fetch: Fetch, size: int) -> bytes:
    acc = RootAccumulator()
    while acc.size < size:
        page = fetch("/log/leaves", {"start": acc.size, "limit": min(PAGE, size - acc.size)})
        commitments = page.get("commitments") if isinstance(page, dict) else None
        if not isinstance(commitments, list) or not commitments:
            raise LogCorrupt(f"the server stopped publishing leaves at entry {acc.size} of {size}")
        for text in commitments:
            acc.append(leaf_hash(_b64(text, "leaf")))
            if acc.size == size:
                break
    return acc.root()


def _check_consistency(fetch: Fetch, previous: tuple[int, bytes], size: int, root: bytes) -> None:
    old_size, old_root = previous
    if old_size > size:
        raise LogCorrupt(f"the log shrank: it had {old_size} entries, now it shows {size}")
    if old_size == size:
        if old_root != root:
            raise LogCorrupt(f"the log was rewritten: the root at size {size} changed")
        return
    doc = fetch("/log/proof/consistency", {"first": old_size, "second": size})
    proof = [_b64(h, "proof hash") for h in _list(doc, "hashes")]
    try:
        verify_consistency(old_size, size, proof, old_root, root)
    except ProofError as exc:
        raise LogCorrupt(
            f"the log forked: size {size} is not an extension of the size {old_size} "
            f"seen before ({exc})"
        ) from None


def _sample_inclusion(fetch: Fetch, size: int, root: bytes) -> int:
    if size == 0:
        return 0
    indexes = sorted({0, size // 2, size - 1})
    for index in indexes:
        doc = fetch("/log/proof/inclusion", {"index": index, "size": size})
        proof = [_b64(h, "proof hash") for h in _list(doc, "hashes")]
        try:
            verify_inclusion(_b64(_text(doc, "leaf_hash"), "leaf hash"), index, size, proof, root)
        except ProofError as exc:
            raise LogCorrupt(
                f"the server's inclusion proof for entry {index} is wrong: {exc}"
            ) from None
    return len(indexes)


def _previous(state: Path | None) -> tuple[int, bytes] | None:
    if state is None or not state.exists():
        return None
    try:
        doc = json.loads(state.read_text("utf-8"))
        return int(doc["size"]), base64.b64decode(doc["root"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise LogCorrupt(
            f"the state file {state} is damaged; move it away to start a fresh audit"
        ) from None


def _save(state: Path, size: int, root: bytes) -> None:
    tmp = state.with_name(state.name + ".tmp")
    tmp.write_text(json.dumps({"size": size, "root": base64.b64encode(root).decode()}), "utf-8")
    tmp.replace(state)  # atomic: an interrupted audit never leaves half a state file


def _text(doc: Any, key: str) -> str:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, str):
        raise RemoteUnavailable(f"the server's answer lacks {key!r}; is this a Sayso server?")
    return value


def _list(doc: Any, key: str) -> list[Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, list):
        raise RemoteUnavailable(f"the server's answer lacks {key!r}; is this a Sayso server?")
    return value


def _b64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise LogCorrupt(f"the server sent a {what} that is not base64") from None


def http_fetch(base_url: str, client: Any) -> Fetch:
    """A ``Fetch`` over an httpx-style client for ``base_url`` (the server's root address)."""
    api = base_url.rstrip("/") + "/api/v1"

    def fetch(path: str, params: Mapping[str, int]) -> Any:
        try:
            response = client.get(api + path, params=dict(params))
        except httpx.HTTPError as exc:  # no connection, DNS, TLS, timeout
            raise RemoteUnavailable(
                f"cannot reach {base_url}: {type(exc).__name__}; check the address"
            ) from None
        if response.status_code != 200:
            raise RemoteUnavailable(
                f"{base_url} answered {response.status_code} for {path}; is this a Sayso server?"
            )
        try:
            return response.json()
        except ValueError:
            raise RemoteUnavailable(f"{base_url} did not answer JSON for {path}") from None

    return fetch
