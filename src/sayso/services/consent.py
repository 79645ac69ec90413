"""Consent writes: every decision is validated, appended to the history and the log in
one transaction, and answered with a signed receipt once that transaction commits."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from sayso.domain.canonical import canonical_json, content_hash
from sayso.domain.fold import fold_events
from sayso.domain.notice import notice_terms
from sayso.domain.policy import Policy, PurposeTerms
from sayso.domain.records import (
    INDICATION_METHODS,
    ConsentEvent,
    ConsentRecord,
    EventType,
    Scope,
    ScopeKind,
    Window,
    record_to_document,
)
from sayso.errors import Conflict, InvalidInput, NotAllowed, NotFound
from sayso.ledger import log_store
from sayso.ledger.log_store import pairs_superset
from sayso.ledger.models import ConsentEventRow, ConsentStateRow, Meeting, Participant
from sayso.ledger.models import Restriction as RestrictionRow
from sayso.services.context import Actor, ActorKind, Context
from sayso.services.policies import (
    PublishedPolicy,
    StoredNotice,
    current_policy,
    get_notice,
)
from sayso.signing.receipts import ReceiptSigner, commitment, receipt_payload
from sayso.transparency import NodeKey, inclusion_proof, root_from_source

PARTICIPANT_ACTIONS = frozenset(
    {EventType.GRANT, EventType.REFUSE, EventType.PAUSE, EventType.RESUME, EventType.WITHDRAW}
)


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


@dataclass(frozen=True)
class Receipt:
    record_id: str
    log_index: int
    jws: str
    payload: dict[str, object]
    replayed: bool = False


def record_decisions(
    session: Session, ctx: Context, actor: Actor, requests: Sequence[ConsentRequest]
) -> list[Receipt]:
    """Append the decisions (one checkpoint for the batch) and return their receipts.

    The caller's unit of work commits; show "saved" only after it has.
    """
    for request in requests:
        _authorise(actor, request)
    size = log_store.lock_head(session)  # before the idempotency check: no race on keys
    replays = _replays(session, requests)
    fresh = _dedupe([r for r in requests if _key(r) not in replays])
    known: dict[NodeKey, bytes] = {}
    if fresh:
        cache = BatchCache()
        events = [_build_event(session, ctx, r, cache) for r in fresh]
        salts = [os.urandom(32) for _ in events]
        docs = [e.to_document() for e in events]
        commitments = [commitment(s, d) for s, d in zip(salts, docs, strict=True)]
        appended = log_store.append(session, size, commitments)
        _insert_events(session, fresh, events, docs, salts, appended.first_index)
        _refresh_state(session, {(e.principal_id, str(e.scope)) for e in events})
        size, root, known = appended.size, appended.root, appended.nodes
    else:
        root = root_from_source(size, log_store.DbNodeSource(session))
    note = log_store.store_checkpoint(
        session, ctx.origin, size, root, ctx.note_signer(), ctx.keyring.active_kid, ctx.clock()
    )
    return _receipts(session, ctx, requests, set(replays), size, note, known)


def _key(request: ConsentRequest) -> tuple[str, str]:
    return (request.principal_id, request.idempotency_key)


def _authorise(actor: Actor, request: ConsentRequest) -> None:
    if actor.kind is not ActorKind.PARTICIPANT or actor.subject_id != request.principal_id:
        raise NotAllowed("only the participant themselves can change their consent")
    if request.action not in PARTICIPANT_ACTIONS:
        raise NotAllowed(f"a participant cannot {request.action.value} consent")
    if not 1 <= len(request.idempotency_key) <= 128:
        raise InvalidInput("an idempotency key must be 1 to 128 characters")
    if request.indication_method not in INDICATION_METHODS:
        raise InvalidInput(
            f"indication method must be one of {', '.join(sorted(INDICATION_METHODS))}"
        )
    if not request.purposes:
        raise InvalidInput("name at least one purpose")


def _dedupe(requests: Sequence[ConsentRequest]) -> list[ConsentRequest]:
    seen: dict[tuple[str, str], ConsentRequest] = {}
    for r in requests:
        key = _key(r)
        if key in seen and seen[key].fingerprint() != r.fingerprint():
            raise Conflict("the same idempotency key was used twice for different decisions")
        seen.setdefault(key, r)
    return list(seen.values())


def _rows_by_key(
    session: Session, requests: Sequence[ConsentRequest]
) -> dict[tuple[str, str], ConsentEventRow]:
    keys = sorted({_key(r) for r in requests})
    rows = session.execute(
        select(ConsentEventRow).where(
            pairs_superset(ConsentEventRow.principal_id, ConsentEventRow.idempotency_key, keys)
        )
    ).scalars()
    wanted = set(keys)
    return {
        (row.principal_id, row.idempotency_key): row
        for row in rows
        if (row.principal_id, row.idempotency_key) in wanted
    }


def _replays(
    session: Session, requests: Sequence[ConsentRequest]
) -> dict[tuple[str, str], ConsentEventRow]:
    """Requests whose idempotency key was already recorded: answered, never appended again."""
    found = _rows_by_key(session, requests)
    for r in requests:
        row = found.get(_key(r))
        if row is not None and row.request_hash != r.fingerprint():
            raise Conflict("this idempotency key was already used for a different decision")
    return found


@dataclass
class BatchCache:
    """What one batch looks up once: each org's policy and notice, each checked owner."""

    policies: dict[str, tuple[PublishedPolicy, StoredNotice]] = field(default_factory=dict)
    owners: dict[tuple[str, Scope], str] = field(default_factory=dict)
    restricted: dict[tuple[str, str | None], set[str]] = field(default_factory=dict)


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


def _build_event(
    session: Session, ctx: Context, request: ConsentRequest, cache: BatchCache
) -> ConsentEvent:
    org_id = _owner_org(session, request, cache)
    if org_id not in cache.policies:
        published = current_policy(session, org_id)
        cache.policies[org_id] = (published, get_notice(session, published.notice_hash))
    published, notice = cache.policies[org_id]
    modalities, recipients = _choices(session, published, request, cache)
    policy = published.policy
    return ConsentEvent(
        event_id=str(uuid.uuid4()),
        principal_id=request.principal_id,
        org_id=org_id,
        scope=request.scope,
        event_type=request.action,
        purposes=request.purposes,
        modalities=modalities,
        recipients=recipients,
        event_time=ctx.clock(),
        notice_hash=published.notice_hash,
        terms=notice_terms(policy, request.purposes),
        controller=policy.controller,
        jurisdiction=policy.jurisdiction,
        storage_location=policy.storage_location,
        language=policy.language,
        withdrawal_method=str(notice.document["withdrawal_method"]),
        indication_method=request.indication_method,
        capture_window=request.capture_window,
    )


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
        cache.restricted[key] = set(
            session.execute(
                select(RestrictionRow.purpose).where(
                    RestrictionRow.org_id == org_id,
                    RestrictionRow.meeting_id.is_(None) | (RestrictionRow.meeting_id == meeting_id),
                )
            ).scalars()
        )
    blocked = next((p for p in request.purposes if p in cache.restricted[key]), None)
    if blocked is not None:
        raise InvalidInput(
            f"{blocked} is turned off by the org or the host, so it cannot be granted"
        )


def _insert_events(
    session: Session,
    requests: Sequence[ConsentRequest],
    events: Sequence[ConsentEvent],
    docs: Sequence[dict[str, object]],
    salts: Sequence[bytes],
    first_index: int,
) -> None:
    rows = [
        {
            "event_id": event.event_id,
            "log_index": first_index + i,
            "principal_id": event.principal_id,
            "org_id": event.org_id,
            "scope": str(event.scope),
            "event_type": event.event_type.value,
            "event_time": event.event_time,
            "idempotency_key": request.idempotency_key,
            "request_hash": request.fingerprint(),
            "document": canonical_json(doc).decode(),
            "salt": salt,
        }
        for i, (request, event, doc, salt) in enumerate(
            zip(requests, events, docs, salts, strict=True)
        )
    ]
    session.execute(insert(ConsentEventRow), rows)


def events_for(session: Session, pairs: set[tuple[str, str]]) -> list[ConsentEvent]:
    """Every event of the given (participant, scope) pairs, in log order."""
    if not pairs:
        return []
    rows = session.execute(
        select(
            ConsentEventRow.principal_id,
            ConsentEventRow.scope,
            ConsentEventRow.document,
            ConsentEventRow.log_index,
        )
        .where(pairs_superset(ConsentEventRow.principal_id, ConsentEventRow.scope, sorted(pairs)))
        .order_by(ConsentEventRow.log_index)
    )
    return [
        ConsentEvent.from_document(json.loads(doc), idx)
        for who, scope, doc, idx in rows
        if (who, scope) in pairs
    ]


def _refresh_state(session: Session, pairs: set[tuple[str, str]]) -> None:
    """Re-derive the current-state rows of the touched (participant, scope) pairs."""
    if not pairs:
        return
    records = fold_events(events_for(session, pairs))
    session.execute(
        delete(ConsentStateRow).where(
            or_(
                *(
                    and_(ConsentStateRow.principal_id == who, ConsentStateRow.scope == scope)
                    for who, scope in sorted(pairs)
                )
            )
        )
    )
    session.execute(insert(ConsentStateRow), [_state_row(r) for r in records])


def _state_row(record: ConsentRecord) -> dict[str, object]:
    return {
        "record_id": record.record_id,
        "purpose": record.purpose,
        "principal_id": record.principal_id,
        "scope": str(record.scope),
        "status": record.status.value,
        "log_index": record.log_index,
        "document": canonical_json(record_to_document(record)).decode(),
    }


def _receipts(
    session: Session,
    ctx: Context,
    requests: Sequence[ConsentRequest],
    replays: set[tuple[str, str]],
    size: int,
    note: str,
    known: dict[NodeKey, bytes],
) -> list[Receipt]:
    rows = _rows_by_key(session, requests)
    signer = ReceiptSigner(ctx.keyring)
    source = log_store.DbNodeSource(session, known)  # new leaves' proofs need no query
    out = []
    for request in requests:
        row = rows[_key(request)]
        proof = inclusion_proof(row.log_index, size, source)
        record = json.loads(row.document)
        payload = receipt_payload(record, row.salt, row.log_index, proof, note, ctx.clock())
        receipt = Receipt(row.event_id, row.log_index, signer.sign(payload), payload)
        out.append(replace(receipt, replayed=_key(request) in replays))
    return out
