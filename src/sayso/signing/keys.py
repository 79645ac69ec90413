"""The key ring: Ed25519 signing keys in a 0600 JSON file outside the database.

One key is active; rotation retires it (its private half is destroyed) and makes a
new one. Retired public keys stay in the file so old receipts and checkpoints
still verify. Key material never reaches a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from sayso.errors import KeyFileError

FORMAT = "sayso-keyring/v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """A stable id derived from the public key, so nobody can name a key they don't hold."""
    return "ed25519:" + hashlib.sha256(raw_public(public)).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKeyEntry:
    kid: str
    public: Ed25519PublicKey
    created_at: datetime
    retired_at: datetime | None

    def to_jwk(self) -> dict[str, Any]:
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": _b64(raw_public(self.public))}


class KeyRing:
    """The active signing key plus every public key this deployment has used."""

    def __init__(self, active: Ed25519PrivateKey, entries: list[PublicKeyEntry]) -> None:
        self.active = active
        self.entries = entries

    @property
    def active_kid(self) -> str:
        return key_id(self.active.public_key())

    def public(self, kid: str) -> Ed25519PublicKey | None:
        return next((e.public for e in self.entries if e.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [e.to_jwk() for e in self.entries]}


def public_keys_from_jwks(doc: object) -> dict[str, Ed25519PublicKey]:
    """Read a published key set (``sayso keys export``) for offline verification."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise KeyFileError("the key set must be a JSON object with a 'keys' list")
    out: dict[str, Ed25519PublicKey] = {}
    for entry in doc["keys"]:
        try:
            public = Ed25519PublicKey.from_public_bytes(_unb64(entry["x"]))
        except (KeyError, TypeError, ValueError):
            raise KeyFileError("a key in the key set is not an Ed25519 JWK") from None
        if entry.get("kid") != key_id(public):
            raise KeyFileError("a key in the key set has a kid that does not match its key")
        out[key_id(public)] = public
    return out


def load_or_create(path: Path) -> KeyRing:
    """Open the key file, creating it (mode 0600) with a fresh key on first start."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        entry = PublicKeyEntry(key_id(key.public_key()), key.public_key(), _now(), None)
        ring = KeyRing(key, [entry])
        _write(path, ring)
        return ring
    return load(path)


def load(path: Path) -> KeyRing:
    """Open an existing key file; refuse one that others can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}; run `sayso init` to create one") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {path} is readable by others; run `chmod 600 {path}`")
    try:
        return _parse(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError):
        raise KeyFileError(f"key file {path} is damaged; restore it from your backup") from None


def rotate(path: Path) -> KeyRing:
    """Retire the active key (destroying its private half) and make a new active key."""
    ring = load(path)
    now = _now()
    retired = [
        e
        if e.kid != ring.active_kid or e.retired_at
        else PublicKeyEntry(e.kid, e.public, e.created_at, now)
        for e in ring.entries
    ]
    key = Ed25519PrivateKey.generate()
    new = KeyRing(
        key, [*retired, PublicKeyEntry(key_id(key.public_key()), key.public_key(), now, None)]
    )
    _write(path, new)
    return new


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _parse(doc: dict[str, Any]) -> KeyRing:
    if doc.get("format") != FORMAT:
        raise ValueError("unknown key file format")
    active = Ed25519PrivateKey.from_private_bytes(_unb64(doc["active"]))
    entries = [
        PublicKeyEntry(
            kid=e["kid"],
            public=Ed25519PublicKey.from_public_bytes(_unb64(e["x"])),
            created_at=datetime.fromisoformat(e["created_at"]),
            retired_at=datetime.fromisoformat(e["retired_at"]) if e.get("retired_at") else None,
        )
        for e in doc["keys"]
    ]
    if key_id(active.public_key()) not in {e.kid for e in entries}:
        raise ValueError("active key missing from key list")
    return KeyRing(active, entries)


def _write(path: Path, ring: KeyRing) -> None:
    raw = ring.active.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    doc = {
        "format": FORMAT,
        "active": _b64(raw),
        "keys": [
            {
                "kid": e.kid,
                "x": _b64(raw_public(e.public)),
                "created_at": e.created_at.isoformat(),
                "retired_at": e.retired_at.isoformat() if e.retired_at else None,
            }
            for e in ring.entries
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
