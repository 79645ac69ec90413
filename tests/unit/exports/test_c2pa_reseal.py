"""Signed media are reproducible: the same file, facts and key give the same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import c2pa  # type: ignore[import-untyped]
import pytest

from sayso.exports import c2pa_sign
from sayso.exports.c2pa_certs import ca_pem
from sayso.exports.c2pa_reseal import UnexpectedLayout, reseal
from sayso.exports.c2pa_sign import MEDIA_TYPES, MediaSigningFailed, sign_media
from sayso.exports.c2pa_verify import verify_media
from sayso.signing.keys import KeyRing, load_or_create
from tests.unit.redact.media import speech, write_m4a, write_mp4, write_wav

FACTS = {"checkpoint_size": 17, "manifest_rows": 42}


def source(kind: str, folder: Path, seconds: int = 1) -> Path:
    path = folder / f"source-{seconds}.{kind}"
    if kind == "m4a":
        return write_m4a(path, seconds)
    if kind == "mp4":
        return write_mp4(path, seconds)
    return write_wav(path, speech(seconds))


def signed(src: Path, dst: Path, key_dir: Path, export_id: str = "exp-1") -> bytes:
    dst.parent.mkdir(parents=True, exist_ok=True)
    ring = load_or_create(key_dir / "keys.json")
    sign_media(
        src,
        dst,
        ring=ring,
        key_dir=key_dir,
        purpose="ai_training",
        export_id=export_id,
        facts=FACTS,
    )
    return dst.read_bytes()


def active_label(path: Path) -> str:
    with path.open("rb") as handle, c2pa.Reader(MEDIA_TYPES[path.suffix], handle) as reader:
        return str(reader.get_active_manifest()["label"])


def salts(data: bytes) -> list[bytes]:
    return [data[m.end() : m.end() + 16] for m in re.finditer(b"\x00\x00\x00\x18c2sh", data)]


@pytest.mark.parametrize("kind", ["m4a", "mp4", "wav"])
def test_signing_the_same_file_with_the_same_facts_twice_gives_the_same_bytes(
    kind: str, tmp_path: Path
) -> None:
    src, keys = source(kind, tmp_path), tmp_path / "keys"

    first = signed(src, tmp_path / "a" / f"out.{kind}", keys)
    second = signed(src, tmp_path / "b" / f"out.{kind}", keys)

    assert first == second
    check = verify_media(tmp_path / "b" / f"out.{kind}", trust_anchors=ca_pem(keys))
    assert (check.state, check.integrity, check.failures) == ("Trusted", True, ())
    assert check.export is not None
    assert check.export["export_id"] == "exp-1"


@pytest.mark.parametrize("kind", ["m4a", "wav"])
def test_another_export_or_other_content_gives_another_manifest(kind: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    same = signed(source(kind, tmp_path), tmp_path / "a" / f"out.{kind}", keys)
    other_export = signed(source(kind, tmp_path), tmp_path / "b" / f"out.{kind}", keys, "exp-2")
    other_content = signed(source(kind, tmp_path, 2), tmp_path / "c" / f"out.{kind}", keys)

    assert len({same, other_export, other_content}) == 3
    labels = {active_label(tmp_path / d / f"out.{kind}") for d in "abc"}
    assert len(labels) == 3
    assert all(re.fullmatch(r"urn:c2pa:[0-9a-f-]{36}", label) for label in labels)
    for folder in "abc":
        assert verify_media(tmp_path / folder / f"out.{kind}", trust_anchors=ca_pem(keys)).trusted


def test_the_salts_are_secret_to_the_deployment_and_unique_per_assertion(
    tmp_path: Path,
) -> None:
    """The label is derived from what the file states; the salts also need the signing
    key, so nobody else can recompute them to guess a redacted assertion from its hash."""
    src = source("m4a", tmp_path)
    ours = signed(src, tmp_path / "a" / "out.m4a", tmp_path / "keys")
    theirs = signed(src, tmp_path / "b" / "out.m4a", tmp_path / "other-keys")

    assert active_label(tmp_path / "a" / "out.m4a") == active_label(tmp_path / "b" / "out.m4a")
    assert len(salts(ours)) == 4  # actions, training-mining, org.sayso.export, bmff hash
    assert len(set(salts(ours))) == 4
    assert not set(salts(ours)) & set(salts(theirs))


def test_a_manifest_not_laid_out_as_expected_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "out.m4a"
    data = signed(source("m4a", tmp_path), path, tmp_path / "keys")
    label = active_label(path)
    stranger = load_or_create(tmp_path / "stranger" / "keys.json").active

    with path.open("r+b") as target, pytest.raises(UnexpectedLayout, match="does not verify"):
        reseal(target, "video/mp4", label, stranger, b"seed")
    with path.open("r+b") as target, pytest.raises(UnexpectedLayout, match="no manifest"):
        reseal(target, "video/mp4", "urn:c2pa:not-this-one", stranger, b"seed")
    assert path.read_bytes() == data


def test_signing_fails_cleanly_when_the_manifest_cannot_be_made_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unexpected(*_: object) -> None:
        raise UnexpectedLayout("no salt box")

    monkeypatch.setattr(c2pa_sign, "reseal", unexpected)
    src = source("wav", tmp_path)
    ring: KeyRing = load_or_create(tmp_path / "keys" / "keys.json")

    with pytest.raises(
        MediaSigningFailed, match=r"source-1\.wav: c2pa-.*reproducible \(no salt box\)"
    ):
        sign_media(
            src,
            tmp_path / "out.wav",
            ring=ring,
            key_dir=tmp_path / "keys",
            purpose="recording",
            export_id="exp-1",
            facts=FACTS,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "source-1.wav"]
