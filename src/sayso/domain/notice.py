"""Plain-language notices generated from a policy version, hashed: the hash is the version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sayso.domain.canonical import content_hash
from sayso.domain.catalogue import Catalogue
from sayso.domain.policy import Policy, PurposeTerms
from sayso.domain.records import NoticeTerms

BASIS_WORDS = {
    "legal_obligation": "the law requires it",
    "legitimate_interest": "it has a legitimate need to",
    "contract": "it needs to for a contract with you",
    "public_task": "it is part of a public task",
    "vital_interest": "it is needed to protect someone's life",
}

CHANGE_YOUR_MIND = (
    "You can change your mind at any time, during or after the meeting. "
    "Use the meeting page or your My data page. "
    "Saying no is as easy as saying yes. It stops every use from then on."
)


@dataclass(frozen=True)
class Notice:
    """What a participant is shown: ``text`` for people, ``document`` for machines."""

    hash: str
    org_name: str
    policy_version: int
    language: str
    text: str
    document: dict[str, Any]


def generate_notice(
    policy: Policy, policy_version: int, org_name: str, catalogue: Catalogue
) -> Notice:
    """Write the notice for one policy version; equal inputs give an equal hash."""
    purposes = [_purpose_entry(name, terms, catalogue) for name, terms in policy.purposes.items()]
    text = _render_text(policy, org_name, purposes)
    document: dict[str, Any] = {
        "org": org_name,
        "controller": policy.controller,
        "controller_contact": policy.controller_contact,
        "jurisdiction": policy.jurisdiction,
        "storage_location": policy.storage_location,
        "language": policy.language,
        "policy_version": policy_version,
        "purposes": purposes,
        "withdrawal_method": CHANGE_YOUR_MIND,
        "text": text,
    }
    return Notice(
        hash=content_hash(document),
        org_name=org_name,
        policy_version=policy_version,
        language=policy.language,
        text=text,
        document=document,
    )


def _purpose_entry(name: str, terms: PurposeTerms, catalogue: Catalogue) -> dict[str, Any]:
    definition = catalogue.purpose(name)
    plain = _join([catalogue.modality(m).plain for m in terms.modalities])
    return {
        "purpose": name,
        "label": definition.label,
        "basis": terms.basis,
        "modalities": list(terms.modalities),
        "retention_days": terms.retention_days,
        "recipients": [r.model_dump() for r in terms.recipients],
        "per_modality_choice": terms.per_modality_choice,
        "sentence": definition.sentence.format(modalities=plain),
    }


def _render_text(policy: Policy, org_name: str, purposes: list[dict[str, Any]]) -> str:
    controller = policy.controller
    who = (
        f"{controller}, the account owner of this meeting"
        if controller == org_name
        else f"{controller}, for {org_name}, the account owner of this meeting"
    )
    lines = [
        f"{who}, asks how it may use what you say and show in this meeting.",
        "You can join without saying yes to anything.",
        "",
    ]
    for entry in purposes:
        lines.extend(_purpose_lines(entry))
        lines.append("")
    lines += [
        CHANGE_YOUR_MIND,
        f"Your data is kept in {policy.storage_location}. "
        f"The rules of {policy.jurisdiction} apply.",
        f"Questions? Write to {policy.controller_contact}.",
    ]
    return "\n".join(lines) + "\n"


def _purpose_lines(entry: dict[str, Any]) -> list[str]:
    lines = [f"{entry['label']}: {entry['sentence']}"]
    if entry["basis"] == "consent":
        lines.append("This is only done to you if you say yes.")
    else:
        reason = BASIS_WORDS[entry["basis"]]
        lines.append(
            f"We do this because {reason}. If you say no, you still join, "
            "but only to listen. Then nothing of yours is kept."
        )
    for recipient in entry["recipients"]:
        extra = f" ({recipient['description']})" if recipient["description"] else ""
        lines.append(f"We would give it to {recipient['name']}{extra}.")
    lines.append(f"We keep it for {_days(entry['retention_days'])}, then delete it.")
    return lines


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def notice_terms(policy: Policy, purposes: Iterable[str]) -> dict[str, NoticeTerms]:
    """What the notice of ``policy`` says about each purpose: frozen into a consent event."""
    out: dict[str, NoticeTerms] = {}
    for purpose in purposes:
        terms = policy.terms(purpose)
        if terms is not None:
            out[purpose] = NoticeTerms(
                basis=terms.basis,
                modalities=terms.modalities,
                retention_days=terms.retention_days,
                recipients=tuple(r.id for r in terms.recipients),
            )
    return out
