"""Signed receipts: a JWS (Ed25519) holding a consent record, its log index, an inclusion
proof and the signed checkpoint it was included under. Verifiable offline."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from sayso.domain.canonical import canonical_json
from sayso.errors import ReceiptInvalid
from sayso.signing.keys import KeyRing
from sayso.transparency import (
    Checkpoint,
    CheckpointError,
    NoteVerifier,
    ProofError,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)

ALG = "Ed25519"
TYP = "sayso-receipt+jws"
VERSION = 1


def commitment(salt: bytes, record: Mapping[str, Any]) -> bytes:
    """The log leaf's data: a salted commitment to the event, never the personal data itself."""
    return commitment_of(salt, canonical_json(record))


def commitment_of(salt: bytes, record_json: bytes) -> bytes:
    """``commitment`` of a record already in canonical JSON."""
    return hashlib.sha256(salt + record_json).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ReceiptInvalid(f"the receipt's {what} is not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ReceiptInvalid(f"the receipt's {what} is not valid base64") from None


# canonical_json's settings, built once: receipts are signed one per event.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64url(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


class ReceiptSigner:
    """Signs receipts with the active key as compact JWS (RFC 7515, alg ``Ed25519``).

    The protected header is encoded once and the signature is a bare Ed25519 signature
    of the JWS signing input, which is all a compact JWS is; ``verify_receipt`` checks it
    with joserfc, like any other verifier would.
    """

    def __init__(self, ring: KeyRing) -> None:
        self.kid = ring.active_kid
        self._key = ring.active
        header = canonical_json({"alg": ALG, "kid": self.kid, "typ": TYP})
        self._protected = _b64url(header) + b"."

    def sign(self, payload: Mapping[str, Any], record_json: str | None = None) -> str:
        """The receipt's JWS. ``record_json``, when given, must be the canonical JSON of
        ``payload["record"]`` (the stored event document): it is used as is."""
        signing_input = self._protected + _b64url(_payload_json(payload, record_json))
        return (signing_input + b"." + _b64url(self._key.sign(signing_input))).decode("ascii")


def _payload_json(payload: Mapping[str, Any], record_json: str | None) -> bytes:
    """``canonical_json(payload)``; a receipt payload with its record's JSON given is
    written out field by field (sorted keys, as canonical_json would), record as is."""
    if record_json is None or payload.keys() != _FIELDS:
        return _CANONICAL.encode(payload).encode()
    note, proof, issued = payload["checkpoint"], payload["inclusion_proof"], payload["issued_at"]
    index, salt, version = payload["log_index"], payload["salt"], payload["v"]
    try:
        hashes = ",".join(proof) if isinstance(proof, list) else None  # str items only
    except TypeError:
        hashes = None
    plain = type(index) is int and type(version) is int and _all_str((note, issued, salt))
    if hashes is None or not plain or not _written_as_is(hashes):
        return _CANONICAL.encode(payload).encode()
    return "".join(
        (
            '{"checkpoint":',
            _encoded_note(note),
            ',"inclusion_proof":',
            '["' + '","'.join(proof) + '"]' if proof else "[]",
            ',"issued_at":',
            encode_basestring(issued),
            ',"log_index":',
            str(index),
            ',"record":',
            record_json,
            ',"salt":',
            encode_basestring(salt),
            ',"v":',
            str(version),
            "}",
        )
    ).encode()


def _all_str(values: Sequence[object]) -> bool:
    return all(isinstance(v, str) for v in values)


# What JSON escapes in a string (canonical_json keeps other characters, ASCII or not).
_ESCAPED = bytes(range(0x20)) + b'"\\'


def _written_as_is(text: str) -> bool:
    """Whether JSON writes ``text`` between quotes unchanged (base64 always is)."""
    data = text.encode()
    return len(data.translate(None, _ESCAPED)) == len(data)


@functools.lru_cache(maxsize=4)
def _encoded_note(note: str) -> str:
    """A batch's receipts share one checkpoint note: encode it once."""
    return encode_basestring(note)


_FIELDS = {"checkpoint", "inclusion_proof", "issued_at", "log_index", "record", "salt", "v"}


def receipt_payload(
    record: Mapping[str, Any],
    salt: bytes,
    log_index: int,
    proof: list[bytes],
    checkpoint_note: str,
    issued_at: datetime,
) -> dict[str, Any]:
    return {
        "v": VERSION,
        "record": dict(record),
        "salt": _b64(salt),
        "log_index": log_index,
        "inclusion_proof": [_b64(p) for p in proof],
        "checkpoint": checkpoint_note,
        "issued_at": issued_at.isoformat(),
    }


@dataclass(frozen=True)
class VerifiedReceipt:
    kid: str
    payload: dict[str, Any]
    checkpoint: Checkpoint
    leaf_hash: bytes

    @property
    def log_index(self) -> int:
        return int(self.payload["log_index"])

    @property
    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = self.payload["record"]
        return record


def verify_receipt(token: str, keys: Mapping[str, Ed25519PublicKey]) -> VerifiedReceipt:
    """Check signature, checkpoint and inclusion; ``ReceiptInvalid`` says which one failed."""
    kid, public = _signing_key(token, keys)
    payload = _verified_payload(token, public)
    record, salt, index, proof, note = _fields(payload)
    origin = note.split("\n", 1)[0]
    verifiers = [NoteVerifier(origin, k) for k in keys.values()]
    try:
        checkpoint = open_checkpoint(note, verifiers)
    except CheckpointError as exc:
        raise ReceiptInvalid(f"the receipt's checkpoint does not verify: {exc}") from None
    leaf = leaf_hash(commitment(salt, record))
    try:
        verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root)
    except ProofError as exc:
        raise ReceiptInvalid(
            f"the record is not included in the receipt's checkpoint: {exc}"
        ) from None
    return VerifiedReceipt(kid, payload, checkpoint, leaf)


def _signing_key(token: str, keys: Mapping[str, Ed25519PublicKey]) -> tuple[str, Ed25519PublicKey]:
    token = token.strip()
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise ReceiptInvalid("this is not a Sayso receipt (not a compact JWS)") from None
    if header.get("alg") != ALG or header.get("typ") != TYP:
        raise ReceiptInvalid("this is not a Sayso receipt (wrong JWS type or algorithm)")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise ReceiptInvalid(
            "the receipt is signed by a key this deployment does not know; "
            "get its published keys with `sayso keys export`"
        )
    return kid, keys[kid]


def _verified_payload(token: str, public: Ed25519PublicKey) -> dict[str, Any]:
    try:
        obj = jws.deserialize_compact(token.strip(), OKPKey.import_key(public), algorithms=[ALG])
        payload = json.loads(obj.payload)
    except (JoseError, ValueError, TypeError):
        raise ReceiptInvalid("the receipt's signature does not match: it was altered") from None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise ReceiptInvalid("the receipt's payload is not a version-1 Sayso receipt")
    return payload


def _fields(payload: dict[str, Any]) -> tuple[dict[str, Any], bytes, int, list[bytes], str]:
    record = payload.get("record")
    index = payload.get("log_index")
    proof = payload.get("inclusion_proof")
    note = payload.get("checkpoint")
    if not isinstance(record, dict) or not isinstance(index, int) or isinstance(index, bool):
        raise ReceiptInvalid("the receipt lacks its record or log index")
    if not isinstance(proof, list) or not isinstance(note, str):
        raise ReceiptInvalid("the receipt lacks its inclusion proof or checkpoint")
    salt = _unb64(payload.get("salt"), "salt")
    return record, salt, index, [_unb64(p, "inclusion proof") for p in proof], note


def render_text(payload: Mapping[str, Any]) -> str:
    """A copy a person can read: what was decided, when, and where it sits in the log."""
    record = payload["record"]
    lines = [
        "Sayso consent receipt",
        f"Record:      {record['record_id']}",
        f"Decision:    {record['event_type']} ({record['status']})",
        f"Purposes:    {', '.join(record['purposes']) or '-'}",
        f"Content:     {', '.join(record['modalities']) or '-'}",
        f"Scope:       {record['scope']}",
        f"When:        {record['event_time']}",
        f"Controller:  {record['controller']} ({record['jurisdiction']})",
        f"Notice:      {record['notice_hash']}",
        f"Log index:   {payload['log_index']}",
        f"How to withdraw: {record['withdrawal_method']}",
        "Checkpoint:",
        *("  " + line for line in str(payload["checkpoint"]).rstrip("\n").split("\n")),
    ]
    return "\n".join(lines) + "\n"
