"""Read an exported file's C2PA manifest back: what it allows, which export, and whether
the signature and content hashes still hold.

Integrity and trust are reported apart. Integrity (the claim signature verifies and
every hash matches the bytes) is what an edited file loses. Trust (the certificate
chains to an anchor the verifier accepts) depends on the verifier: a deployment's own
CA is unknown to everyone else, so without ``trust_anchors`` c2pa reports the file as
valid but untrusted; given the deployment's ``ca.pem`` it reports it as trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa  # type: ignore[import-untyped]

from sayso.exports.c2pa_sign import EXPORT_LABEL, TRAINING_MINING_LABEL, media_type

# Failure codes that speak to trust, not to integrity.
TRUST_CODES = frozenset({"signingCredential.untrusted"})
MISSING = "sayso.manifestMissing"
UNREADABLE = "sayso.manifestUnreadable"


@dataclass(frozen=True)
class C2paCheck:
    path: Path
    state: str  # c2pa's "Trusted", "Valid" or "Invalid"; "Missing" or "Unreadable" otherwise
    integrity: bool
    trusted: bool
    training_mining: dict[str, str] = field(default_factory=dict)  # entry -> use
    export: dict[str, Any] | None = None  # the org.sayso.export assertion
    title: str | None = None  # the file name it was signed under
    failures: tuple[str, ...] = ()  # c2pa failure codes (or ours, for no manifest at all)

    def allowed_uses(self) -> set[str]:
        return {entry for entry, use in self.training_mining.items() if use == "allowed"}


def verify_media(path: Path, *, trust_anchors: str | None = None) -> C2paCheck:
    """Validate ``path``'s manifest; ``trust_anchors`` is PEM (e.g. the deployment's CA)."""
    kind = media_type(path)
    try:
        with (
            path.open("rb") as handle,
            c2pa.Reader(kind, handle, None, _context(trust_anchors)) as r,
        ):
            state = str(r.get_validation_state())
            results = r.get_validation_results() or {}
            manifest = r.get_active_manifest() or {}
    except c2pa.C2paError.ManifestNotFound:
        return C2paCheck(path, "Missing", integrity=False, trusted=False, failures=(MISSING,))
    except c2pa.C2paError as error:
        code = f"{UNREADABLE}: {error}"
        return C2paCheck(path, "Unreadable", integrity=False, trusted=False, failures=(code,))
    failures = tuple(f["code"] for f in results.get("activeManifest", {}).get("failure", []))
    assertions = {a["label"]: a.get("data") for a in manifest.get("assertions", [])}
    entries = (assertions.get(TRAINING_MINING_LABEL) or {}).get("entries", {})
    return C2paCheck(
        path,
        state,
        integrity=state in {"Valid", "Trusted"} and set(failures) <= TRUST_CODES,
        trusted=state == "Trusted",
        training_mining={name: str(value.get("use")) for name, value in entries.items()},
        export=assertions.get(EXPORT_LABEL),
        title=manifest.get("title"),
        failures=failures,
    )


def _context(trust_anchors: str | None) -> Any:
    # Verification stays offline: no remote manifests, no OCSP.
    settings: dict[str, Any] = {
        "verify": {"verify_trust": True, "remote_manifest_fetch": False, "ocsp_fetch": False}
    }
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    return c2pa.Context(c2pa.Settings.from_dict(settings))
