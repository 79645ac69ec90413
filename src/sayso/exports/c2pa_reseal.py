"""Make a signed C2PA manifest reproducible: the same file and facts give the same bytes.

c2pa-rs puts three kinds of randomness into every manifest it signs: the manifest label
(``urn:c2pa:<uuid4>``), the claim's ``instance_id`` (``xmp.iid:<uuid4>``), and a fresh
16-byte salt in each assertion's JUMBF description box (``c2sh``), which changes the
assertion hashes in the claim and so the claim signature. The label and the instance id
can be set in the manifest definition (``identity``). The salts cannot: c2pa-rs draws them
from ``DefaultSalt`` (ChaCha20 seeded from the OS) with no setting or API to supply them,
by design (a random salt keeps a redacted assertion from being guessed from its hash).

So ``reseal`` rewrites them after signing, in place and at the same length: each salt
becomes an HMAC of the assertion's label under a key only the signing key can derive
(an Ed25519 signature is deterministic, and it never leaves this module), each assertion
hash in the claim is recomputed, and the claim is signed again. Salts stay secret and
unique per file and assertion, as c2pa intends, yet are stable for the same inputs. The
media's hard binding excludes the manifest, so it still holds.

Before changing anything it checks that it reads c2pa-rs's layout right: each assertion's
hash is found once in the claim, and the claim signature verifies over the COSE
structure it rebuilds. Anything else raises ``UnexpectedLayout``; nothing is guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# The UUID of C2PA's BMFF box and the RIFF chunk id that hold the manifest store.
BMFF_C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
RIFF_C2PA_CHUNK = b"C2PA"
SALT_DOMAIN = b"sayso.c2pa.assertion-salts.v1\x00"
HAS_ID, HAS_HASH, HAS_PRIVATE_BOX = 0x04, 0x08, 0x10  # jumd toggles: what follows the label
COSE_TAIL = b"\xf6\x58\x40"  # detached payload, then a 64-byte Ed25519 signature
WIDTHS = {24: 1, 25: 2, 26: 4, 27: 8}  # CBOR: bytes of length after the initial byte


class UnexpectedLayout(Exception):
    """The signed file's manifest is not laid out as this module expects."""


@dataclass(frozen=True)
class Box:
    body: int  # its payload's offset in the store
    end: int
    kind: bytes


def identity(seed: bytes) -> tuple[str, str]:
    """The manifest label and instance id for ``seed`` (a digest of the file and facts).

    c2pa-rs takes only a version 4 UUID as a manifest label, so these are hashes of
    ``seed`` in that form: unique where the seeds differ, like a random one, but stable.
    """
    label, instance = (hashlib.sha256(what + seed).digest()[:16] for what in (b"label", b"iid"))
    return (
        f"urn:c2pa:{uuid.UUID(bytes=label, version=4)}",
        f"xmp.iid:{uuid.UUID(bytes=instance, version=4)}",
    )


def reseal(target: IO[bytes], kind: str, label: str, key: Ed25519PrivateKey, seed: bytes) -> None:
    """Replace the salts of manifest ``label`` in ``target`` and sign its claim again."""
    offset, size = _store_region(target, kind)
    target.seek(offset)
    store = bytearray(target.read(size))
    assertions, claim, signature = _parts(store, _manifest(store, label))
    protected = _checked(store, assertions, claim, signature, key)
    secret = hashlib.sha256(key.sign(SALT_DOMAIN + seed)).digest()
    claim_bytes = bytes(store[claim.body : claim.end])
    for box in assertions:
        before = _box_hash(store, box)
        at, length = _salt_at(store, box)
        name = _label(store, _children(store, box)[0]).encode()
        store[at : at + length] = hmac.new(secret, name, hashlib.sha256).digest()[:length]
        claim_bytes = claim_bytes.replace(before, _box_hash(store, box))
    store[claim.body : claim.end] = claim_bytes
    store[signature.end - 64 : signature.end] = key.sign(_to_be_signed(protected, claim_bytes))
    target.seek(offset)
    target.write(store)
    target.flush()


def _checked(
    store: bytearray, assertions: list[Box], claim: Box, signature: Box, key: Ed25519PrivateKey
) -> bytes:
    """The claim signature's protected header, once the layout is known to be read right:
    each assertion's hash is in the claim once, and the signature verifies as rebuilt."""
    claim_bytes = bytes(store[claim.body : claim.end])
    for box in assertions:
        _salt_at(store, box)
        if claim_bytes.count(_box_hash(store, box)) != 1:
            raise UnexpectedLayout("an assertion's hash is not found once in the claim")
    protected = _protected_header(store, signature)
    signed = bytes(store[signature.end - 64 : signature.end])
    try:
        key.public_key().verify(signed, _to_be_signed(protected, claim_bytes))
    except InvalidSignature:
        raise UnexpectedLayout("the claim signature does not verify as rebuilt") from None
    return protected


def _store_region(target: IO[bytes], kind: str) -> tuple[int, int]:
    """Offset and size of the JUMBF manifest store c2pa-rs wrote into the file."""
    if kind == "audio/wav":
        return _riff_chunk(target)
    return _bmff_box(target)


def _bmff_box(target: IO[bytes]) -> tuple[int, int]:
    end = target.seek(0, 2)
    at = 0
    while at + 8 <= end:
        target.seek(at)
        size, box = struct.unpack(">I4s", target.read(8))
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", target.read(8))[0], 16
        elif size == 0:
            size = end - at
        if size < header:
            break
        if box == b"uuid" and target.read(16) == BMFF_C2PA_UUID:
            target.read(4)  # version and flags
            purpose = _read_cstring(target)
            if purpose == b"manifest":
                target.read(8)  # offset of the first auxiliary box
            start = target.tell()
            return start, at + size - start
        at += size
    raise UnexpectedLayout("no C2PA box in the signed file")


def _riff_chunk(target: IO[bytes]) -> tuple[int, int]:
    end = target.seek(0, 2)
    target.seek(0)
    if target.read(4) != b"RIFF":
        raise UnexpectedLayout("the signed WAV file is not RIFF")
    at = 12
    while at + 8 <= end:
        target.seek(at)
        chunk, size = struct.unpack("<4sI", target.read(8))
        if chunk == RIFF_C2PA_CHUNK:
            return at + 8, size
        at += 8 + size + (size & 1)
    raise UnexpectedLayout("no C2PA chunk in the signed file")


def _read_cstring(target: IO[bytes]) -> bytes:
    out = bytearray()
    while (byte := target.read(1)) not in (b"", b"\x00"):
        out += byte
    return bytes(out)


def _children(store: bytearray, parent: Box) -> list[Box]:
    boxes, at = [], parent.body
    while at + 8 <= parent.end:
        size, kind = struct.unpack(">I4s", store[at : at + 8])
        if size < 8 or at + size > parent.end:
            raise UnexpectedLayout("a JUMBF box runs past its parent")
        boxes.append(Box(at + 8, at + size, kind))
        at += size
    return boxes


def _label(store: bytearray, jumd: Box) -> str:
    if jumd.kind != b"jumd":
        raise UnexpectedLayout("a JUMBF superbox without its description box")
    start = jumd.body + 17  # type UUID (16 bytes), then the toggles
    return bytes(store[start : store.index(0, start, jumd.end)]).decode()


def _manifest(store: bytearray, label: str) -> Box:
    outer = _children(store, Box(0, len(store), b""))
    if len(outer) != 1 or outer[0].kind != b"jumb":
        raise UnexpectedLayout("the C2PA store is not one JUMBF superbox")
    for box in _children(store, outer[0])[1:]:
        if _label(store, _children(store, box)[0]) == label:
            return box
    raise UnexpectedLayout(f"no manifest {label} in the C2PA store")


def _parts(store: bytearray, manifest: Box) -> tuple[list[Box], Box, Box]:
    """The manifest's assertion superboxes, claim content box and signature content box."""
    named = {_label(store, _children(store, b)[0]): b for b in _children(store, manifest)[1:]}
    try:
        assertion_store = named["c2pa.assertions"]
        claim = next(b for k, b in named.items() if k.startswith("c2pa.claim"))
        signature = named["c2pa.signature"]
    except (KeyError, StopIteration):
        raise UnexpectedLayout("the manifest lacks its assertions, claim or signature") from None
    return (
        _children(store, assertion_store)[1:],
        _children(store, claim)[1],
        _children(store, signature)[1],
    )


def _salt_at(store: bytearray, assertion: Box) -> tuple[int, int]:
    """Where an assertion's salt lies in its description box, and how long it is."""
    jumd = _children(store, assertion)[0]
    toggles = store[jumd.body + 16]
    after = store.index(0, jumd.body + 17, jumd.end) + 1
    after += 4 if toggles & HAS_ID else 0
    after += 32 if toggles & HAS_HASH else 0
    size, box = struct.unpack(">I4s", store[after : after + 8])
    if not toggles & HAS_PRIVATE_BOX or box != b"c2sh" or not 16 <= size - 8 <= 32:
        raise UnexpectedLayout("an assertion without a salt box")
    return after + 8, size - 8


def _box_hash(store: bytearray, box: Box) -> bytes:
    # C2PA hashes a JUMBF superbox's payload: its description box (with the salt) and content.
    return hashlib.sha256(store[box.body : box.end]).digest()


def _protected_header(store: bytearray, signature: Box) -> bytes:
    """The COSE_Sign1 protected header of a claim signature whose payload is detached."""
    cose = store[signature.body : signature.end]
    if cose[:2] != b"\xd2\x84" or cose[-67:-64] != COSE_TAIL:
        raise UnexpectedLayout("the claim signature is not a detached Ed25519 COSE_Sign1")
    protected, _ = _bstr(cose, 2)
    return protected


def _bstr(data: bytearray, at: int) -> tuple[bytes, int]:
    if data[at] >> 5 != 2:
        raise UnexpectedLayout("expected a CBOR byte string")
    info = data[at] & 0x1F
    if info < 24:
        return bytes(data[at + 1 : at + 1 + info]), at + 1 + info
    if info not in WIDTHS:
        raise UnexpectedLayout("a CBOR byte string of indefinite length")
    width = WIDTHS[info]
    length = int.from_bytes(data[at + 1 : at + 1 + width], "big")
    start = at + 1 + width
    return bytes(data[start : start + length]), start + length


def _to_be_signed(protected: bytes, claim: bytes) -> bytes:
    """COSE's Sig_structure (RFC 9052 §4.4): what the claim signature signs."""
    context = _head(3, 10) + b"Signature1"
    no_aad = _head(2, 0)
    return (
        b"\x84"
        + context
        + _head(2, len(protected))
        + protected
        + no_aad
        + _head(2, len(claim))
        + claim
    )


def _head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I")):
        if length < 256 ** struct.calcsize(fmt):
            return bytes([major << 5 | info]) + struct.pack(fmt, length)
    return bytes([major << 5 | 27]) + struct.pack(">Q", length)
