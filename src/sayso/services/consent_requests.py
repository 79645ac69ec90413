"""A participant's request, checked against the org's policy and turned into its event.

The policy is the ceiling: a request may name only purposes, kinds of content and
recipients the current policy offers, never a purpose an admin or host turned off,
and only for meetings of the participant's own org.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.canonical import content_hash
from sayso.domain.notice import notice_terms
from sayso.domain.policy import Policy, PurposeTerms
from sayso.domain.records import (
    ConsentEvent,
    EventType,
    Scope,
    ScopeKind,
    Window,
)
from sayso.domain.records_json import EventJsonParts, event_json_parts, new_event
from sayso.errors import InvalidInput, NotAllowed, NotFound
from sayso.ledger.models import Meeting, Participant
from sayso.ledger.models import Restriction as RestrictionRow
from sayso.services.context import Context
from sayso.services.policies import PublishedPolicy, StoredNotice, current_policy, get_notice


@dataclass(frozen=True)
class ConsentRequest:
    """One decision as a participant expresses it (web page, invitation link, API, CLI)."""

    principal_id: str
    scope: Scope
    action: EventType
    purposes: tuple[str, ...]
    idempotency_key: str
    modalities: tuple[str, ...] | None = None  # None: every kind of content the policy names
    recipients: tuple[str, ...] | None = None  # None: every recipient the policy names
    indication_method: str = "web"
    capture_window: Window | None = None

    def fingerprint(self) -> str:
        return content_hash(
            {
                "scope": str(self.scope),
                "action": self.action.value,
                "purposes": list(self.purposes),
                "modalities": None if self.modalities is None else list(self.modalities),
                "recipients": None if self.recipients is None else list(self.recipients),
                "indication_method": self.indication_method,
                "capture_window": None
                if self.capture_window is None
                else [str(self.capture_window.start), str(self.capture_window.end)],
            }
        )


@dataclass
class _Checked:
    """What the policy gives every event of one request shape (same participant, scope,
    action, purposes and choices): checked and derived once per batch, then shared.

    ``fields``: the event fields every event of the shape shares; ``parts``: the text of
    their canonical JSON around the fields that vary (see ``event_json_parts``), once the
    shape's first event has been built."""

    org_id: str
    fields: dict[str, object]
    parts: EventJsonParts | None = None


_ShapeKey = tuple[
    str, str, EventType, tuple[str, ...], tuple[str, ...] | None, tuple[str, ...] | None
]


@dataclass
class BatchCache:
    """What one batch looks up once: each org's policy and notice, each checked owner,
    each request shape's checked choices."""

    policies: dict[str, tuple[PublishedPolicy, StoredNotice]] = field(default_factory=dict)
    owners: dict[tuple[str, Scope], str] = field(default_factory=dict)
    restricted: dict[tuple[str, str | None], set[str]] = field(default_factory=dict)
    org_restrictions: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    shapes: dict[_ShapeKey, _Checked] = field(default_factory=dict)


def _owner_org(session: Session, request: ConsentRequest, cache: BatchCache) -> str:
    key = (request.principal_id, request.scope)
    if key not in cache.owners:
        participant = session.get(Participant, request.principal_id)
        if participant is None:
            raise NotFound("no such participant")
        org_id = _scope_org(session, request.scope)
        if org_id != participant.org_id:
            raise NotAllowed("a participant can only decide for meetings of their own org")
        cache.owners[key] = org_id
    return cache.owners[key]


def build_event(
    session: Session,
    ctx: Context,
    request: ConsentRequest,
    cache: BatchCache,
    log_index: int,
    event_id: str,
    now: datetime,
) -> ConsentEvent:
    """The event ``request`` asks for, recorded at ``now`` (one time per batch: its events
    are committed together)."""
    key = (  # the scope as text: requests often carry equal Scopes, each its own object
        request.principal_id,
        str(request.scope),
        request.action,
        request.purposes,
        request.modalities,
        request.recipients,
    )
    checked = cache.shapes.get(key)
    if checked is None:
        checked = cache.shapes[key] = _check(session, request, cache)
    fields = {
        **checked.fields,
        "event_id": event_id,
        "event_time": now,
        "indication_method": request.indication_method,
        "capture_window": request.capture_window,
        "log_index": log_index,
        "scope": request.scope,
    }
    if checked.parts is None:
        checked.parts = event_json_parts(new_event(fields))
    return new_event(fields, checked.parts)


def new_event_ids(count: int) -> list[str]:
    """``count`` times ``str(uuid.uuid4())``, formatted from one read of random bytes:
    uuid4 and its ``str`` cost more than anything else in building an event."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # RFC 4122 variant
    h = raw.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-"
        f"{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def _check(session: Session, request: ConsentRequest, cache: BatchCache) -> _Checked:
    """The owner, policy and ceiling checks of one request shape (raising as they fail)."""
    org_id = _owner_org(session, request, cache)
    if org_id not in cache.policies:
        published = current_policy(session, org_id)
        cache.policies[org_id] = (published, get_notice(session, published.notice_hash))
    published, notice = cache.policies[org_id]
    modalities, recipients = _choices(session, published, request, cache)
    policy = published.policy
    fields: dict[str, object] = {
        "principal_id": request.principal_id,
        "org_id": org_id,
        "event_type": request.action,
        "purposes": request.purposes,
        "modalities": modalities,
        "recipients": recipients,
        "notice_hash": published.notice_hash,
        "terms": notice_terms(policy, request.purposes),
        "controller": policy.controller,
        "jurisdiction": policy.jurisdiction,
        "storage_location": policy.storage_location,
        "language": policy.language,
        "withdrawal_method": str(notice.document["withdrawal_method"]),
    }
    return _Checked(org_id, fields)


def _scope_org(session: Session, scope: Scope) -> str:
    if scope.kind is ScopeKind.MEETING:
        meeting = session.get(Meeting, scope.id)
        if meeting is None:
            raise NotFound("no such meeting")
        return meeting.org_id
    if scope.kind is ScopeKind.SERIES:
        meeting = session.execute(
            select(Meeting).where(Meeting.series_id == scope.id).limit(1)
        ).scalar_one_or_none()
        if meeting is None:
            raise NotFound("no meeting belongs to that series")
        return meeting.org_id
    return scope.id


def _choices(
    session: Session, published: PublishedPolicy, request: ConsentRequest, cache: BatchCache
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check purposes, kinds of content and recipients against the policy's ceiling."""
    if request.action is not EventType.GRANT:
        for purpose in request.purposes:
            _offered(published.policy, purpose)
        return (), ()
    offered_modalities: list[str] = []
    offered_recipients: list[str] = []
    for purpose in request.purposes:
        terms = _offered(published.policy, purpose)
        partial = request.modalities is not None and not set(terms.modalities) <= set(
            request.modalities
        )
        if partial and not terms.per_modality_choice:
            raise InvalidInput(
                f"{purpose} is offered only as a whole; grant every kind of content or none"
            )
        offered_modalities += [m for m in terms.modalities if m not in offered_modalities]
        offered_recipients += [r.id for r in terms.recipients if r.id not in offered_recipients]
    _not_restricted(session, published.org_id, request, cache)
    modalities = _subset(request.modalities, offered_modalities, "kind of content")
    recipients = _subset(request.recipients, offered_recipients, "recipient")
    return modalities, recipients


def _offered(policy: Policy, purpose: str) -> PurposeTerms:
    terms = policy.terms(purpose)
    if terms is None:
        raise InvalidInput(f"purpose {purpose!r} is not offered by this org's policy")
    return terms


def _subset(asked: tuple[str, ...] | None, offered: list[str], what: str) -> tuple[str, ...]:
    if asked is None:
        return tuple(offered)
    extra = [a for a in asked if a not in offered]
    if extra:
        raise InvalidInput(f"{what} {extra[0]!r} is not offered for these purposes")
    if len(set(asked)) != len(asked):
        raise InvalidInput(f"a {what} is listed twice")
    return asked


def _not_restricted(
    session: Session, org_id: str, request: ConsentRequest, cache: BatchCache
) -> None:
    meeting_id = request.scope.id if request.scope.kind is ScopeKind.MEETING else None
    key = (org_id, meeting_id)
    if key not in cache.restricted:
        if org_id not in cache.org_restrictions:  # one query per org and batch: they are few
            rows = session.execute(
                select(RestrictionRow.meeting_id, RestrictionRow.purpose).where(
                    RestrictionRow.org_id == org_id
                )
            )
            cache.org_restrictions[org_id] = [(m, p) for m, p in rows]
        cache.restricted[key] = {
            purpose
            for meeting, purpose in cache.org_restrictions[org_id]
            if meeting is None or meeting == meeting_id
        }
    blocked = next((p for p in request.purposes if p in cache.restricted[key]), None)
    if blocked is not None:
        raise InvalidInput(
            f"{blocked} is turned off by the org or the host, so it cannot be granted"
        )
