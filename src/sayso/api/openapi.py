"""The committed OpenAPI document: ``python -m sayso.api.openapi > docs/openapi.json``.

A test fails when the committed copy is stale.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sayso.services.context import Context
from sayso.settings import Settings
from sayso.signing.keys import KeyRing


def render() -> str:
    from sayso.app import create_app

    settings = Settings(database_url="sqlite:///:memory:")
    # A throwaway key: the document does not depend on it, and no key file is written.
    ctx = Context(settings=settings, keyring=KeyRing(Ed25519PrivateKey.generate(), []))
    document = create_app(settings, ctx).openapi()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
