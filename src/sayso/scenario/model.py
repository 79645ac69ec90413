"""The scenario file format: a public contract, documented by its JSON Schema.

``sayso scenario schema`` prints the schema; docs/scenario.schema.json is the
committed copy (a test fails when it is stale). Keep changes backward compatible.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sayso.errors import InvalidInput

ACTIONS = ("grant", "refuse", "pause", "resume", "withdraw")
_OFFSET = re.compile(r"^(-?)(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_offset(text: str) -> timedelta:
    """``10m``, ``-1d``, ``0s``, ``1.5h``: an offset from the meeting's start."""
    match = _OFFSET.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an offset like 10m, -1d, 0s or 1.5h")
    sign, amount, unit = match.groups()
    value = timedelta(**{_UNITS[unit]: float(amount)})
    return -value if sign else value


class Decision(_Strict):
    """One action at one moment; exactly one of the action keys."""

    at: str = Field(description="Offset from starts_at: s, m, h, d; negative = before.")
    grant: list[str] | None = None
    refuse: list[str] | None = None
    pause: list[str] | None = None
    resume: list[str] | None = None
    withdraw: list[str] | None = None
    modalities: list[str] | None = Field(
        default=None, description="For grant: the kinds of content (default: all offered)."
    )

    @field_validator("at")
    @classmethod
    def _offset(cls, value: str) -> str:
        parse_offset(value)
        return value

    @model_validator(mode="after")
    def _one_action(self) -> Decision:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(f"name exactly one action of {', '.join(ACTIONS)}")
        if not getattr(self, given[0]):
            raise ValueError(f"{given[0]} needs at least one purpose")
        if self.modalities is not None and given[0] != "grant":
            raise ValueError("modalities go with grant only")
        return self

    @property
    def action(self) -> str:
        return next(a for a in ACTIONS if getattr(self, a) is not None)

    @property
    def purposes(self) -> list[str]:
        value: list[str] = getattr(self, self.action)
        return value

    @property
    def offset(self) -> timedelta:
        return parse_offset(self.at)


class Person(_Strict):
    name: str = Field(min_length=1, max_length=200, description="As in the archive.")
    email: str | None = Field(default=None, max_length=320)
    decisions: list[Decision] = Field(default_factory=list)


class MeetingSpec(_Strict):
    title: str = Field(min_length=1, max_length=200)
    starts_at: datetime = Field(description="With a time zone, e.g. 2024-03-01T10:00:00Z.")

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give starts_at with its time zone, e.g. 2024-03-01T10:00:00Z")
        return value


class ArchiveSpec(_Strict):
    format: Literal["zoom", "teams", "otter", "manifest"]
    path: str = Field(description="The export folder, relative to the scenario file.")


class Scenario(_Strict):
    org: str = Field(min_length=1, max_length=200)
    policy: str = Field(
        default="all-by-consent",
        description="`all-by-consent`, or a path (relative to this file) to a policy file.",
    )
    meeting: MeetingSpec
    participants: list[Person] = Field(min_length=1, max_length=500)
    archive: ArchiveSpec | None = None


def load_scenario(raw: object) -> Scenario:
    """Validate a scenario document; ``InvalidInput`` names the field and what to fix."""
    if not isinstance(raw, dict):
        raise InvalidInput("a scenario file must be a YAML mapping (org, meeting, participants)")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise InvalidInput(f"scenario field {where}: {first['msg']}") from None


def json_schema() -> dict[str, object]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Sayso scenario"
    return schema
