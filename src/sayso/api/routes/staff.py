"""Admin and host routes: policy, meetings and invitations, restrictions, counts, tokens.

None of these can grant, change or withdraw anyone's consent: the only lever over
consent they hold is a restriction, which turns a purpose off.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from sayso.api import schemas, views
from sayso.api.security import ADMIN, HOST_OR_ADMIN, PUBLIC, Caller, Needs
from sayso.errors import NotFound
from sayso.ledger.models import Meeting
from sayso.services import access, meetings, policies
from sayso.services.access import Role
from sayso.services.meetings import Invitee

router = APIRouter(responses=schemas.problems(400, 401, 403, 404, 409, 422, 429))
Admin = Annotated[Caller, Depends(Needs(ADMIN))]
Staff = Annotated[Caller, Depends(Needs(HOST_OR_ADMIN))]
Anyone = Annotated[Caller, Depends(Needs(PUBLIC))]


@router.post("/sessions", response_model=schemas.SessionOut, status_code=201, tags=["staff"])
def sign_in(body: schemas.SignInIn, caller: Anyone) -> schemas.SessionOut:
    """Admins and hosts sign in with a password; the session token works as a Bearer token."""
    caller.runtime.limit("signin", caller.client)
    with caller.public(readonly=False) as session:
        secret = access.sign_in(session, caller.runtime.ctx, body.email, body.password)
        who = access.resolve(session, caller.runtime.ctx, secret)
    return schemas.SessionOut(token=secret, role=who.role.value)


@router.post("/meetings", response_model=schemas.ScheduledOut, status_code=201, tags=["host"])
def schedule(body: schemas.MeetingIn, caller: Staff, request: Request) -> schemas.ScheduledOut:
    """Schedule a meeting; each invitee gets a personal link to decide before it starts."""
    invitees = [Invitee(i.name, i.email) for i in body.invitees]
    with caller.work() as (session, who):
        done = meetings.schedule(
            session,
            caller.runtime.ctx,
            who,
            body.title,
            body.starts_at,
            invitees,
            guest_link=body.guest_link,
        )
        invitations = []
        for inv in done.invitations:
            url = views.join_url(request, inv.secret)
            text = meetings.invitation_for(session, done.meeting, inv.name, url)
            invitations.append(
                schemas.InvitationOut(name=inv.name, email=inv.email, url=url, text=text)
            )
        guest = views.guest_url(request, done.guest_secret) if done.guest_secret else None
        return schemas.ScheduledOut(
            meeting=views.meeting(done.meeting), invitations=invitations, guest_url=guest
        )


@router.get("/meetings/{meeting_id}", response_model=schemas.MeetingOut, tags=["host"])
def get_meeting(meeting_id: str, caller: Staff) -> schemas.MeetingOut:
    with caller.work(readonly=True) as (session, who):
        return views.meeting(meetings.meeting_for(session, who, meeting_id))


@router.get(
    "/meetings/{meeting_id}/restrictions",
    response_model=list[schemas.RestrictionOut],
    tags=["host"],
)
def meeting_restrictions(meeting_id: str, caller: Staff) -> list[schemas.RestrictionOut]:
    """Purposes turned off for this meeting (by its host or the org's admin)."""
    with caller.work(readonly=True) as (session, who):
        meeting = meetings.meeting_for(session, who, meeting_id)
        return [
            schemas.RestrictionOut(purpose=r.purpose, meeting_id=r.meeting_id)
            for r in meetings.restrictions(session, who.org_id, meeting.id)
        ]


@router.post(
    "/meetings/{meeting_id}/restrictions",
    response_model=schemas.RestrictionOut,
    status_code=201,
    tags=["host"],
)
def restrict_meeting(
    meeting_id: str, body: schemas.RestrictionIn, caller: Staff
) -> schemas.RestrictionOut:
    """Turn a purpose off for this meeting. Restriction always wins over any yes."""
    with caller.work() as (session, who):
        meeting = meetings.meeting_for(session, who, meeting_id)
        row = meetings.restrict(session, caller.runtime.ctx, who, body.purpose, meeting)
        return schemas.RestrictionOut(purpose=row.purpose, meeting_id=row.meeting_id)


@router.delete("/meetings/{meeting_id}/restrictions/{purpose}", status_code=204, tags=["host"])
def lift_meeting_restriction(meeting_id: str, purpose: str, caller: Staff) -> Response:
    """Turn the purpose back on (people are still asked; nothing is granted for them)."""
    with caller.work() as (session, who):
        meeting = meetings.meeting_for(session, who, meeting_id)
        if not meetings.lift_restriction(session, who, purpose, meeting):
            raise NotFound(f"{purpose} is not turned off for this meeting")
    return Response(status_code=204)


@router.get("/admin/policy", response_model=schemas.PolicyOut, tags=["admin"])
def get_policy(caller: Admin) -> schemas.PolicyOut:
    with caller.work(readonly=True) as (session, who):
        return _policy_out(policies.current_policy(session, who.org_id))


@router.put("/admin/policy", response_model=schemas.PolicyOut, tags=["admin"])
def put_policy(body: schemas.PolicyIn, caller: Admin) -> schemas.PolicyOut:
    """Publish a new policy version (422 naming the rule it breaks, if any)."""
    with caller.work() as (session, who):
        org = meetings.org_of(session, who)
        return _policy_out(policies.apply_policy(session, caller.runtime.ctx, org, body.document))


def _policy_out(p: policies.PublishedPolicy) -> schemas.PolicyOut:
    return schemas.PolicyOut(
        version=p.version,
        notice_hash=p.notice_hash,
        widens=p.widens,
        unchanged=p.unchanged,
        document=p.policy.document(),
        changes=[str(c) for c in p.changes],
    )


@router.get("/admin/counts", response_model=list[schemas.CountsOut], tags=["admin"])
def counts(caller: Admin) -> list[schemas.CountsOut]:
    """Consent counts per meeting: numbers only, never who."""
    with caller.work(readonly=True) as (session, who):
        return [
            schemas.CountsOut(
                meeting_id=c.meeting_id,
                title=c.title,
                starts_at=c.starts_at,
                invited=c.invited,
                counts=c.counts,
            )
            for c in meetings.consent_counts(session, who)
        ]


@router.get("/admin/restrictions", response_model=list[schemas.RestrictionOut], tags=["admin"])
def org_restrictions(caller: Admin) -> list[schemas.RestrictionOut]:
    with caller.work(readonly=True) as (session, who):
        return [
            schemas.RestrictionOut(purpose=r.purpose, meeting_id=r.meeting_id)
            for r in meetings.restrictions(session, who.org_id, None)
        ]


@router.post(
    "/admin/restrictions", response_model=schemas.RestrictionOut, status_code=201, tags=["admin"]
)
def restrict_org(body: schemas.RestrictionIn, caller: Admin) -> schemas.RestrictionOut:
    """Turn a purpose off for every meeting of the org."""
    with caller.work() as (session, who):
        row = meetings.restrict(session, caller.runtime.ctx, who, body.purpose, None)
        return schemas.RestrictionOut(purpose=row.purpose, meeting_id=None)


@router.delete("/admin/restrictions/{purpose}", status_code=204, tags=["admin"])
def lift_org_restriction(purpose: str, caller: Admin) -> Response:
    with caller.work() as (session, who):
        if not meetings.lift_restriction(session, who, purpose, None):
            raise NotFound(f"{purpose} is not turned off for the org")
    return Response(status_code=204)


@router.post("/admin/tokens", response_model=schemas.TokenOut, status_code=201, tags=["admin"])
def issue_token(body: schemas.TokenIn, caller: Admin) -> schemas.TokenOut:
    """An API token for scripts: admin (the org), host (one meeting) or export (one purpose)."""
    with caller.work() as (session, who):
        meeting = session.get(Meeting, body.meeting_id) if body.meeting_id else None
        if body.meeting_id and (meeting is None or meeting.org_id != who.org_id):
            raise NotFound("no such meeting")
        token = access.issue_token(
            session,
            caller.runtime.ctx,
            who,
            Role(body.role),
            meeting=meeting,
            purpose=body.purpose,
            label=body.label,
        )
    return schemas.TokenOut(token=token, role=body.role)
