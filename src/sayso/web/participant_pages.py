"""Participant pages: join links, guest links, decide, the meeting, My data, receipts.

Every change goes through ``services.participants`` as the participant behind the
session cookie: the same calls the API makes.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from sayso.api import views
from sayso.api.security import GUEST_LINK, PARTICIPANT, PUBLIC
from sayso.domain.records import EventType
from sayso.errors import InvalidInput, LogCorrupt, ReceiptInvalid
from sayso.services import access, logs, meetings, participants
from sayso.services.participants import Choice
from sayso.signing.receipts import render_text, verify_receipt
from sayso.web.pages import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Page,
    Visitor,
    check_csrf,
    client,
    gpc,
    redirect,
    render,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Visitor, Depends(Page(PUBLIC))]
Me = Annotated[Visitor, Depends(Page(PARTICIPANT))]
ACTIONS = {"pause": EventType.PAUSE, "resume": EventType.RESUME, "withdraw": EventType.WITHDRAW}


@router.get("/")
def home(visitor: Anyone) -> Response:
    with visitor.maybe(readonly=True) as (_session, who):
        return render(visitor.request, "home.html", {}, principal=who)


@router.get("/j/{secret}")
def open_join_link(secret: str, visitor: Anyone) -> Response:
    """A personal link: begin a session as that participant, then decide."""
    visitor.runtime.limit("join", client(visitor.request))
    with visitor.runtime.work(secret, PARTICIPANT) as (session, who):
        assert who is not None
        session_secret = access.start_session(session, visitor.runtime.ctx, who)
    target = f"/m/{who.meeting_id}" if who.meeting_id else "/me"
    response = redirect(target)
    set_cookie(visitor.request, response, SESSION_COOKIE, session_secret)
    return response


@router.get("/g/{secret}")
def guest_form(secret: str, visitor: Anyone) -> Response:
    with visitor.runtime.work(secret, GUEST_LINK, readonly=True) as (session, guest):
        assert guest is not None
        assert guest.meeting_id is not None
        meeting = meetings.meeting_for_guest(session, guest)
    return render(visitor.request, "guest.html", {"meeting": meeting, "secret": secret})


@router.post("/g/{secret}")
async def guest_join(secret: str, visitor: Anyone) -> Response:
    """A guest link's first use: name yourself, get your own personal link."""
    request = visitor.request
    form = await request.form()
    check_csrf(request, form, None)
    visitor.runtime.limit("join", client(request))
    name = str(form.get("display_name", "")).strip()

    def run() -> tuple[str, str, str]:
        with visitor.runtime.work(secret, GUEST_LINK) as (session, guest):
            assert guest is not None
            _participant, join_secret = meetings.join_as_guest(
                session, visitor.runtime.ctx, guest, name
            )
            who = access.resolve(session, visitor.runtime.ctx, join_secret)
            session_secret = access.start_session(session, visitor.runtime.ctx, who)
            return join_secret, session_secret, guest.meeting_id or ""

    join_secret, session_secret, meeting_id = await run_in_threadpool(run)
    response = render(
        request,
        "guest_welcome.html",
        {"link": views.join_url(request, join_secret), "meeting_id": meeting_id},
        status=201,
    )
    set_cookie(request, response, SESSION_COOKIE, session_secret)
    return response


@router.get("/m/{meeting_id}")
def decide_page(meeting_id: str, visitor: Me) -> Response:
    with visitor.work(readonly=True) as (session, me):
        view = participants.meeting_view(session, visitor.runtime.ctx, me, meeting_id)
        context = _decide_context(visitor.request, view)
        return render(visitor.request, "decide.html", context, principal=me)


def _decide_context(request: Request, view: participants.MeetingView) -> dict[str, Any]:
    data = views.my_meeting(view)
    entries = view.notice.document.get("purposes", [])
    plain = {e["purpose"]: e for e in entries} if isinstance(entries, list) else {}
    return {
        "view": view,
        "data": data,
        "entries": plain,
        "gpc": gpc(request),
        "idempotency_key": str(uuid.uuid4()),
    }


@router.post("/m/{meeting_id}")
async def decide_submit(meeting_id: str, visitor: Me) -> Response:
    """Save the answers given (none is fine: silence is no), then join."""
    request = visitor.request
    form = await request.form()
    with_gpc = gpc(request)
    key = str(form.get("idempotency_key", "")) or str(uuid.uuid4())

    def run() -> None:
        with visitor.work() as (session, me):
            check_csrf(request, form, me)
            view = participants.meeting_view(session, visitor.runtime.ctx, me, meeting_id)
            choices = _choices(form, view, with_gpc)
            if choices:
                participants.decide(session, visitor.runtime.ctx, me, meeting_id, choices, key)

    await run_in_threadpool(run)
    return redirect(f"/m/{meeting_id}/live?saved=1")


def _choices(form: Any, view: participants.MeetingView, with_gpc: bool) -> list[Choice]:
    out = []
    for s in view.standing:
        answer = str(form.get(f"answer_{s.purpose}", ""))
        if answer not in ("yes", "no"):
            continue  # not answered: nothing is recorded, and silence is no
        if s.purpose in view.restricted and answer == "yes":
            raise InvalidInput(
                f"{s.purpose} is turned off for this meeting, so it cannot be granted"
            )
        terms = view.policy.purposes[s.purpose]
        if terms.basis != "consent" and answer == "yes":
            continue  # a non-consent basis: taking part needs no event, only "listen only" does
        ticked = tuple(str(m) for m in form.getlist(f"modalities_{s.purpose}"))
        method = (
            "gpc" if with_gpc and s.purpose == "third_party_sharing" and answer == "no" else "web"
        )
        out.append(Choice(s.purpose, answer == "yes", ticked or None, method))
    return out


@router.get("/m/{meeting_id}/live")
def live_page(meeting_id: str, visitor: Me, saved: int = 0) -> Response:
    """The meeting (a stand-in for the real call): pause, resume, withdraw at any time."""
    with visitor.work(readonly=True) as (session, me):
        view = participants.meeting_view(session, visitor.runtime.ctx, me, meeting_id)
        context = {"view": view, "data": views.my_meeting(view), "saved": bool(saved)}
        return render(visitor.request, "live.html", context, principal=me)


@router.get("/m/{meeting_id}/confirm")
def confirm_page(meeting_id: str, visitor: Me, action: str, purpose: str = "") -> Response:
    if action not in ACTIONS:
        raise InvalidInput("the action must be pause, resume or withdraw")
    with visitor.work(readonly=True) as (session, me):
        view = participants.meeting_view(session, visitor.runtime.ctx, me, meeting_id)
        context = {
            "view": view,
            "action": action,
            "purpose": purpose,
            "idempotency_key": str(uuid.uuid4()),
        }
        return render(visitor.request, "confirm.html", context, principal=me)


@router.post("/m/{meeting_id}/act")
async def act(meeting_id: str, visitor: Me) -> Response:
    request = visitor.request
    form = await request.form()
    action = ACTIONS.get(str(form.get("action", "")))
    if action is None:
        raise InvalidInput("the action must be pause, resume or withdraw")
    purpose = str(form.get("purpose", ""))
    key = str(form.get("idempotency_key", "")) or str(uuid.uuid4())

    def run() -> None:
        with visitor.work() as (session, me):
            check_csrf(request, form, me)
            participants.act(
                session,
                visitor.runtime.ctx,
                me,
                meeting_id,
                action,
                [purpose] if purpose else None,
                key,
            )

    await run_in_threadpool(run)
    back = "/me?done=1" if form.get("back") == "me" else f"/m/{meeting_id}/live?done={action.value}"
    return redirect(back)


@router.get("/me")
def my_data_page(visitor: Me, done: int = 0) -> Response:
    with visitor.work(readonly=True) as (session, me):
        data = participants.my_data(session, me)
        rows = []
        for meeting in data.meetings:
            view = participants.meeting_view(session, visitor.runtime.ctx, me, meeting.id)
            rows.append((meeting, views.my_meeting(view)))
        context = {"data": data, "meetings": rows, "done": bool(done)}
        return render(visitor.request, "my_data.html", context, principal=me)


@router.get("/me/receipts/{record_id}")
def receipt_page(record_id: str, visitor: Me) -> Response:
    with visitor.work(readonly=True) as (session, me):
        receipt = participants.receipt_for(session, visitor.runtime.ctx, me, record_id)
        context = {"receipt": receipt, "text": render_text(receipt.payload)}
        return render(visitor.request, "receipt.html", context, principal=me)


@router.get("/me/receipts/{record_id}/download")
def receipt_download(record_id: str, visitor: Me, form: str = "jws") -> Response:
    """The receipt as a file: the signed JWS, or the readable text copy."""
    if form not in ("jws", "txt"):
        raise InvalidInput("the form must be jws or txt")
    with visitor.work(readonly=True) as (session, me):
        receipt = participants.receipt_for(session, visitor.runtime.ctx, me, record_id)
    body = receipt.jws + "\n" if form == "jws" else render_text(receipt.payload)
    name = f"sayso-receipt-{receipt.log_index}.{form}"
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    media = "application/jose" if form == "jws" else "text/plain; charset=utf-8"
    return PlainTextResponse(body, media_type=media, headers=headers)


@router.post("/me/receipts/{record_id}/verify")
async def receipt_verify(record_id: str, visitor: Me) -> Response:
    """Check my receipt against the public keys and the live public log."""
    request = visitor.request
    form = await request.form()

    def run() -> Response:
        with visitor.work(readonly=True) as (session, me):
            check_csrf(request, form, me)
            receipt = participants.receipt_for(session, visitor.runtime.ctx, me, record_id)
            keys = {e.kid: e.public for e in visitor.runtime.ctx.keyring.entries}
            try:
                checked = verify_receipt(receipt.jws, keys)
                logs.check_receipt_against_log(session, checked)
                result, ok = "signature, inclusion proof and the live log all agree", True
            except (ReceiptInvalid, LogCorrupt) as exc:
                result, ok = str(exc), False
            context = {
                "receipt": receipt,
                "text": render_text(receipt.payload),
                "result": result,
                "ok": ok,
            }
            return render(request, "receipt.html", context, principal=me)

    return await run_in_threadpool(run)


@router.post("/signout")
async def sign_out(visitor: Anyone) -> Response:
    request = visitor.request
    form = await request.form()
    secret = request.cookies.get(SESSION_COOKIE)

    def run() -> None:
        with visitor.maybe() as (session, who):
            check_csrf(request, form, who)
            if secret:
                access.end_session(session, visitor.runtime.ctx, secret)

    await run_in_threadpool(run)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
