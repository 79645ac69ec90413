"""Admin and host consoles: sign-in, policy editor, notices, counts, the log, meetings.

Nothing here can tick anyone's box: the consoles can publish policies, schedule
meetings and turn purposes off, and that is all they can do to consent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sayso.api import views
from sayso.api.security import ADMIN, HOST_OR_ADMIN, PUBLIC
from sayso.errors import InvalidInput, NotFound, PolicyRejected, SaysoError, Unauthenticated
from sayso.ledger import log_store
from sayso.services import access, logs, meetings, policies
from sayso.services.access import Role
from sayso.services.meetings import Invitee
from sayso.web.pages import (
    SESSION_COOKIE,
    Page,
    Visitor,
    check_csrf,
    client,
    redirect,
    render,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Visitor, Depends(Page(PUBLIC))]
Admin = Annotated[Visitor, Depends(Page(ADMIN))]
Staff = Annotated[Visitor, Depends(Page(HOST_OR_ADMIN))]
MAX_POLICY_BYTES = 100_000


@router.get("/signin")
def signin_page(visitor: Anyone) -> Response:
    return render(visitor.request, "signin.html", {"error": None, "email": ""})


@router.post("/signin")
async def signin(visitor: Anyone) -> Response:
    request = visitor.request
    form = await request.form()
    check_csrf(request, form, None)
    visitor.runtime.limit("signin", client(request))
    email, password = str(form.get("email", "")), str(form.get("password", ""))

    def run() -> tuple[str, Role]:
        with visitor.runtime.work(None, PUBLIC) as (session, _):
            secret = access.sign_in(session, visitor.runtime.ctx, email, password)
            return secret, access.resolve(session, visitor.runtime.ctx, secret).role

    try:
        secret, role = await run_in_threadpool(run)
    except Unauthenticated as exc:
        context = {"error": str(exc), "email": email}
        return render(request, "signin.html", context, status=401)
    response = redirect("/admin" if role is Role.ADMIN else "/host")
    set_cookie(request, response, SESSION_COOKIE, secret)
    return response


@router.get("/admin")
def admin_page(
    visitor: Admin,
    diff_old: int | None = None,
    diff_new: int | None = None,
    proof_index: int | None = None,
    published: int | None = None,
) -> Response:
    with visitor.work(readonly=True) as (session, who):
        context = _admin_context(session, who, diff_old, diff_new, proof_index)
        context["published"] = published
        return render(visitor.request, "admin.html", context, principal=who)


def _admin_context(
    session: Any,
    who: access.Principal,
    diff_old: int | None,
    diff_new: int | None,
    proof_index: int | None,
    editor: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    current = policies.current_policy(session, who.org_id)
    all_versions = policies.versions(session, who.org_id)
    old = diff_old or max(1, current.version - 1)
    new = diff_new or current.version
    context: dict[str, Any] = {
        "org": meetings.org_of(session, who),
        "policy": current,
        "editor": editor
        if editor is not None
        else yaml.safe_dump(current.policy.document(), sort_keys=False, allow_unicode=True),
        "error": error,
        "notice": policies.get_notice(session, current.notice_hash),
        "versions": all_versions,
        "diff_old": old,
        "diff_new": new,
        "changes": policies.diff_versions(session, who.org_id, old, new) if old != new else [],
        "notice_diff": policies.notice_diff(session, who.org_id, old, new) if old != new else [],
        "counts": meetings.consent_counts(session, who),
        "restrictions": {r.purpose for r in meetings.restrictions(session, who.org_id, None)},
        "checkpoint": _checkpoint(session),
        "proof": _proof(session, proof_index),
        "proof_index": proof_index,
    }
    return context


def _checkpoint(session: Any) -> Any:
    try:
        return log_store.latest_checkpoint(session)
    except NotFound:
        return None


def _proof(session: Any, index: int | None) -> dict[str, Any] | None:
    if index is None:
        return None
    try:
        size = log_store.latest_checkpoint(session).size
        hashes = logs.prove_inclusion(session, index, size)
    except SaysoError as exc:
        return {"error": str(exc)}
    return {"index": index, "size": size, "hashes": [h.hex() for h in hashes]}


@router.post("/admin/policy")
async def publish_policy(visitor: Admin) -> Response:
    """Publish the edited policy; a rejected one comes back with the error in place."""
    request = visitor.request
    form = await request.form()
    text = str(form.get("policy", ""))
    preview = form.get("action") == "preview"

    def run() -> Response:
        with visitor.work() as (session, who):
            check_csrf(request, form, who)
            try:
                raw = _parse_yaml(text)
                org = meetings.org_of(session, who)
                if preview:
                    notice = policies.preview_notice(session, visitor.runtime.ctx, org, raw)
                    context = _admin_context(session, who, None, None, None, text)
                    context["preview"] = notice.text
                    return render(request, "admin.html", context, principal=who)
                with session.begin_nested():  # a rejected policy leaves nothing behind
                    done = policies.apply_policy(session, visitor.runtime.ctx, org, raw)
            except (PolicyRejected, InvalidInput) as exc:
                context = _admin_context(session, who, None, None, None, text, str(exc))
                return render(request, "admin.html", context, status=422, principal=who)
            return redirect(f"/admin?published={done.version}")

    return await run_in_threadpool(run)


def _parse_yaml(text: str) -> object:
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise InvalidInput(f"the policy is over {MAX_POLICY_BYTES // 1000} kB; shorten it")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" on line {where.line + 1}" if where is not None else ""
        raise InvalidInput(f"the policy is not valid YAML{line}; check the indentation") from None


@router.post("/admin/restrictions")
async def admin_restrict(visitor: Admin) -> Response:
    request = visitor.request
    form = await request.form()
    purpose, turn_off = str(form.get("purpose", "")), form.get("off") == "1"

    def run() -> None:
        with visitor.work() as (session, who):
            check_csrf(request, form, who)
            if turn_off:
                meetings.restrict(session, visitor.runtime.ctx, who, purpose, None)
            else:
                meetings.lift_restriction(session, who, purpose, None)

    await run_in_threadpool(run)
    return redirect("/admin#restrictions")


@router.get("/host")
def host_page(visitor: Staff) -> Response:
    with visitor.work(readonly=True) as (session, who):
        rows = []
        for meeting in meetings.staff_meetings(session, who):
            off = {r.purpose for r in meetings.restrictions(session, who.org_id, meeting.id)}
            rows.append((meeting, off))
        policy = policies.current_policy(session, who.org_id).policy
        context = {"meetings": rows, "purposes": list(policy.purposes)}
        return render(visitor.request, "host.html", context, principal=who)


@router.post("/host/meetings")
async def host_schedule(visitor: Staff) -> Response:
    """Schedule a meeting and show each invitee's invitation (the links are shown once)."""
    request = visitor.request
    form = await request.form()
    title = str(form.get("title", ""))
    starts = _start_time(str(form.get("starts_at", "")))
    invitees = _invitees(str(form.get("invitees", "")))
    guest = form.get("guest_link") == "1"

    def run() -> Response:
        with visitor.work() as (session, who):
            check_csrf(request, form, who)
            done = meetings.schedule(
                session, visitor.runtime.ctx, who, title, starts, invitees, guest_link=guest
            )
            invitations = []
            for inv in done.invitations:
                url = views.join_url(request, inv.secret)
                text = meetings.invitation_for(session, done.meeting, inv.name, url)
                invitations.append({"name": inv.name, "email": inv.email, "url": url, "text": text})
            guest_url = views.guest_url(request, done.guest_secret) if done.guest_secret else None
            context = {"meeting": done.meeting, "invitations": invitations, "guest_url": guest_url}
            return render(request, "invitations.html", context, status=201, principal=who)

    return await run_in_threadpool(run)


def _start_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("give the start as date and time, e.g. 2030-03-01T10:00Z") from None
    if value.tzinfo is None:
        raise InvalidInput("give the start with its time zone, e.g. 2030-03-01T10:00Z")
    return value


def _invitees(text: str) -> list[Invitee]:
    """One invitee per line: ``Name <e-mail>`` or just ``Name``."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, rest = line.partition("<")
        email = rest.rstrip(">").strip() or None
        out.append(Invitee(name.strip() or (email or ""), email))
    return out


@router.post("/host/meetings/{meeting_id}/restrictions")
async def host_restrict(meeting_id: str, visitor: Staff) -> Response:
    request = visitor.request
    form = await request.form()
    purpose, turn_off = str(form.get("purpose", "")), form.get("off") == "1"

    def run() -> None:
        with visitor.work() as (session, who):
            check_csrf(request, form, who)
            meeting = meetings.meeting_for(session, who, meeting_id)
            if turn_off:
                meetings.restrict(session, visitor.runtime.ctx, who, purpose, meeting)
            else:
                meetings.lift_restriction(session, who, purpose, meeting)

    await run_in_threadpool(run)
    return redirect("/host")
