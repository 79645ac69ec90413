"""C2SP signed notes and tlog checkpoints: Go reference vectors, round trips, tampering, fuzz."""

from __future__ import annotations

import base64
import contextlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.transparency.checkpoint import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    NoteSigner,
    NoteVerifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    sign_note,
)
from sayso.transparency.merkle import leaf_hash, root_of

DASH = "\u2014"  # em dash, the signature line prefix

# --- golang.org/x/mod/sumdb/note test vectors (note_test.go: TestSign, TestOpen) -----------
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    f"{DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKv"
    "qfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    f"{DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOT"
    "GwnWLox33WWd1RvMc+QQ=\n"
)

# --- A real checkpoint: sum.golang.org's tree head, as quoted in sigsum/sigsum-go
# pkg/checkpoint/checkpoint_test.go (TestGoSumDBCheckpoint, "Retrieved from
# https://sum.golang.org/latest, 2024-09-23"); its key is the one in golang/go
# src/cmd/go/internal/modfetch/key.go.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINT = (
    "go.sum database tree\n30055305\nmXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n\n"
    f"{DASH} sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucF"
    "cAAlWFJJYle3EJlDCrQ+y3A8=\n"
)


def _peter_signer() -> NoteSigner:
    # Go's skey is PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte Ed25519 seed).
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[4])[1:]
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_go_vector_signs_byte_for_byte() -> None:
    signer = _peter_signer()
    assert signer.vkey == PETER_VKEY
    assert signer.key_hash.hex() == "c74f20a3"
    assert sign_note(GO_TEXT, [signer]) == GO_TEXT + "\n" + PETER_SIG


def test_go_vector_opens() -> None:
    peter, enoch = NoteVerifier.from_vkey(PETER_VKEY), NoteVerifier.from_vkey(ENOCH_VKEY)
    assert (peter.name, peter.key_hash.hex(), peter.vkey) == (
        "PeterNeumann",
        "c74f20a3",
        PETER_VKEY,
    )
    note = GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(note, [peter]) == GO_TEXT  # Enoch unknown: ignored
    assert open_note(note, [enoch]) == GO_TEXT
    assert open_note(note.encode("utf-8"), [peter, enoch]) == GO_TEXT
    assert open_note(note, [peter, peter]) == GO_TEXT  # the same key twice is harmless
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        open_note(note, [])


def test_go_bad_messages() -> None:
    peter = NoteVerifier.from_vkey(PETER_VKEY)
    bad: list[str | bytes] = [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + PETER_SIG,
        b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode("utf-8"),
        GO_TEXT + "\n" + f"{DASH} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
        "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        GO_TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1),
        GO_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:],  # known key, bad signature
        "\ud800" + GO_TEXT + "\n" + PETER_SIG,  # not encodable as UTF-8
    ]
    for note in bad:
        with pytest.raises(CheckpointError):
            open_note(note, [peter])


def test_go_verifier_key_manglings() -> None:
    assert NoteVerifier.from_vkey(PETER_VKEY).vkey == PETER_VKEY
    # Every proper substring and every one-character change must be refused (TestNewVerifier).
    for i in range(len(PETER_VKEY) + 1):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(CheckpointError):
                    NoteVerifier.from_vkey(PETER_VKEY[i:j])
    for i, ch in enumerate(PETER_VKEY):
        with pytest.raises(CheckpointError):
            NoteVerifier.from_vkey(PETER_VKEY[:i] + chr(ord(ch) + 1) + PETER_VKEY[i + 1 :])
    for vkey in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # length
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # algorithm
    ]:
        with pytest.raises(CheckpointError):
            NoteVerifier.from_vkey(vkey)


def test_real_sumdb_checkpoint_verifies() -> None:
    verifier = NoteVerifier.from_vkey(SUMDB_VKEY)
    cp = open_checkpoint(SUMDB_CHECKPOINT, [verifier])
    assert (cp.origin, cp.size, cp.extensions) == ("go.sum database tree", 30055305, ())
    assert base64.b64encode(cp.root).decode() == "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM="
    assert cp.body() == SUMDB_CHECKPOINT.split("\n\n")[0] + "\n"
    tampered = SUMDB_CHECKPOINT.replace("30055305", "30055306")
    with pytest.raises(CheckpointError, match="invalid"):
        open_checkpoint(tampered, [verifier])


# --- Round trips and tampering --------------------------------------------------------------

LOG = NoteSigner("example.com/log", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
WITNESS = NoteSigner("example.com/witness", Ed25519PrivateKey.from_private_bytes(bytes(32)))
ROOT = root_of(leaf_hash(bytes([i])) for i in range(5))


def test_body_format() -> None:
    cp = Checkpoint("example.com/log", 5, ROOT, ("ext one",))
    b64 = base64.b64encode(ROOT).decode()
    assert cp.body() == f"example.com/log\n5\n{b64}\next one\n"
    assert Checkpoint.from_body(cp.body()) == cp


@pytest.mark.parametrize("extensions", [(), ("a",), ("x y", "z")])
def test_round_trip(extensions: tuple[str, ...]) -> None:
    cp = Checkpoint("example.com/log", 5, ROOT, extensions)
    note = sign_checkpoint(cp, [LOG, WITNESS])
    assert note.startswith(cp.body() + "\n" + DASH + " example.com/log ")
    assert open_checkpoint(note, [LOG.verifier()]) == cp
    assert open_checkpoint(note, [WITNESS.verifier()]) == cp
    assert open_checkpoint(note, [NoteVerifier.from_vkey(LOG.vkey), WITNESS.verifier()]) == cp


def test_tampering_is_rejected() -> None:
    cp = Checkpoint("example.com/log", 5, ROOT)
    note = sign_checkpoint(cp, [LOG])
    b64 = base64.b64encode(ROOT).decode()
    other_root = base64.b64encode(bytes(32)).decode()
    tampered = [
        note.replace("example.com/log\n", "example.com/other\n", 1),
        note.replace("\n5\n", "\n6\n", 1),
        note.replace(b64, other_root, 1),
        note.replace(f"{b64}\n", f"{b64}\nextra\n", 1),
    ]
    encoded = note.split("\n\n")[1].split(" ")[2].strip()
    blob = base64.b64decode(encoded)
    forged = blob[:10] + bytes([blob[10] ^ 1]) + blob[11:]
    tampered.append(note.replace(encoded, base64.b64encode(forged).decode()))
    for bad in tampered:
        with pytest.raises(CheckpointError, match="invalid"):
            open_checkpoint(bad, [LOG.verifier()])


def test_trust_rules() -> None:
    cp = Checkpoint("example.com/log", 5, ROOT)
    only_witness = sign_checkpoint(cp, [WITNESS])
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        open_checkpoint(only_witness, [LOG.verifier()])
    # A bad signature from a known key fails the note even if another trusted key signed.
    good = sign_checkpoint(cp, [LOG])
    bad_witness = sign_checkpoint(Checkpoint("example.com/log", 6, ROOT), [WITNESS])
    mixed = good + bad_witness.split("\n\n")[1]
    assert open_checkpoint(mixed, [LOG.verifier()]) == cp  # witness unknown: ignored
    with pytest.raises(CheckpointError, match="invalid"):
        open_checkpoint(mixed, [LOG.verifier(), WITNESS.verifier()])
    # A same-named key with another ID is a different, unknown key.
    impostor = NoteSigner("example.com/log", Ed25519PrivateKey.generate())
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        open_checkpoint(sign_checkpoint(cp, [impostor]), [LOG.verifier()])


def test_colliding_trusted_keys_are_refused() -> None:
    note = sign_checkpoint(Checkpoint("example.com/log", 5, ROOT), [LOG])
    twin = WITNESS.verifier()
    twin.name, twin.key_hash = LOG.name, LOG.key_hash  # same name and ID, another key
    with pytest.raises(CheckpointError, match="share the name and ID"):
        open_checkpoint(note, [LOG.verifier(), twin])


@pytest.mark.parametrize(
    "body",
    [
        "o\n01\n{root}\n",  # leading zero
        "o\n-1\n{root}\n",
        "o\n+1\n{root}\n",
        "o\n1.0\n{root}\n",
        "o\n \n{root}\n",
        "o\n\u0663\n{root}\n",  # a non-ASCII digit
        "o\n18446744073709551616\n{root}\n",  # 2**64
        "o\n123456789012345678901\n{root}\n",
        "o\n5\nAAAA\n",  # root too short
        "o\n5\n{root}x\n",
        "o\n5\n{noncanonical}\n",
        "o\n5\n",
        "\n5\n{root}\n",  # empty origin
        "o\n5\n{root}\n\next\n",  # empty extension line
        "o\n5\n{root}",  # no final newline
    ],
)
def test_malformed_bodies(body: str) -> None:
    b64 = base64.b64encode(ROOT).decode()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    noncanonical = b64[:-2] + alphabet[alphabet.index(b64[-2]) | 1] + "="  # unused bit set
    text = body.format(root=b64, noncanonical=noncanonical)
    with pytest.raises(CheckpointError):
        Checkpoint.from_body(text)
    if text.endswith("\n"):
        with pytest.raises(CheckpointError):
            open_checkpoint(sign_note(text, [LOG]), [LOG.verifier()])


def test_invalid_checkpoint_fields() -> None:
    for origin, size, root, ext in [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        ("a\tb", 1, ROOT, ()),
        ("o", -1, ROOT, ()),
        ("o", True, ROOT, ()),
        ("o", 1 << 64, ROOT, ()),
        ("o", 1, ROOT[:31], ()),
        ("o", 1, ROOT, ("",)),
        ("o", 1, ROOT, ("a\nb",)),
    ]:
        with pytest.raises(CheckpointError):
            Checkpoint(origin, size, root, ext)


def test_invalid_key_names_and_signing_inputs() -> None:
    key = Ed25519PrivateKey.generate()
    for name in ["", "a b", "a+b", "tab\there", "nbsp\u00a0"]:
        with pytest.raises(CheckpointError):
            NoteSigner(name, key)
    with pytest.raises(CheckpointError):
        sign_note("no final newline", [LOG])
    with pytest.raises(CheckpointError):
        sign_note("text\n", [])
    with pytest.raises(CheckpointError):
        sign_note("bell\x07\n", [LOG])


# --- Fuzz: any input gives a Checkpoint or a CheckpointError, never another exception ----

VALID = sign_checkpoint(Checkpoint("example.com/log", 5, ROOT, ("ext",)), [LOG, WITNESS])
FRAGMENTS = st.sampled_from(
    [DASH, " ", "\n", "\n\n", "+", "=", "/", "0", "5", "AAAA", "example.com/log", "\x00", *VALID]
)


def _open_or_error(note: str | bytes) -> None:
    with contextlib.suppress(CheckpointError):
        open_checkpoint(note, [LOG.verifier(), WITNESS.verifier()])


@settings(max_examples=300, deadline=None)
@given(note=st.one_of(st.text(), st.binary(), st.lists(FRAGMENTS).map("".join)))
def test_random_notes_only_raise_checkpoint_error(note: str | bytes) -> None:
    _open_or_error(note)


@settings(max_examples=300, deadline=None)
@given(at=st.integers(0, len(VALID)), cut=st.integers(0, 8), insert=st.text(max_size=4))
def test_mutated_notes_only_raise_checkpoint_error(at: int, cut: int, insert: str) -> None:
    _open_or_error(VALID[:at] + insert + VALID[at + cut :])


@settings(max_examples=200, deadline=None)
@given(vkey=st.one_of(st.text(), st.lists(st.sampled_from([*PETER_VKEY, "+"])).map("".join)))
def test_random_verifier_keys_only_raise_checkpoint_error(vkey: str) -> None:
    with contextlib.suppress(CheckpointError):
        NoteVerifier.from_vkey(vkey)
