"""An organisation's policy: the ceiling on what participants may allow.

A policy names the purposes available in the org, each one's legal basis, the
kinds of content it may touch, its retention and (for sharing) its recipients.
Validation rejects, naming the rule, any policy that breaks the invariants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sayso.domain.canonical import content_hash
from sayso.domain.catalogue import NEVER_CONDITIONAL, Catalogue
from sayso.errors import PolicyRejected

Basis = Literal[
    "consent",
    "legal_obligation",
    "legitimate_interest",
    "contract",
    "public_task",
    "vital_interest",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Recipient(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""


class PurposeTerms(_Strict):
    basis: Basis = "consent"
    modalities: tuple[str, ...] = Field(min_length=1)
    retention_days: int = Field(gt=0, le=36500)
    recipients: tuple[Recipient, ...] = ()
    condition_of_joining: bool = False
    # May a participant choose per kind of content, or only yes/no for the purpose?
    per_modality_choice: bool = True


class Policy(_Strict):
    """The policy document as written by an admin (``sayso policy apply FILE``)."""

    controller: str = Field(min_length=1, max_length=200)
    controller_contact: str = Field(min_length=1, max_length=200)
    jurisdiction: str = Field(min_length=2, max_length=50)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    storage_location: str = Field(min_length=1, max_length=200)
    purposes: dict[str, PurposeTerms]

    def terms(self, purpose: str) -> PurposeTerms | None:
        return self.purposes.get(purpose)

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        return content_hash(self.document())


def parse_policy(raw: object, catalogue: Catalogue) -> Policy:
    """Parse and validate a policy document; raise ``PolicyRejected`` naming the broken rule."""
    if not isinstance(raw, dict):
        raise PolicyRejected("schema", "the policy file must be a mapping (YAML or JSON object)")
    try:
        policy = Policy.model_validate(_coerce_lists(raw))
    except ValidationError as exc:
        raise PolicyRejected("schema", _describe(exc)) from None
    validate_policy(policy, catalogue)
    return policy


def _coerce_lists(raw: dict[str, Any]) -> dict[str, Any]:
    # YAML gives lists; the frozen model stores tuples. Strict mode would refuse lists.
    def fix(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(fix(v) for v in value)
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    fixed: dict[str, Any] = fix(raw)
    return fixed


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def validate_policy(policy: Policy, catalogue: Catalogue) -> None:
    """Check the rules no schema can express; the first broken rule is reported."""
    if not policy.purposes:
        raise PolicyRejected("no_purposes", "a policy must offer at least one purpose")
    for name, terms in policy.purposes.items():
        _check_purpose(name, terms, catalogue)


def _check_purpose(name: str, terms: PurposeTerms, catalogue: Catalogue) -> None:
    if name not in catalogue.purposes:
        known = ", ".join(catalogue.purposes)
        raise PolicyRejected("unknown_purpose", f"{name!r} is not a purpose; use one of {known}")
    definition = catalogue.purposes[name]
    for modality in terms.modalities:
        if modality not in catalogue.modalities:
            known = ", ".join(catalogue.modalities)
            raise PolicyRejected(
                "unknown_modality", f"{name}: {modality!r} is not a modality; use one of {known}"
            )
    if len(set(terms.modalities)) != len(terms.modalities):
        raise PolicyRejected("duplicate_modality", f"{name}: a modality is listed twice")
    if terms.condition_of_joining or (name in NEVER_CONDITIONAL and terms.basis != "consent"):
        raise PolicyRejected(
            "no_coercion",
            f"{name} cannot be a condition of joining: everyone must be able to join without "
            "saying yes (remove condition_of_joining, and use basis: consent)",
        )
    if terms.basis != "consent" and not definition.non_consent_basis_allowed:
        raise PolicyRejected(
            "basis_not_allowed",
            f"{name} may only rest on consent; a {terms.basis} basis is allowed only for "
            "recording and transcription",
        )
    _check_recipients(name, terms, definition.needs_recipients)


def _check_recipients(name: str, terms: PurposeTerms, needs: bool) -> None:
    ids = [r.id for r in terms.recipients]
    if needs and not ids:
        raise PolicyRejected("recipients_required", f"{name} must name at least one recipient")
    if not needs and ids:
        raise PolicyRejected("recipients_not_allowed", f"{name} cannot have recipients")
    if len(set(ids)) != len(ids):
        raise PolicyRejected("duplicate_recipient", f"{name}: a recipient id is listed twice")


@dataclass(frozen=True)
class PolicyChange:
    """One difference between two policy versions; ``widening`` ones need people asked again."""

    purpose: str
    text: str
    widening: bool

    def __str__(self) -> str:
        return f"{self.purpose}: {self.text}"


def policy_changes(old: Policy | None, new: Policy) -> list[PolicyChange]:
    """The differences that matter to participants, in purpose order."""
    old_purposes = old.purposes if old else {}
    changes: list[PolicyChange] = []
    for name, terms in new.purposes.items():
        before = old_purposes.get(name)
        if before is None:
            changes.append(PolicyChange(name, "purpose added", widening=True))
        else:
            changes.extend(_term_changes(name, before, terms))
    changes.extend(
        PolicyChange(name, "purpose removed", widening=False)
        for name in old_purposes
        if name not in new.purposes
    )
    return changes


def _term_changes(name: str, before: PurposeTerms, after: PurposeTerms) -> list[PolicyChange]:
    def change(text: str, widening: bool) -> PolicyChange:
        return PolicyChange(name, text, widening)

    out = [
        change(f"modality {m} added", True) for m in after.modalities if m not in before.modalities
    ]
    out += [
        change(f"modality {m} removed", False)
        for m in before.modalities
        if m not in after.modalities
    ]
    old_ids = {r.id for r in before.recipients}
    new_ids = {r.id for r in after.recipients}
    out += [change(f"recipient {r} added", True) for r in sorted(new_ids - old_ids)]
    out += [change(f"recipient {r} removed", False) for r in sorted(old_ids - new_ids)]
    if after.retention_days != before.retention_days:
        longer = after.retention_days > before.retention_days
        out.append(
            change(f"retention {before.retention_days} -> {after.retention_days} days", longer)
        )
    if after.basis != before.basis:
        out.append(change(f"legal basis {before.basis} -> {after.basis}", True))
    return out


def widens(old: Policy, new: Policy) -> bool:
    """True when ``new`` asks for more than ``old``: consents given under ``old`` need renewal."""
    return any(c.widening for c in policy_changes(old, new))
