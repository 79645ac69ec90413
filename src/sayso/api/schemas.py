"""Request and response bodies. Requests are strict: a ``0`` is not a boolean, extra
fields are refused, and each model carries an example (the docs and the access test
use them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PURPOSE = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["ai_training"])
KEY = Field(
    min_length=1,
    max_length=100,
    description="Any unique string; sending the same request again with it changes nothing.",
    examples=["3f0c2a4e-decide-1"],
)


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ChoiceIn(Strict):
    purpose: str = PURPOSE
    answer: Literal["yes", "no"]
    modalities: list[str] | None = Field(
        default=None,
        description="For a yes: the kinds of content it covers (default: all the policy names).",
    )


class DecisionsIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "choices": [
                        {"purpose": "recording", "answer": "yes"},
                        {"purpose": "ai_training", "answer": "no"},
                    ],
                    "idempotency_key": "3f0c2a4e-decide-1",
                }
            ]
        },
    )
    choices: list[ChoiceIn] = Field(min_length=1, max_length=20)
    idempotency_key: str = KEY


class ActionIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"purposes": ["ai_training"], "idempotency_key": "3f0c2a4e-withdraw-1"}]
        },
    )
    purposes: list[str] | None = Field(
        default=None, max_length=20, description="Default: every purpose the action applies to."
    )
    idempotency_key: str = KEY


class ReceiptOut(BaseModel):
    record_id: str
    log_index: int
    jws: str = Field(description="The signed receipt (compact JWS, Ed25519).")
    text: str = Field(description="The same receipt, for people to read.")
    replayed: bool = Field(description="True when the idempotency key had been used already.")


class StandingOut(BaseModel):
    purpose: str
    label: str
    basis: str
    answer: Literal["none", "yes", "no", "withdrawn", "ended", "renew"]
    modalities: list[str]
    offered_modalities: list[str]
    capturing: bool
    restricted: bool = Field(description="Turned off by the org or the host: cannot be granted.")
    record_id: str | None


class MeetingOut(BaseModel):
    id: str
    title: str
    starts_at: datetime


class MyMeetingOut(BaseModel):
    meeting: MeetingOut
    org: str
    notice_hash: str
    notice_text: str
    listen_only: bool
    purposes: list[StandingOut]


class EventOut(BaseModel):
    record_id: str
    log_index: int | None
    meeting_id: str | None
    event_type: str
    status: str
    purposes: list[str]
    modalities: list[str]
    event_time: datetime
    indication_method: str
    notice_hash: str


class ExportOut(BaseModel):
    export_id: str
    purpose: str
    recipient: str | None
    status: str
    items: int
    created_at: datetime


class MyDataOut(BaseModel):
    display_name: str
    meetings: list[MeetingOut]
    events: list[EventOut]
    exports: list[ExportOut]


class GuestIn(Strict):
    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [{"display_name": "Sam"}]}
    )
    display_name: str = Field(min_length=1, max_length=200)


class GuestOut(BaseModel):
    meeting_id: str
    join_secret: str = Field(description="Your personal credential: keep it; it is shown once.")
    join_url: str


class InviteeIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class MeetingIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Job interview",
                    "starts_at": "2030-03-01T10:00:00Z",
                    "invitees": [{"name": "Diane Candidate", "email": "diane@example.org"}],
                    "guest_link": True,
                }
            ]
        },
    )
    title: str = Field(min_length=1, max_length=200)
    # JSON has no datetime type: the ISO string is parsed (strict elsewhere).
    starts_at: datetime = Field(
        strict=False, description="With a time zone, e.g. 2030-03-01T10:00:00Z."
    )
    invitees: list[InviteeIn] = Field(default_factory=list, max_length=500)
    guest_link: bool = False


class InvitationOut(BaseModel):
    name: str
    email: str | None
    url: str = Field(description="The invitee's personal link (shown once).")
    text: str = Field(description="The invitation text, with the notice summary and the link.")


class ScheduledOut(BaseModel):
    meeting: MeetingOut
    invitations: list[InvitationOut]
    guest_url: str | None


class RestrictionIn(Strict):
    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [{"purpose": "ai_training"}]}
    )
    purpose: str = PURPOSE


class RestrictionOut(BaseModel):
    purpose: str
    meeting_id: str | None


class PolicyIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "document": {
                        "controller": "Acme Corp",
                        "controller_contact": "privacy@acme.example",
                        "jurisdiction": "EU (GDPR)",
                        "storage_location": "the EU",
                        "purposes": {
                            "recording": {"modalities": ["audio", "video"], "retention_days": 30}
                        },
                    }
                }
            ]
        },
    )
    document: dict[str, Any] = Field(description="The policy, as in `sayso policy apply`.")


class PolicyOut(BaseModel):
    version: int
    notice_hash: str
    widens: bool
    unchanged: bool
    document: dict[str, Any]
    changes: list[str]


class NoticeOut(BaseModel):
    hash: str
    policy_version: int
    language: str
    text: str
    document: dict[str, Any]


class CountsOut(BaseModel):
    meeting_id: str
    title: str
    starts_at: datetime
    invited: int
    counts: dict[str, dict[str, int]] = Field(
        description=(
            "Per purpose, how many people's latest decision has each status "
            "(NeedsRenewal: a yes the current policy widens; they are asked again)."
        )
    )


class TokenIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={"examples": [{"role": "export", "purpose": "ai_training"}]},
    )
    role: Literal["admin", "host", "export"]
    meeting_id: str | None = None
    purpose: str | None = None
    label: str | None = Field(default=None, max_length=200)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored.")
    role: str


class SignInIn(Strict):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "admin@acme.example", "password": "correct horse battery"}]
        },
    )
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class SessionOut(BaseModel):
    token: str = Field(description="A session token (12 hours), usable as a Bearer token.")
    role: str


class CheckpointOut(BaseModel):
    size: int
    root: str = Field(description="Base64 of the RFC 6962 root hash.")
    note: str = Field(description="The signed checkpoint (C2SP tlog-checkpoint).")
    key_id: str


class ProofOut(BaseModel):
    hashes: list[str] = Field(description="Base64 hashes, in RFC 9162 order.")


class InclusionOut(ProofOut):
    index: int
    size: int
    leaf_hash: str


class ConsistencyOut(ProofOut):
    first: int
    second: int


class LeavesOut(BaseModel):
    start: int
    commitments: list[str] = Field(
        description="Base64 leaf data: salted commitments, never personal data."
    )


class ReceiptIn(Strict):
    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [{"jws": "eyJ..."}]}
    )
    jws: str = Field(min_length=1, max_length=100_000)


class ReceiptCheckOut(BaseModel):
    valid: bool
    record_id: str
    log_index: int
    checkpoint_size: int
    in_live_log: bool
    detail: str


class ProblemOut(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str = Field(description="What went wrong, in words a person can act on.")
    errors: list[dict[str, str]] | None = Field(
        default=None, description="For a 422 on the request's shape: each field and its problem."
    )
    rule: str | None = Field(default=None, description="For a rejected policy: the rule broken.")


PROBLEM_REF = "#/components/schemas/ProblemOut"  # app.py adds ProblemOut to the components
_PROBLEM_TEXT = {
    400: "The body could not be read (not JSON).",
    401: "No credential, or an unknown, expired or revoked one.",
    403: "The credential may not do this.",
    404: "No such thing, or not one this credential may see.",
    409: "Conflicts with what is stored (e.g. an idempotency key reused for another request).",
    422: "The request is not valid: its shape, or what it asks for.",
    429: "Too many attempts from this client; wait a minute.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem+json errors a route can answer with."""
    return {
        code: {
            "description": _PROBLEM_TEXT[code],
            "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
        }
        for code in codes
    }
