"""What a participant sees and does: the notice, their choices, pause and withdraw, My data.

Every call takes the participant's own principal; a consent change goes through
``record_decisions`` with that participant as the actor, so nobody else can make it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.fold import fold_events
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentEvent, EventType, Scope, ScopeKind
from sayso.domain.standing import Answer, Standing, standing
from sayso.errors import InvalidInput, NotAllowed, NotFound
from sayso.ledger import log_store
from sayso.ledger.models import (
    Attendance,
    ConsentEventRow,
    ExportRow,
    ExportSubject,
    Identity,
    Meeting,
    Org,
)
from sayso.services import meetings as meeting_service
from sayso.services import policies
from sayso.services.access import Principal, Role
from sayso.services.consent import ConsentRequest, Receipt, events_for, record_decisions
from sayso.services.context import Context
from sayso.signing.receipts import ReceiptSigner, receipt_payload
from sayso.transparency import inclusion_proof


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    org_name: str
    display_name: str
    policy: Policy
    notice: policies.StoredNotice
    standing: list[Standing]
    restricted: frozenset[str]

    @property
    def listen_only(self) -> bool:
        """Declined a purpose the org runs on a non-consent basis: join, but only listen."""
        return any(
            s.answer in (Answer.NO, Answer.WITHDRAWN)
            and (t := self.policy.terms(s.purpose)) is not None
            and t.basis != "consent"
            for s in self.standing
        )


@dataclass(frozen=True)
class Choice:
    purpose: str
    yes: bool
    modalities: tuple[str, ...] | None = None
    indication_method: str = "web"


def _me(principal: Principal) -> str:
    if principal.role is not Role.PARTICIPANT or principal.participant_id is None:
        raise NotAllowed("only the participant themselves can do this")
    return principal.participant_id


def meeting_view(
    session: Session, ctx: Context, principal: Principal, meeting_id: str
) -> MeetingView:
    me = _me(principal)
    meeting = meeting_service.meeting_for(session, principal, meeting_id)
    published = policies.current_policy(session, meeting.org_id)
    scope = Scope(ScopeKind.MEETING, meeting.id)
    records = fold_events(events_for(session, {(me, str(scope))}))
    org = session.get(Org, meeting.org_id)
    identity = session.get(Identity, me)
    notice = policies.get_notice(session, published.notice_hash)
    restricted = frozenset(
        r.purpose for r in meeting_service.restrictions(session, meeting.org_id, meeting.id)
    )
    return MeetingView(
        meeting=meeting,
        org_name=org.name if org else "",
        display_name=identity.display_name if identity else "",
        policy=published.policy,
        notice=notice,
        standing=_in_notice_order(standing(records, published.policy, ctx.clock()), notice),
        restricted=restricted,
    )


def _in_notice_order(rows: list[Standing], notice: policies.StoredNotice) -> list[Standing]:
    entries = notice.document.get("purposes", [])
    order = [e["purpose"] for e in entries] if isinstance(entries, list) else []
    return sorted(rows, key=lambda s: order.index(s.purpose) if s.purpose in order else len(order))


def decide(
    session: Session,
    ctx: Context,
    principal: Principal,
    meeting_id: str,
    choices: list[Choice],
    idempotency_key: str,
) -> list[Receipt]:
    """Record the yes and no answers given on the decide page (one batch, one checkpoint)."""
    requests = plan_decide(session, ctx, principal, meeting_id, choices, idempotency_key)
    return record_decisions(session, ctx, principal.actor(), requests)


def plan_decide(
    session: Session,
    ctx: Context,
    principal: Principal,
    meeting_id: str,
    choices: list[Choice],
    idempotency_key: str,
) -> list[ConsentRequest]:
    """The requests ``decide`` would record, checked, without writing anything."""
    me = _me(principal)
    meeting = meeting_service.meeting_for(session, principal, meeting_id)
    if not choices:
        raise InvalidInput("answer at least one question, or just join")
    if len({c.purpose for c in choices}) != len(choices):
        raise InvalidInput("each purpose may be answered once per submission")
    scope = Scope(ScopeKind.MEETING, meeting.id)
    requests = [
        ConsentRequest(
            principal_id=me,
            scope=scope,
            action=EventType.GRANT if c.yes else EventType.REFUSE,
            purposes=(c.purpose,),
            modalities=c.modalities if c.yes else None,
            idempotency_key=f"{idempotency_key}:{c.purpose}",
            indication_method=c.indication_method,
        )
        for c in choices
    ]
    return requests


def act(
    session: Session,
    ctx: Context,
    principal: Principal,
    meeting_id: str,
    action: EventType,
    purposes: list[str] | None,
    idempotency_key: str,
    indication_method: str = "web",
) -> list[Receipt]:
    """Pause, resume or withdraw; with no purposes, every purpose it applies to now."""
    requests = plan_act(
        session, ctx, principal, meeting_id, action, purposes, idempotency_key, indication_method
    )
    return record_decisions(session, ctx, principal.actor(), requests)


def plan_act(
    session: Session,
    ctx: Context,
    principal: Principal,
    meeting_id: str,
    action: EventType,
    purposes: list[str] | None,
    idempotency_key: str,
    indication_method: str = "web",
) -> list[ConsentRequest]:
    """The request ``act`` would record, checked, without writing anything."""
    if action not in (EventType.PAUSE, EventType.RESUME, EventType.WITHDRAW):
        raise InvalidInput("the action must be pause, resume or withdraw")
    view = meeting_view(session, ctx, principal, meeting_id)
    chosen = purposes or _applies(view.standing, action)
    if not chosen:
        raise InvalidInput(f"there is nothing to {action.value}: no yes is in force")
    request = ConsentRequest(
        principal_id=_me(principal),
        scope=Scope(ScopeKind.MEETING, view.meeting.id),
        action=action,
        purposes=tuple(chosen),
        idempotency_key=idempotency_key,
        indication_method=indication_method,
    )
    if action is EventType.WITHDRAW:  # in the same unit of work as the withdrawal itself
        flag_exports(session, ctx, request.principal_id, list(chosen))
    return [request]


def _applies(rows: list[Standing], action: EventType) -> list[str]:
    if action is EventType.PAUSE:
        return [s.purpose for s in rows if s.capturing]
    if action is EventType.RESUME:
        return [s.purpose for s in rows if s.answer is Answer.YES and not s.capturing]
    return [s.purpose for s in rows if s.answer in (Answer.YES, Answer.RENEW)]


@dataclass(frozen=True)
class ExportEntry:
    export_id: str
    purpose: str
    recipient: str | None
    status: str
    items: int
    created_at: datetime


@dataclass(frozen=True)
class MyData:
    participant_id: str
    display_name: str
    meetings: list[Meeting]
    events: list[ConsentEvent]
    exports: list[ExportEntry]


def my_data(session: Session, principal: Principal) -> MyData:
    """Every meeting, every decision over time, every export that holds my content."""
    me = _me(principal)
    meetings = list(
        session.execute(
            select(Meeting)
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .where(Attendance.participant_id == me)
            .order_by(Meeting.starts_at)
        ).scalars()
    )
    rows = session.execute(
        select(ConsentEventRow.document, ConsentEventRow.log_index)
        .where(ConsentEventRow.principal_id == me)
        .order_by(ConsentEventRow.log_index)
    ).all()
    events = [ConsentEvent.from_document(json.loads(doc), idx) for doc, idx in rows]
    identity = session.get(Identity, me)
    return MyData(
        me, identity.display_name if identity else "", meetings, events, _exports(session, me)
    )


def _exports(session: Session, me: str) -> list[ExportEntry]:
    rows = session.execute(
        select(ExportRow, ExportSubject.items)
        .join(ExportSubject, ExportSubject.export_id == ExportRow.id)
        .where(ExportSubject.participant_id == me)
        .order_by(ExportRow.created_at)
    ).all()
    return [
        ExportEntry(e.id, e.purpose, e.recipient, e.status, items, e.created_at)
        for e, items in rows
    ]


def receipt_for(session: Session, ctx: Context, principal: Principal, record_id: str) -> Receipt:
    """A fresh receipt for one of my events, proved against the latest checkpoint."""
    me = _me(principal)
    row = session.get(ConsentEventRow, record_id)
    if row is None or row.principal_id != me:
        raise NotFound("no such record of yours")
    checkpoint = log_store.latest_checkpoint(session)
    proof = inclusion_proof(row.log_index, checkpoint.size, log_store.DbNodeSource(session))
    payload = receipt_payload(
        json.loads(row.document), row.salt, row.log_index, proof, checkpoint.note, ctx.clock()
    )
    return Receipt(row.event_id, row.log_index, ReceiptSigner(ctx.keyring).sign(payload), payload)


def flag_exports(session: Session, ctx: Context, participant_id: str, purposes: list[str]) -> int:
    """A withdrawal marks every current export of those purposes holding the person's content."""
    rows = session.execute(
        select(ExportRow)
        .join(ExportSubject, ExportSubject.export_id == ExportRow.id)
        .where(
            ExportSubject.participant_id == participant_id,
            ExportRow.purpose.in_(purposes),
            ExportRow.status == "current",
        )
    ).scalars()
    flagged = 0
    for row in rows:
        row.status = "flagged"
        row.flagged_at = ctx.clock()
        flagged += 1
    return flagged
