"""A participant's own routes: their meetings, their decisions, their receipts, My data.

Only a participant credential passes these routes, and it acts for that participant alone:
there is no parameter naming anyone else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sayso.api import schemas, views
from sayso.api.security import GUEST_LINK, PARTICIPANT, Caller, Needs
from sayso.domain.records import EventType
from sayso.services import meetings, participants
from sayso.services.participants import Choice

router = APIRouter(
    tags=["participant"], responses=schemas.problems(400, 401, 403, 404, 409, 422, 429)
)
Me = Annotated[Caller, Depends(Needs(PARTICIPANT))]
Guest = Annotated[Caller, Depends(Needs(GUEST_LINK))]


@router.get("/me", response_model=schemas.MyDataOut)
def my_data(caller: Me) -> schemas.MyDataOut:
    """Every meeting I was part of, every decision I made, every export holding my content."""
    with caller.work(readonly=True) as (session, me):
        return views.my_data(participants.my_data(session, me))


@router.get("/me/meetings/{meeting_id}", response_model=schemas.MyMeetingOut)
def my_meeting(meeting_id: str, caller: Me) -> schemas.MyMeetingOut:
    """The notice, and where I stand on each purpose of this meeting."""
    with caller.work(readonly=True) as (session, me):
        view = participants.meeting_view(session, caller.runtime.ctx, me, meeting_id)
        return views.my_meeting(view)


@router.post(
    "/me/meetings/{meeting_id}/decisions",
    response_model=list[schemas.ReceiptOut],
    status_code=201,
)
async def decide(
    meeting_id: str, body: schemas.DecisionsIn, caller: Me
) -> list[schemas.ReceiptOut]:
    """Say yes or no per purpose (and per kind of content where offered). Durable on return."""
    choices = [
        Choice(c.purpose, c.answer == "yes", tuple(c.modalities) if c.modalities else None, "api")
        for c in body.choices
    ]
    ctx = caller.runtime.ctx
    receipts = await caller.write(
        lambda session, me: participants.plan_decide(
            session, ctx, me, meeting_id, choices, body.idempotency_key
        )
    )
    return [views.receipt(r) for r in receipts]


async def _act(
    meeting_id: str, body: schemas.ActionIn, caller: Caller, action: EventType
) -> list[schemas.ReceiptOut]:
    ctx = caller.runtime.ctx
    receipts = await caller.write(
        lambda session, me: participants.plan_act(
            session, ctx, me, meeting_id, action, body.purposes, body.idempotency_key, "api"
        )
    )
    return [views.receipt(r) for r in receipts]


@router.post(
    "/me/meetings/{meeting_id}/pause", response_model=list[schemas.ReceiptOut], status_code=201
)
async def pause(meeting_id: str, body: schemas.ActionIn, caller: Me) -> list[schemas.ReceiptOut]:
    """Stop capture of my content (the yes stays; nothing new is captured until I resume)."""
    return await _act(meeting_id, body, caller, EventType.PAUSE)


@router.post(
    "/me/meetings/{meeting_id}/resume", response_model=list[schemas.ReceiptOut], status_code=201
)
async def resume(meeting_id: str, body: schemas.ActionIn, caller: Me) -> list[schemas.ReceiptOut]:
    """Capture again, within what I said yes to."""
    return await _act(meeting_id, body, caller, EventType.RESUME)


@router.post(
    "/me/meetings/{meeting_id}/withdraw", response_model=list[schemas.ReceiptOut], status_code=201
)
async def withdraw(meeting_id: str, body: schemas.ActionIn, caller: Me) -> list[schemas.ReceiptOut]:
    """Take back a yes: every use after now stops."""
    return await _act(meeting_id, body, caller, EventType.WITHDRAW)


@router.get("/me/receipts/{record_id}", response_model=schemas.ReceiptOut)
def my_receipt(record_id: str, caller: Me) -> schemas.ReceiptOut:
    """A fresh receipt for one of my records, proved against the latest checkpoint."""
    with caller.work(readonly=True) as (session, me):
        return views.receipt(participants.receipt_for(session, caller.runtime.ctx, me, record_id))


@router.post("/guest", response_model=schemas.GuestOut, status_code=201)
def join_as_guest(body: schemas.GuestIn, caller: Guest, request: Request) -> schemas.GuestOut:
    """Use a meeting's guest link: become a participant with your own personal link."""
    caller.runtime.limit("join", caller.client)
    with caller.work() as (session, guest):
        _participant, secret = meetings.join_as_guest(
            session, caller.runtime.ctx, guest, body.display_name
        )
        meeting_id = guest.meeting_id or ""
    return schemas.GuestOut(
        meeting_id=meeting_id, join_secret=secret, join_url=views.join_url(request, secret)
    )
