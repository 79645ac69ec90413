"""The X.509 chain C2PA needs around the deployment's Ed25519 key.

C2PA signs with a certificate, not a bare key, and refuses a self-signed end-entity
certificate. So each deployment gets a small CA of its own (created on first use,
its key 0600 beside the key file) that certifies the active signing key; a new key
after rotation gets a new certificate from the same CA. Auditors can take
``<key dir>/c2pa/ca.pem`` as their trust anchor. The signing key itself never
leaves the key ring: only its certificate lives here.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sayso.errors import KeyFileError
from sayso.signing.keys import KeyRing, key_id

FOLDER = "c2pa"
CA_KEY = "ca.key"  # the CA's private key and its certificate, mode 0600
CA_CERT = "ca.pem"  # the CA certificate alone: the trust anchor to hand to verifiers
# id-kp-documentSigning (RFC 9336); C2PA accepts it beside id-kp-emailProtection.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CA_YEARS = 30
# No timestamp authority is reachable offline, so validators judge a manifest by the
# certificate's validity *now*: a long life keeps old exports verifiable.
SIGNER_YEARS = 10
RENEW_BEFORE = timedelta(days=90)


@dataclass(frozen=True)
class CertChain:
    """PEM of the signing certificate followed by the CA's, as C2PA embeds it."""

    chain_pem: str
    ca_pem: str


def load_or_create_chain(ring: KeyRing, key_dir: Path) -> CertChain:
    """The chain for the ring's active key, creating the CA and certificate on first use."""
    folder = key_dir / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key, ca_cert = _load_or_create_ca(folder)
    ca_pem = ca_cert.public_bytes(Encoding.PEM)
    _write_public(folder / CA_CERT, ca_pem)
    public = ring.active.public_key()
    path = folder / f"signer-{key_id(public).split(':')[-1]}.pem"
    cert = _read_signer(path, ca_cert)
    if cert is None:
        cert = _issue_signer(public, ca_key, ca_cert)
        _write_public(path, cert.public_bytes(Encoding.PEM) + ca_pem)
    return CertChain((cert.public_bytes(Encoding.PEM) + ca_pem).decode(), ca_pem.decode())


def ca_pem(key_dir: Path) -> str | None:
    """The deployment CA certificate (a verifier's trust anchor), if one was made."""
    path = key_dir / FOLDER / CA_CERT
    return path.read_text("ascii") if path.exists() else None


def _load_or_create_ca(folder: Path) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    path = folder / CA_KEY
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        cert = _issue_ca(key)
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        _create_private(path, pem + cert.public_bytes(Encoding.PEM))
    return _read_ca(path)


def _read_ca(path: Path) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"C2PA CA key {path} is readable by others; run `chmod 600 {path}`")
    try:
        data = path.read_bytes()
        key = load_pem_private_key(data, password=None)
        cert = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE") :])
    except ValueError:
        raise KeyFileError(f"C2PA CA key {path} is damaged; restore it from your backup") from None
    if not isinstance(key, Ed25519PrivateKey) or cert.public_key() != key.public_key():
        raise KeyFileError(f"C2PA CA key {path} does not hold a matching Ed25519 key and cert")
    return key, cert


def _read_signer(path: Path, ca_cert: x509.Certificate) -> x509.Certificate | None:
    """The stored certificate, unless it is missing, near its end, or from another CA."""
    if not path.exists():
        return None
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return None
    if cert.issuer != ca_cert.subject or cert.not_valid_after_utc < _now() + RENEW_BEFORE:
        return None
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return None
    return cert


def _issue_ca(key: Ed25519PrivateKey) -> x509.Certificate:
    name = _name("Sayso deployment C2PA CA")
    return (
        _base(name, name, key.public_key(), CA_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign_certs=True), critical=True)
        .sign(key, None)
    )


def _issue_signer(
    public: Ed25519PublicKey, ca_key: Ed25519PrivateKey, ca_cert: x509.Certificate
) -> x509.Certificate:
    """An end-entity certificate with the profile C2PA validators check."""
    usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]
    return (
        _base(_name(f"Sayso export signer {key_id(public)}"), ca_cert.subject, public, SIGNER_YEARS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign_certs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, None)
    )


def _base(
    subject: x509.Name, issuer: x509.Name, public: Ed25519PublicKey, years: int
) -> x509.CertificateBuilder:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))  # tolerate a verifier's clock skew
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def _key_usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certs,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sayso deployment"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _create_private(path: Path, data: bytes) -> None:
    """Write a new 0600 file; when another process made it first, theirs wins."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _write_public(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
