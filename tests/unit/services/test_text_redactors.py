"""Every text kind ingest reads has a redactor on export and a content check in the audit."""

from __future__ import annotations

from sayso.ingest.manifest import TEXT_KINDS
from sayso.services.auditing_text import TEXT_CHECKS
from sayso.services.exporting_files import TEXT_REDACTORS


def test_every_text_kind_has_a_redactor_and_an_audit_check() -> None:
    assert set(TEXT_REDACTORS) == set(TEXT_KINDS)
    assert set(TEXT_CHECKS) == set(TEXT_KINDS)
