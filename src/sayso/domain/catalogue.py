"""Purposes and modalities are data: a catalogue, loaded from packaged YAML."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from sayso.errors import InvalidInput, UnknownModality, UnknownPurpose

# Purposes that may never be made a condition of joining, whatever the policy says.
NEVER_CONDITIONAL = frozenset(
    {"ai_training", "ai_features", "product_improvement", "third_party_sharing"}
)


@dataclass(frozen=True)
class PurposeDef:
    name: str
    label: str
    sentence: str
    non_consent_basis_allowed: bool
    needs_recipients: bool


@dataclass(frozen=True)
class ModalityDef:
    name: str
    label: str
    plain: str


@dataclass(frozen=True)
class Catalogue:
    purposes: dict[str, PurposeDef]
    modalities: dict[str, ModalityDef]

    @classmethod
    def from_yaml(cls, text: str) -> Catalogue:
        """Build a catalogue from its YAML form (the packaged default or an org's own)."""
        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise InvalidInput("the catalogue must be a mapping with 'purposes' and 'modalities'")
        return cls(
            purposes={k: _purpose(k, v) for k, v in _section(raw, "purposes").items()},
            modalities={k: _modality(k, v) for k, v in _section(raw, "modalities").items()},
        )

    def purpose(self, name: str) -> PurposeDef:
        try:
            return self.purposes[name]
        except KeyError:
            known = ", ".join(self.purposes)
            raise UnknownPurpose(f"unknown purpose {name!r}; known purposes: {known}") from None

    def modality(self, name: str) -> ModalityDef:
        try:
            return self.modalities[name]
        except KeyError:
            known = ", ".join(self.modalities)
            raise UnknownModality(f"unknown modality {name!r}; known modalities: {known}") from None


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict) or not value:
        raise InvalidInput(f"the catalogue needs a non-empty mapping '{key}'")
    return value


def _purpose(name: str, raw: dict[str, Any]) -> PurposeDef:
    return PurposeDef(
        name=name,
        label=str(raw["label"]),
        sentence=str(raw["sentence"]),
        non_consent_basis_allowed=bool(raw.get("non_consent_basis_allowed", False)),
        needs_recipients=bool(raw.get("needs_recipients", False)),
    )


def _modality(name: str, raw: dict[str, Any]) -> ModalityDef:
    return ModalityDef(name=name, label=str(raw["label"]), plain=str(raw["plain"]))


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with Sayso (read once, on first use, never at import)."""
    text = resources.files("sayso.domain").joinpath("catalogue.yaml").read_text("utf-8")
    return Catalogue.from_yaml(text)
