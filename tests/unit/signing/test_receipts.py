"""Receipts are standard compact JWS (alg Ed25519) over the canonical JSON of the payload:
joserfc reads them, and the record's stored JSON signs to the very same bytes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import OKPKey

from sayso.domain.canonical import canonical_json
from sayso.errors import ReceiptInvalid
from sayso.signing.keys import KeyRing, PublicKeyEntry, key_id
from sayso.signing.receipts import (
    ALG,
    TYP,
    ReceiptSigner,
    _payload_json,
    commitment,
    receipt_payload,
    verify_receipt,
)
from sayso.transparency import (
    Checkpoint,
    InMemoryNodeSource,
    NoteSigner,
    inclusion_proof,
    leaf_hash,
    sign_checkpoint,
)

ORIGIN = "sayso.example/consent-log"
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
RECORD = {
    "record_id": "ev-2",
    "scope": "meeting:m-1",
    "event_type": "grant",
    "controller": 'Acme "Quoted" Corp, Zürich \\ \u2028',
    "terms": {"ai_training": {"record": None, "modalities": ["audio"]}},
}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _ring(key: Ed25519PrivateKey) -> KeyRing:
    public = key.public_key()
    return KeyRing(key, [PublicKeyEntry(key_id(public), public, T0, None)])


def _payload(key: Ed25519PrivateKey, record: dict[str, Any]) -> dict[str, Any]:
    """A receipt payload for the third of five entries, with its proof and checkpoint."""
    salts = [bytes([n]) * 32 for n in range(5)]
    records = [{**record, "record_id": f"ev-{n}"} for n in range(5)]
    tree = InMemoryNodeSource(
        leaf_hash(commitment(s, r)) for s, r in zip(salts, records, strict=True)
    )
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, tree.root()), [NoteSigner(ORIGIN, key)])
    return receipt_payload(records[2], salts[2], 2, inclusion_proof(2, 5, tree), note, T0)


def test_a_receipt_is_a_compact_jws_joserfc_verifies(key: Ed25519PrivateKey) -> None:
    payload = _payload(key, RECORD)
    token = ReceiptSigner(_ring(key)).sign(payload)
    obj = jws.deserialize_compact(token, OKPKey.import_key(key.public_key()), algorithms=[ALG])
    assert obj.protected == {"alg": ALG, "kid": key_id(key.public_key()), "typ": TYP}
    assert obj.payload == canonical_json(payload)


def test_signing_with_the_stored_record_json_gives_the_same_receipt(
    key: Ed25519PrivateKey,
) -> None:
    payload = _payload(key, RECORD)
    signer = ReceiptSigner(_ring(key))
    stored = canonical_json(payload["record"]).decode()
    # Ed25519 is deterministic: the same bytes signed give the same token.
    assert signer.sign(payload, stored) == signer.sign(payload)


def test_a_signed_receipt_verifies_and_a_changed_one_does_not(key: Ed25519PrivateKey) -> None:
    payload = _payload(key, RECORD)
    token = ReceiptSigner(_ring(key)).sign(payload, canonical_json(payload["record"]).decode())
    keys = {key_id(key.public_key()): key.public_key()}
    assert verify_receipt(token, keys).payload == json.loads(canonical_json(payload))
    header, _, signature = token.split(".")
    altered = base64.urlsafe_b64encode(canonical_json(payload | {"log_index": 3}))
    forged = ".".join([header, altered.rstrip(b"=").decode(), signature])
    with pytest.raises(ReceiptInvalid, match="signature"):
        verify_receipt(forged, keys)


odd = st.lists(st.sampled_from(['"', "\\", "\n", "\x00", "é", "\u2028", "a", "}", "'"])).map(
    "".join
)


@given(note=odd, issued=odd, salt=odd, proof=st.lists(odd, max_size=4), index=st.integers())
def test_the_receipt_json_is_canonical_json_whatever_the_text(
    note: str, issued: str, salt: str, proof: list[str], index: int
) -> None:
    record = {**RECORD, "controller": note}
    payload = {
        "v": 1,
        "record": record,
        "salt": salt,
        "log_index": index,
        "inclusion_proof": proof,
        "checkpoint": note,
        "issued_at": issued,
    }
    stored = canonical_json(record).decode()
    assert _payload_json(payload, stored) == canonical_json(payload)


@pytest.mark.parametrize(
    "change",
    [{"log_index": True}, {"v": 1.0}, {"inclusion_proof": ("a",)}, {"extra": 1}, {"salt": None}],
)
def test_an_unusual_payload_is_still_canonical_json(
    key: Ed25519PrivateKey, change: dict[str, Any]
) -> None:
    payload = _payload(key, RECORD) | change
    stored = canonical_json(payload["record"]).decode()
    assert _payload_json(payload, stored) == canonical_json(payload)
