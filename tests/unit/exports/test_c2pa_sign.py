"""C2PA manifests on exported media: signed, read back, and broken by any edit."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import c2pa  # type: ignore[import-untyped]
import pytest

from sayso.errors import InvalidInput
from sayso.exports import parts
from sayso.exports.c2pa_certs import ca_pem
from sayso.exports.c2pa_sign import (
    MediaSigningFailed,
    MediaTooLarge,
    UnsupportedMedia,
    sign_media,
)
from sayso.exports.c2pa_verify import C2paCheck, verify_media
from sayso.signing.keys import KeyRing, load_or_create
from tests.unit.redact.media import speech, write_m4a, write_mp4, write_wav

MIB = 2**20
FACTS = {"checkpoint_size": 17, "manifest_rows": 42, "decided_at": "2025-01-01T00:00:00+00:00"}
ALL = {"c2pa.ai_training", "c2pa.ai_generative_training", "c2pa.ai_inference", "c2pa.data_mining"}


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ring(key_dir: Path) -> KeyRing:
    return load_or_create(key_dir / "keys.json")


def make(kind: str, folder: Path) -> Path:
    path = folder / f"source.{kind}"
    if kind == "m4a":
        return write_m4a(path, 1.0)
    if kind == "mp4":
        return write_mp4(path, 1)
    return write_wav(path, speech(1.0))


def sign(src: Path, dst: Path, ring: KeyRing, key_dir: Path, purpose: str = "ai_training") -> Path:
    sign_media(
        src, dst, ring=ring, key_dir=key_dir, purpose=purpose, export_id="exp-1", facts=FACTS
    )
    return dst


@pytest.mark.parametrize("kind", ["m4a", "mp4", "wav"])
def test_signed_media_reads_back_with_its_uses_and_export(
    kind: str, tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make(kind, tmp_path), tmp_path / f"out.{kind}", ring, key_dir)

    check = verify_media(signed)

    assert check.training_mining == {
        "c2pa.ai_training": "allowed",
        "c2pa.ai_generative_training": "allowed",
        "c2pa.ai_inference": "notAllowed",
        "c2pa.data_mining": "notAllowed",
    }
    assert check.export == {
        "export_id": "exp-1",
        "purpose": "ai_training",
        "checkpoint_size": 17,
        "manifest_rows": 42,
    }
    assert check.integrity
    # Nobody but the deployment knows its CA: valid, yet untrusted without the anchor.
    assert (check.state, check.trusted, check.failures) == (
        "Valid",
        False,
        ("signingCredential.untrusted",),
    )


@pytest.mark.parametrize("kind", ["m4a", "mp4", "wav"])
def test_the_deployment_ca_as_anchor_makes_the_file_trusted(
    kind: str, tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make(kind, tmp_path), tmp_path / f"out.{kind}", ring, key_dir)

    check = verify_media(signed, trust_anchors=ca_pem(key_dir))

    assert (check.state, check.integrity, check.trusted, check.failures) == (
        "Trusted",
        True,
        True,
        (),
    )


@pytest.mark.parametrize("kind", ["m4a", "mp4", "wav"])
def test_signed_media_still_decodes(
    kind: str, tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make(kind, tmp_path), tmp_path / f"out.{kind}", ring, key_dir)

    with av.open(str(signed)) as container:
        frames = sum(1 for _ in container.decode(audio=0))

    assert frames > 0


@pytest.mark.parametrize(
    ("purpose", "allowed"),
    [
        ("ai_training", {"c2pa.ai_training", "c2pa.ai_generative_training"}),
        ("ai_features", {"c2pa.ai_inference"}),
        ("product_improvement", set()),
        ("third_party_sharing", set()),
        ("recording", set()),
        ("transcription", set()),
        ("an_orgs_own_purpose", set()),
    ],
)
def test_only_the_exports_purpose_is_allowed(
    purpose: str, allowed: set[str], tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make("wav", tmp_path), tmp_path / "out.wav", ring, key_dir, purpose)

    check = verify_media(signed)

    assert set(check.training_mining) == ALL
    assert check.allowed_uses() == allowed
    assert all(check.training_mining[e] == "notAllowed" for e in ALL - allowed)


@pytest.mark.parametrize("kind", ["m4a", "mp4", "wav"])
def test_editing_the_media_after_signing_breaks_integrity(
    kind: str, tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make(kind, tmp_path), tmp_path / f"out.{kind}", ring, key_dir)
    data = bytearray(signed.read_bytes())
    at = (data.index(b"data") if kind == "wav" else box_at(data, b"mdat")) + 200
    data[at] ^= 0xFF
    signed.write_bytes(bytes(data))

    check = verify_media(signed, trust_anchors=ca_pem(key_dir))

    assert not check.integrity
    assert check.state == "Invalid"
    assert {"assertion.dataHash.mismatch", "assertion.bmffHash.mismatch"} & set(check.failures)


def test_editing_the_sayso_assertion_breaks_integrity(
    tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(make("m4a", tmp_path), tmp_path / "out.m4a", ring, key_dir)
    data = signed.read_bytes()
    assert data.count(b"exp-1") == 1
    signed.write_bytes(data.replace(b"exp-1", b"exp-2"))

    check = verify_media(signed, trust_anchors=ca_pem(key_dir))

    assert not check.integrity
    assert not check.trusted


def test_signing_in_place_replaces_the_file(tmp_path: Path, ring: KeyRing, key_dir: Path) -> None:
    path = make("m4a", tmp_path)
    size = path.stat().st_size

    sign(path, path, ring, key_dir)

    assert path.stat().st_size > size
    assert verify_media(path).integrity
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "source.m4a"]


@pytest.mark.parametrize("name", ["captions.vtt", "chat.txt", "audio.flac", "noext"])
def test_an_unsupported_format_is_refused_by_name(
    name: str, tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    src = tmp_path / name
    src.write_bytes(b"WEBVTT\n\n")

    with pytest.raises(
        UnsupportedMedia, match=r"cannot carry a C2PA manifest.*\.m4a, \.mp4, \.wav"
    ):
        sign(src, tmp_path / f"signed-{name}", ring, key_dir)
    with pytest.raises(UnsupportedMedia, match=name):
        verify_media(src)
    assert not (tmp_path / f"signed-{name}").exists()


def test_a_damaged_file_fails_clearly_and_leaves_nothing(
    tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    src = tmp_path / "broken.m4a"
    src.write_bytes(b"\x00\x00\x00\x10notanmp4" * 10)

    with pytest.raises(MediaSigningFailed, match=r"broken\.m4a: could not sign"):
        sign(src, tmp_path / "out.m4a", ring, key_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.m4a", "keys"]


def test_facts_without_the_counts_are_refused(tmp_path: Path, ring: KeyRing, key_dir: Path) -> None:
    with pytest.raises(InvalidInput, match="manifest_rows"):
        sign_media(
            make("wav", tmp_path),
            tmp_path / "out.wav",
            ring=ring,
            key_dir=key_dir,
            purpose="ai_training",
            export_id="exp-1",
            facts={"checkpoint_size": 3},
        )


def test_an_unsigned_file_reports_a_missing_manifest(tmp_path: Path) -> None:
    check = verify_media(make("wav", tmp_path))

    assert check == C2paCheck(
        check.path, "Missing", integrity=False, trusted=False, failures=("sayso.manifestMissing",)
    )


def box_at(data: bytes | bytearray, kind: bytes) -> int:
    """Where the top-level BMFF box ``kind`` starts (its name may occur in other boxes)."""
    at = 0
    while at < len(data):
        size, name = struct.unpack(">I4s", data[at : at + 8])
        if name == kind:
            return at
        at += size
    raise AssertionError(f"no {kind!r} box")


def write_bulky_mp4(path: Path, mib: int) -> Path:
    """An MP4 whose media data is ``mib`` MiB: packets muxed as they are, nothing encoded."""
    payload = os.urandom(MIB // 4)
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=25)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        for index in range(4 * mib):
            packet = av.Packet(payload)
            packet.pts = packet.dts = index
            packet.duration, packet.time_base = 1, Fraction(1, 25)
            packet.is_keyframe = True
            packet.stream = video
            out.mux(packet)
    return path


def test_bmff_media_data_is_hashed_in_1_mib_merkle_leaves_and_checked_leaf_by_leaf(
    tmp_path: Path, ring: KeyRing, key_dir: Path
) -> None:
    signed = sign(write_bulky_mp4(tmp_path / "in.mp4", 5), tmp_path / "out.mp4", ring, key_dir)

    with signed.open("rb") as handle, c2pa.Reader("video/mp4", handle) as reader:
        store = json.loads(reader.detailed_json())
    claim = store["manifests"][store["active_manifest"]]
    (bmff,) = [a for a in claim["assertion_store"].values() if "merkle" in a]
    (leaves,) = bmff["merkle"]
    assert leaves["count"] == 5  # 5 MiB of media data: one leaf per MiB
    # Any byte of the media data, first leaf or last, is covered.
    data = signed.read_bytes()
    media = box_at(data, b"mdat") + 16
    for at in (media, media + 5 * MIB - 1):
        edited = bytearray(data)
        edited[at] ^= 0xFF
        signed.write_bytes(bytes(edited))
        check = verify_media(signed, trust_anchors=ca_pem(key_dir))
        assert not check.integrity
        assert "assertion.bmffHash.mismatch" in check.failures


MEASURE = """
import json, resource, sys
from pathlib import Path
from sayso.exports.c2pa_sign import sign_media
from sayso.exports.c2pa_verify import verify_media
from sayso.signing.keys import load_or_create

small, big, key_dir = (Path(a) for a in sys.argv[1:])
ring = load_or_create(key_dir / "keys.json")
facts = {"checkpoint_size": 1, "manifest_rows": 1}
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
def sign(path):
    out = path.with_name("signed-" + path.name)
    sign_media(path, out, ring=ring, key_dir=key_dir, purpose="x", export_id="e", facts=facts)
    return verify_media(out).integrity
sign(small)  # everything c2pa loads once, before the peak is read
before = peak()
assert sign(big)
print(json.dumps({"before": before, "after": peak()}))
"""


def test_signing_and_checking_a_big_file_takes_no_memory_in_proportion_to_it(
    tmp_path: Path, key_dir: Path
) -> None:
    """c2pa-rs's defaults hold a file under 512 MB whole in memory, twice, to sign it, and
    read it back in 256 MB pieces: here 96 MiB would raise the peak by 192 MiB or more."""
    small = write_bulky_mp4(tmp_path / "small.mp4", 1)
    big = write_bulky_mp4(tmp_path / "big.mp4", 96)
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(small), str(big), str(key_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    peaks = json.loads(run.stdout)

    assert peaks["after"] - peaks["before"] < 32 * MIB


def test_a_wav_file_too_big_to_sign_in_memory_is_refused(
    tmp_path: Path, ring: KeyRing, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "PART_BYTES", 20_000)
    src = write_wav(tmp_path / "long.wav", speech(1.0))  # 32,044 bytes

    with pytest.raises(MediaTooLarge, match=r"long\.wav: a WAV file over 20,000 bytes"):
        sign(src, tmp_path / "out.wav", ring, key_dir)
    assert not (tmp_path / "out.wav").exists()
