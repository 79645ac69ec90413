"""receipt_sign: signed receipts per second, ``ReceiptSigner.sign`` against bare Ed25519.

The payload is what ``record_decisions`` signs: a ~1 KB event document, its salt, a
20-hash inclusion proof (a log of about a million entries) and a signed checkpoint.
Like ``record_decisions``, Sayso's side passes the event document's stored canonical
JSON along, so the record is not encoded again; the output is byte for byte the
receipt signed from the payload alone (checked before timing).
The baseline signs the same canonical bytes with ``cryptography`` directly; a second
baseline also serialises the payload (``canonical_json``) each time, to show how much
of the gap is JSON and how much is JOSE.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import BASE_TIME, EventFactory, alternating, interleave, median, timed
from bench.report import Reporter, note, result
from sayso.domain.canonical import canonical_json
from sayso.domain.records import Scope, ScopeKind
from sayso.signing.keys import KeyRing, PublicKeyEntry, key_id
from sayso.signing.receipts import ReceiptSigner, receipt_payload
from sayso.transparency import Checkpoint, NoteSigner, sign_checkpoint

NAME = "receipt_sign"
ORIGIN = "sayso.example/consent-log"
LOG_SIZE = 1_000_000


@dataclass(frozen=True)
class SignConfig:
    signatures: int = 3000
    reps: int = 5


FULL = SignConfig()
QUICK = SignConfig(signatures=300, reps=3)


def run(cfg: SignConfig, reporter: Reporter) -> None:
    note(f"{NAME}: {cfg.reps} reps of {cfg.signatures} signatures each side")
    key = Ed25519PrivateKey.generate()
    payload = realistic_payload(key)
    signer = ReceiptSigner(_ring(key))
    data = canonical_json(payload)
    stored = canonical_json(payload["record"]).decode()  # as record_decisions reads it
    token = signer.sign(payload, stored)
    if token != signer.sign(payload):
        raise RuntimeError("signing with the stored record JSON changed the receipt")
    rates = interleave(
        cfg.reps,
        _rate(cfg, lambda: signer.sign(payload, stored)),
        _rate(cfg, lambda: key.sign(data)),
        _rate(cfg, lambda: key.sign(canonical_json(payload))),
    )
    reporter.emit(
        result(
            NAME,
            rates[0],
            "ed25519_sign_bytes",
            rates[1],
            baseline_with_canonical_json_per_s=round(median(rates[2]), 1),
            payload_bytes=len(data),
            jws_bytes=len(token),
        )
    )


def _rate(cfg: SignConfig, sign: Callable[[], object]) -> Callable[[], float]:
    def rep() -> float:
        def loop() -> None:
            for _ in range(cfg.signatures):
                sign()

        return cfg.signatures / timed(loop)

    return rep


def _ring(key: Ed25519PrivateKey) -> KeyRing:
    public = key.public_key()
    return KeyRing(key, [PublicKeyEntry(key_id(public), public, BASE_TIME, None)])


def realistic_payload(key: Ed25519PrivateKey) -> dict[str, Any]:
    """A receipt payload as the service builds it, for an event deep in a 1M-entry log."""
    org, meeting, person = (str(uuid.uuid4()) for _ in range(3))
    event = EventFactory.demo(org).event(
        person, Scope(ScopeKind.MEETING, meeting), alternating(0), BASE_TIME, LOG_SIZE - 1
    )
    proof = [os.urandom(32) for _ in range(LOG_SIZE.bit_length())]
    checkpoint = Checkpoint(ORIGIN, LOG_SIZE, os.urandom(32))
    note_text = sign_checkpoint(checkpoint, [NoteSigner(ORIGIN, key)])
    issued = BASE_TIME + timedelta(seconds=1)
    return receipt_payload(
        event.to_document(), os.urandom(32), LOG_SIZE - 1, proof, note_text, issued
    )
