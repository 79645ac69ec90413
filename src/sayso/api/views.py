"""Service results as response bodies (shared by the API routes and, as data, the pages)."""

from __future__ import annotations

from fastapi import Request

from sayso.api import schemas
from sayso.domain.records import ConsentEvent, ScopeKind
from sayso.ledger.models import Meeting
from sayso.services.consent import Receipt
from sayso.services.participants import MeetingView, MyData
from sayso.signing.receipts import render_text


def base_url(request: Request) -> str:
    configured = request.app.state.runtime.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def join_url(request: Request, secret: str) -> str:
    return f"{base_url(request)}/j/{secret}"


def guest_url(request: Request, secret: str) -> str:
    return f"{base_url(request)}/g/{secret}"


def receipt(r: Receipt) -> schemas.ReceiptOut:
    return schemas.ReceiptOut(
        record_id=r.record_id,
        log_index=r.log_index,
        jws=r.jws,
        text=render_text(r.payload),
        replayed=r.replayed,
    )


def meeting(m: Meeting) -> schemas.MeetingOut:
    return schemas.MeetingOut(id=m.id, title=m.title, starts_at=m.starts_at)


def my_meeting(view: MeetingView) -> schemas.MyMeetingOut:
    purposes = []
    for s in view.standing:
        terms = view.policy.purposes[s.purpose]
        label = str(_entry(view, s.purpose).get("label", s.purpose))
        purposes.append(
            schemas.StandingOut(
                purpose=s.purpose,
                label=label,
                basis=terms.basis,
                answer=s.answer.value,
                modalities=list(s.modalities),
                offered_modalities=list(terms.modalities),
                capturing=s.capturing,
                restricted=s.purpose in view.restricted,
                record_id=s.record_id,
            )
        )
    return schemas.MyMeetingOut(
        meeting=meeting(view.meeting),
        org=view.org_name,
        notice_hash=view.notice.hash,
        notice_text=view.notice.text,
        listen_only=view.listen_only,
        purposes=purposes,
    )


def _entry(view: MeetingView, purpose: str) -> dict[str, object]:
    entries = view.notice.document.get("purposes", [])
    assert isinstance(entries, list)
    return next((e for e in entries if e.get("purpose") == purpose), {})


def event(e: ConsentEvent) -> schemas.EventOut:
    return schemas.EventOut(
        record_id=e.event_id,
        log_index=e.log_index,
        meeting_id=e.scope.id if e.scope.kind is ScopeKind.MEETING else None,
        event_type=e.event_type.value,
        status=e.status.value,
        purposes=list(e.purposes),
        modalities=list(e.modalities),
        event_time=e.event_time,
        indication_method=e.indication_method,
        notice_hash=e.notice_hash,
    )


def my_data(data: MyData) -> schemas.MyDataOut:
    return schemas.MyDataOut(
        display_name=data.display_name,
        meetings=[meeting(m) for m in data.meetings],
        events=[event(e) for e in data.events],
        exports=[
            schemas.ExportOut(
                export_id=x.export_id,
                purpose=x.purpose,
                recipient=x.recipient,
                status=x.status,
                items=x.items,
                created_at=x.created_at,
            )
            for x in data.exports
        ],
    )
