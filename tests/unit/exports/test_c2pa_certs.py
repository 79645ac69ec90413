"""The deployment's C2PA CA and signing certificate: made once, kept private, C2PA-shaped."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from sayso.errors import KeyFileError
from sayso.exports.c2pa_certs import ca_pem, load_or_create_chain
from sayso.exports.c2pa_sign import sign_media
from sayso.exports.c2pa_verify import verify_media
from sayso.signing.keys import load_or_create, rotate
from tests.unit.redact.media import speech, write_wav


def chain_of(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def test_the_chain_is_created_once_with_private_parts_0600(tmp_path: Path) -> None:
    ring = load_or_create(tmp_path / "keys.json")
    assert ca_pem(tmp_path) is None

    first = load_or_create_chain(ring, tmp_path)
    again = load_or_create_chain(ring, tmp_path)

    assert first == again
    assert first.ca_pem == ca_pem(tmp_path)
    folder = tmp_path / "c2pa"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "ca.key").stat().st_mode) == 0o600
    assert not list(folder.glob("*.tmp"))


def test_the_signing_certificate_has_the_profile_c2pa_requires(tmp_path: Path) -> None:
    ring = load_or_create(tmp_path / "keys.json")
    signer, ca = chain_of(load_or_create_chain(ring, tmp_path).chain_pem)

    assert signer.public_key() == ring.active.public_key()
    assert signer.issuer == ca.subject != signer.subject
    signer.verify_directly_issued_by(ca)
    assert signer.version == x509.Version.v3
    basic = signer.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert not basic.value.ca
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku
    aki = signer.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_rotated_key_gets_its_own_certificate_and_old_files_still_verify(
    tmp_path: Path,
) -> None:
    ring = load_or_create(tmp_path / "keys.json")
    old = tmp_path / "old.wav"
    sign_media(
        write_wav(tmp_path / "src.wav", speech(0.5)),
        old,
        ring=ring,
        key_dir=tmp_path,
        purpose="ai_training",
        export_id="exp-1",
        facts={"checkpoint_size": 1, "manifest_rows": 1},
    )
    before = load_or_create_chain(ring, tmp_path)

    after = load_or_create_chain(rotate(tmp_path / "keys.json"), tmp_path)

    assert after.ca_pem == before.ca_pem
    assert chain_of(after.chain_pem)[0] != chain_of(before.chain_pem)[0]
    check = verify_media(old, trust_anchors=ca_pem(tmp_path))
    assert check.integrity
    assert check.trusted


def test_a_ca_key_others_can_read_is_refused(tmp_path: Path) -> None:
    ring = load_or_create(tmp_path / "keys.json")
    load_or_create_chain(ring, tmp_path)
    (tmp_path / "c2pa" / "ca.key").chmod(0o644)

    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_chain(ring, tmp_path)
