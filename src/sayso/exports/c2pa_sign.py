"""C2PA manifests on exported media: what each file may be used for, signed by the deployment.

Every exported ``.m4a``, ``.mp4`` and ``.wav`` carries a manifest with

- ``c2pa.training-mining``: the export's purpose as the one allowed use, everything
  else ``notAllowed`` (see ``TRAINING_MINING``);
- ``org.sayso.export``: the export id, purpose, log checkpoint size and manifest row
  count, so a file found alone still names the export and checkpoint that decided it;
- ``c2pa.actions.v2``: captured, then edited by the consent export.

It is signed by the key ring's active Ed25519 key through a callback (the private key
never leaves the ring), certified by the deployment's own CA (``c2pa_certs``). Signing
is reproducible: the same file, facts and key give the same bytes (``c2pa_reseal``).

Memory stays flat however long the file (``BOUNDED``): an ``.m4a`` or ``.mp4`` is hashed
as a Merkle tree of 1 MiB leaves over its media data (C2PA's ``c2pa.hash.bmff.v3`` Merkle
map), which c2pa-rs builds, and later checks, leaf by leaf, and c2pa's working copy goes
to disk past 16 MB. A WAV file has no such form: c2pa-rs holds its whole data chunk in
memory, twice while signing, so a WAV over ``parts.PART_BYTES`` is refused here and the
export writes long WAV audio in parts (``sayso.exports.parts``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import c2pa  # type: ignore[import-untyped]

from sayso.errors import InvalidInput, SaysoError
from sayso.exports import parts
from sayso.exports.c2pa_certs import CertChain, load_or_create_chain
from sayso.exports.c2pa_reseal import UnexpectedLayout, identity, reseal
from sayso.signing.keys import KeyRing

# What c2pa-rs embeds into and validates for us; anything else is refused up front.
MEDIA_TYPES = {".m4a": "audio/mp4", ".mp4": "video/mp4", ".wav": "audio/wav"}
TRAINING_MINING_LABEL = "c2pa.training-mining"
EXPORT_LABEL = "org.sayso.export"
ENTRIES = (
    "c2pa.ai_training",
    "c2pa.ai_generative_training",
    "c2pa.ai_inference",
    "c2pa.data_mining",
)
# The C2PA uses each Sayso purpose stands for. A purpose not named here (recording,
# transcription, product_improvement, third_party_sharing, or an org's own) allows none:
# consent to be recorded, or to be shared with a named company, is no consent to AI use.
TRAINING_MINING: dict[str, frozenset[str]] = {
    # "We use {modalities} to train our own AI models": generative models included.
    "ai_training": frozenset({"c2pa.ai_training", "c2pa.ai_generative_training"}),
    # "AI tools read {modalities} to write summaries and answer questions": inference only.
    "ai_features": frozenset({"c2pa.ai_inference"}),
}
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
# c2pa-rs settings that keep signing memory flat (see the module's docstring).
BOUNDED = {
    "core": {"merkle_tree_chunk_size_in_kb": 1024, "backing_store_memory_threshold_in_mb": 16}
}


class UnsupportedMedia(SaysoError):
    """A file whose format cannot carry an embedded C2PA manifest."""

    code = "unsupported_media"


class MediaTooLarge(SaysoError):
    """A file c2pa-rs would hold whole in memory to sign (a WAV over ``parts.PART_BYTES``)."""

    code = "media_too_large"


class MediaSigningFailed(SaysoError):
    """c2pa could not embed or sign a manifest (a damaged file, usually)."""

    code = "media_signing_failed"


def media_type(path: Path) -> str:
    try:
        return MEDIA_TYPES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(MEDIA_TYPES)
        raise UnsupportedMedia(
            f"{path.name}: cannot carry a C2PA manifest; exported media must be one of {known}"
        ) from None


def training_mining(purpose: str) -> dict[str, dict[str, str]]:
    """The ``entries`` of the training-mining assertion for an export made for ``purpose``."""
    allowed = TRAINING_MINING.get(purpose, frozenset())
    return {e: {"use": "allowed" if e in allowed else "notAllowed"} for e in ENTRIES}


def sign_media(
    src: Path,
    dst: Path,
    *,
    ring: KeyRing,
    key_dir: Path,
    purpose: str,
    export_id: str,
    facts: Mapping[str, object],
) -> None:
    """Write ``src`` to ``dst`` with a signed manifest (``dst`` may be ``src``: in place).

    ``facts`` must hold ``checkpoint_size`` and ``manifest_rows``. Files go to c2pa as
    streams into a temporary sibling that replaces ``dst`` only once signed.
    """
    kind = media_type(src)
    media_type(dst)
    if kind == MEDIA_TYPES[".wav"] and src.stat().st_size > parts.PART_BYTES:
        raise MediaTooLarge(
            f"{src.name}: a WAV file over {parts.PART_BYTES:,} bytes is signed in parts; "
            "split it with sayso.exports.parts.split_wav first"
        )
    definition = manifest_definition(dst.name, purpose, export_id, facts)
    seed = _seed(src, definition)
    definition["label"], definition["instance_id"] = identity(seed)
    chain = load_or_create_chain(ring, key_dir)
    tmp = dst.with_name(f".{dst.name}.c2pa-{os.getpid()}.tmp")
    try:
        with src.open("rb") as source, tmp.open("w+b") as target:
            _sign(definition, chain, ring, kind, source, target)
            reseal(target, kind, definition["label"], ring.active, seed)
        os.replace(tmp, dst)
    except c2pa.C2paError as error:
        raise MediaSigningFailed(
            f"{src.name}: could not sign its C2PA manifest ({error})"
        ) from None
    except UnexpectedLayout as error:
        raise MediaSigningFailed(
            f"{src.name}: c2pa-{c2pa.sdk_version()} wrote a manifest this version of Sayso "
            f"cannot make reproducible ({error})"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def _seed(src: Path, definition: Mapping[str, Any]) -> bytes:
    """What a file's manifest is derived from: its media bytes and everything it states.

    The same export (its id names its inputs and checkpoint), file name and content give
    the same label, instance id and salts (``c2pa_reseal``): a re-run's bytes are equal.
    """
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode())
    with src.open("rb") as media:
        while chunk := media.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def manifest_definition(
    title: str, purpose: str, export_id: str, facts: Mapping[str, object]
) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "sayso", "version": version("sayso")}],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": _actions(purpose)}},
            {"label": TRAINING_MINING_LABEL, "data": {"entries": training_mining(purpose)}},
            {"label": EXPORT_LABEL, "data": _export_assertion(purpose, export_id, facts)},
        ],
    }


def _actions(purpose: str) -> list[dict[str, str]]:
    # C2PA wants a first action of created/opened; the source is a meeting recording.
    return [
        {"action": "c2pa.created", "digitalSourceType": CAPTURE},
        {
            "action": "c2pa.edited",
            "description": f"Sayso consent export for {purpose}: content without consent "
            "for this purpose was removed",
        },
    ]


def _export_assertion(
    purpose: str, export_id: str, facts: Mapping[str, object]
) -> dict[str, object]:
    counts: dict[str, object] = {"export_id": export_id, "purpose": purpose}
    for name in ("checkpoint_size", "manifest_rows"):
        value = facts.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(f"the C2PA export facts need a count {name!r}, got {value!r}")
        counts[name] = value
    return counts


def _sign(
    definition: dict[str, Any],
    chain: CertChain,
    ring: KeyRing,
    kind: str,
    source: IO[bytes],
    target: IO[bytes],
) -> None:
    signer = c2pa.Signer.from_callback(
        ring.active.sign, c2pa.C2paSigningAlg.ED25519, chain.chain_pem
    )
    try:
        with (
            c2pa.Context(c2pa.Settings.from_dict(BOUNDED)) as context,
            c2pa.Builder(json.dumps(definition), context) as builder,
        ):
            builder.sign(signer, kind, source, target)
    finally:
        signer.close()
