"""C2SP tlog-checkpoint tree heads, signed as C2SP signed notes with Ed25519 keys.

A signed note is ``text + "\\n" + signature lines``; each line is ``"— <key name> "`` and the
base64 of a 4-byte key ID followed by an Ed25519 signature over the text, byte for byte.
A checkpoint is a note whose text is ``origin``, tree size and base64 root hash, one per
line, then optional extension lines. See https://c2sp.org/signed-note and
https://c2sp.org/tlog-checkpoint; golang.org/x/mod/sumdb/note is the reference code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sayso.transparency.merkle import HASH_SIZE

MAX_SIGNATURES = 100
MAX_NOTE_CHARS = 1_000_000
_ALG_ED25519 = b"\x01"
_SIG_PREFIX = "\u2014 "  # em dash, space
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")
_HEX8_RE = re.compile(r"[0-9a-fA-F]{8}")


class CheckpointError(ValueError):
    """A checkpoint or signed note is malformed, or its signatures do not check out."""


def _has_control(text: str) -> bool:
    return any(ch < " " for ch in text)


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name) or _has_control(name):
        raise CheckpointError(
            f"Key name {name!r} is invalid: use a non-empty name with no spaces and no '+'."
        )


def _b64decode(text: str, what: str) -> bytes:
    # Strict standard base64: padded, no stray characters, canonical (re-encodes identically).
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise CheckpointError(f"The {what} is not valid standard base64.") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise CheckpointError(f"The {what} is not canonical standard base64.")
    return raw


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def note_key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """Compute the 4-byte signed-note key ID: SHA-256(name || "\\n" || 0x01 || pubkey)[:4]."""
    data = name.encode("utf-8") + b"\n" + _ALG_ED25519 + _raw_public_key(public_key)
    return hashlib.sha256(data).digest()[:4]


def _vkey(name: str, key_hash: bytes, public_key: Ed25519PublicKey) -> str:
    encoded = base64.b64encode(_ALG_ED25519 + _raw_public_key(public_key)).decode("ascii")
    return f"{name}+{key_hash.hex()}+{encoded}"


class NoteSigner:
    """An Ed25519 private key with the key name it signs notes under."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        _check_key_name(name)
        self.name = name
        self._key = key
        self.key_hash = note_key_hash(name, key.public_key())
        self.vkey = _vkey(name, self.key_hash, key.public_key())

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """Create a signer with a fresh random Ed25519 key."""
        return cls(name, Ed25519PrivateKey.generate())

    def verifier(self) -> NoteVerifier:
        """Return the verifier that checks this signer's signatures."""
        return NoteVerifier(self.name, self._key.public_key())

    def sign(self, body: bytes) -> bytes:
        """Return the raw 64-byte Ed25519 signature of `body`."""
        return self._key.sign(body)


class NoteVerifier:
    """An Ed25519 public key with the key name whose note signatures it checks."""

    def __init__(self, name: str, key: Ed25519PublicKey) -> None:
        _check_key_name(name)
        self.name = name
        self._key = key
        self.key_hash = note_key_hash(name, key)
        self.vkey = _vkey(name, self.key_hash, key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key ``<name>+<8 hex key ID>+<base64(0x01 || pubkey)>``."""
        name, _, rest = vkey.partition("+")
        hash_hex, _, key_b64 = rest.partition("+")
        _check_key_name(name)
        if not _HEX8_RE.fullmatch(hash_hex):
            raise CheckpointError("The verifier key's ID must be 8 hex digits after the name.")
        raw = _b64decode(key_b64, "verifier key's public key")
        if len(raw) != 1 + 32 or raw[:1] != _ALG_ED25519:
            raise CheckpointError("The verifier key is not an Ed25519 (type 0x01) 32-byte key.")
        try:
            public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
        except ValueError:
            raise CheckpointError("The verifier key's public key is not a valid point.") from None
        verifier = cls(name, public_key)
        if verifier.key_hash != bytes.fromhex(hash_hex):
            raise CheckpointError("The verifier key's ID does not match its name and key.")
        return verifier

    def verify(self, body: bytes, signature: bytes) -> bool:
        """Report whether `signature` is this key's Ed25519 signature of `body`."""
        if len(signature) != 64:
            return False
        try:
            self._key.verify(signature, body)
        except InvalidSignature:
            return False
        return True


def _check_note_chars(text: str, what: str) -> None:
    if len(text) > MAX_NOTE_CHARS:
        raise CheckpointError(f"The {what} is longer than {MAX_NOTE_CHARS} characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CheckpointError(f"The {what} is not valid UTF-8.") from None
    if any(ch < " " and ch != "\n" for ch in text):
        raise CheckpointError(f"The {what} contains control characters other than newline.")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign note text with every signer and return the signed note."""
    _check_note_chars(text, "note text")
    if not text.endswith("\n"):
        raise CheckpointError("The note text must end with a newline.")
    if not signers or len(signers) > MAX_SIGNATURES:
        raise CheckpointError(f"Sign a note with 1 to {MAX_SIGNATURES} signers.")
    body = text.encode("utf-8")
    lines = []
    for signer in signers:
        blob = base64.b64encode(signer.key_hash + signer.sign(body)).decode("ascii")
        lines.append(f"{_SIG_PREFIX}{signer.name} {blob}\n")
    return text + "\n" + "".join(lines)


def _split_note(note: str | bytes) -> tuple[str, list[str]]:
    # The text ends at the last blank line; every following line is a signature line.
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("The signed note is not valid UTF-8.") from None
    _check_note_chars(note, "signed note")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("The signed note has no blank line before its signatures.")
    text, sigs = note[: split + 1], note[split + 2 :]
    if not sigs.endswith("\n"):
        raise CheckpointError("The signed note must end with a newline after its signatures.")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"The signed note has more than {MAX_SIGNATURES} signatures.")
    return text, lines


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(_SIG_PREFIX):
        raise CheckpointError("A signature line must start with an em dash and a space.")
    name, _, blob = line[len(_SIG_PREFIX) :].partition(" ")
    _check_key_name(name)
    raw = _b64decode(blob, f"signature by {name!r}")
    if len(raw) < 5:
        raise CheckpointError(f"The signature by {name!r} is too short to hold a key ID.")
    return name, raw[:4], raw[4:]


def _index_verifiers(verifiers: Sequence[NoteVerifier]) -> dict[tuple[str, bytes], NoteVerifier]:
    index: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        known = index.setdefault((verifier.name, verifier.key_hash), verifier)
        if known.vkey != verifier.vkey:
            raise CheckpointError(
                f"Two trusted keys share the name and ID {verifier.name}+"
                f"{verifier.key_hash.hex()}: remove one."
            )
    return index


def open_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> str:
    """Parse a signed note and return its text once a trusted key's signature verifies."""
    text, lines = _split_note(note)
    known = _index_verifiers(verifiers)
    body = text.encode("utf-8")
    verified = 0
    for line in lines:
        name, key_hash, signature = _parse_signature_line(line)
        verifier = known.get((name, key_hash))
        if verifier is None:
            continue  # unknown keys are ignored, per the signed-note spec
        if not verifier.verify(body, signature):
            raise CheckpointError(f"The signature by trusted key {verifier.vkey} is invalid.")
        verified += 1
    if not verified:
        raise CheckpointError("The note carries no signature by a trusted key.")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _has_control(self.origin):
            raise CheckpointError("The origin must be a non-empty line with no control characters.")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise CheckpointError(
                f"The tree size must be a non-negative integer, not {self.size!r}."
            )
        if self.size >= 1 << 64:
            raise CheckpointError("The tree size must be below 2**64.")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise CheckpointError(f"The root hash must be exactly {HASH_SIZE} bytes.")
        for line in self.extensions:
            if not line or _has_control(line):
                raise CheckpointError(
                    "Each extension line must be non-empty, without control chars."
                )

    def body(self) -> str:
        """Return the checkpoint note text: origin, size, base64 root, extensions, each + "\\n"."""
        root = base64.b64encode(self.root).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text (already verified) into a Checkpoint."""
        if not text.endswith("\n"):
            raise CheckpointError("The checkpoint text must end with a newline.")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("The checkpoint needs origin, tree size and root hash lines.")
        origin, size, root, *extensions = lines
        if not _SIZE_RE.fullmatch(size):
            raise CheckpointError("The tree size line must be a decimal with no leading zeros.")
        raw_root = _b64decode(root, "root hash line")
        return cls(origin, int(size), raw_root, tuple(extensions))


def sign_checkpoint(cp: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """Sign a checkpoint with every signer and return the signed note text."""
    return sign_note(cp.body(), signers)


def open_checkpoint(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> Checkpoint:
    """Verify a signed checkpoint note against trusted keys and return the checkpoint."""
    return Checkpoint.from_body(open_note(note, verifiers))
