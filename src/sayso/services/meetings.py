"""Meetings as hosts and admins see them: scheduling with invitations, guest links,
restrictions (the only lever they have over consent), and counts per meeting."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from sayso.domain.invitation import invitation_text
from sayso.domain.records import Status, record_from_document
from sayso.domain.standing import needs_renewal
from sayso.errors import InvalidInput, NotAllowed, NotFound
from sayso.ledger.models import (
    Attendance,
    ConsentStateRow,
    Identity,
    Meeting,
    Org,
    Participant,
    Restriction,
)
from sayso.services import access, directory, policies
from sayso.services.access import Principal, Role
from sayso.services.context import Context

MAX_INVITEES = 500
RENEWAL = "NeedsRenewal"  # counted apart: a yes the current policy no longer covers


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Invitation:
    name: str
    email: str | None
    participant_id: str
    secret: str  # shown once: only its hash is stored


@dataclass(frozen=True)
class Scheduled:
    meeting: Meeting
    invitations: list[Invitation]
    guest_secret: str | None


def org_of(session: Session, principal: Principal) -> Org:
    org = session.get(Org, principal.org_id)
    if org is None:
        raise NotFound("the org of this credential no longer exists")
    return org


def meeting_for(session: Session, principal: Principal, meeting_id: str) -> Meeting:
    """A meeting the caller may see: any of an admin's org, a host's own, a participant's."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.org_id != principal.org_id:
        raise NotFound("no such meeting")
    if principal.role is Role.ADMIN:
        return meeting
    if principal.role is Role.HOST and _hosts(principal, meeting):
        return meeting
    if principal.role is Role.PARTICIPANT and attends(session, meeting.id, principal):
        return meeting
    raise NotFound("no such meeting")


def attends(session: Session, meeting_id: str, principal: Principal) -> bool:
    who = principal.participant_id
    return who is not None and session.get(Attendance, (meeting_id, who)) is not None


def _hosts(principal: Principal, meeting: Meeting) -> bool:
    if principal.meeting_id is not None:  # a host token for one meeting
        return principal.meeting_id == meeting.id
    return principal.account_id is not None and meeting.host_account_id == principal.account_id


def schedule(
    session: Session,
    ctx: Context,
    principal: Principal,
    title: str,
    starts_at: datetime,
    invitees: list[Invitee],
    *,
    guest_link: bool = False,
) -> Scheduled:
    """Create a meeting with a personal decide-in-advance link for each invitee."""
    if principal.role not in (Role.ADMIN, Role.HOST) or principal.meeting_id is not None:
        raise NotAllowed("only an admin or a host account can schedule meetings")
    if len(invitees) > MAX_INVITEES:
        raise InvalidInput(f"invite at most {MAX_INVITEES} people per meeting")
    org = org_of(session, principal)
    policies.current_policy(session, org.id)  # no notice, no invitation
    meeting = directory.create_meeting(session, ctx, org, title, starts_at)
    meeting.host_account_id = principal.account_id
    invitations = [invite(session, ctx, org, meeting, person) for person in invitees]
    guest = access.issue_guest_link(session, ctx, meeting) if guest_link else None
    return Scheduled(meeting, invitations, guest)


def invite(
    session: Session, ctx: Context, org: Org, meeting: Meeting, person: Invitee
) -> Invitation:
    """Invite one person; the same e-mail in the same org is the same participant."""
    participant = _by_email(session, org, person.email) if person.email else None
    if participant is None:
        participant = directory.add_participant(
            session, ctx, org, person.name, person.email, meeting
        )
    attend(session, ctx, meeting, participant, "invitation")
    secret = access.issue_join_link(session, ctx, participant, meeting)
    return Invitation(person.name.strip(), person.email, participant.id, secret)


def _by_email(session: Session, org: Org, email: str) -> Participant | None:
    return session.execute(
        select(Participant)
        .join(Identity, Identity.participant_id == Participant.id)
        .where(Participant.org_id == org.id, func.lower(Identity.email) == email.strip().lower())
        .limit(1)
    ).scalar_one_or_none()


def attend(
    session: Session, ctx: Context, meeting: Meeting, participant: Participant, via: str
) -> None:
    if session.get(Attendance, (meeting.id, participant.id)) is None:
        session.add(
            Attendance(
                meeting_id=meeting.id,
                participant_id=participant.id,
                via=via,
                created_at=ctx.clock(),
            )
        )
        session.flush()


def meeting_for_guest(session: Session, principal: Principal) -> Meeting:
    meeting = session.get(Meeting, principal.meeting_id) if principal.meeting_id else None
    if principal.role is not Role.GUEST or meeting is None:
        raise NotFound("this guest link's meeting no longer exists")
    return meeting


def join_as_guest(
    session: Session, ctx: Context, principal: Principal, display_name: str
) -> tuple[Participant, str]:
    """A guest link's first use: a new participant and their own personal link."""
    if principal.role is not Role.GUEST or principal.meeting_id is None:
        raise NotAllowed("this is not a guest link")
    meeting = meeting_for_guest(session, principal)
    org = org_of(session, principal)
    participant = directory.add_participant(
        session, ctx, org, display_name or "Guest", None, meeting
    )
    attend(session, ctx, meeting, participant, "guest_link")
    return participant, access.issue_join_link(session, ctx, participant, meeting)


def invitation_for(session: Session, meeting: Meeting, name: str, link: str) -> str:
    org = session.get(Org, meeting.org_id)
    notice = policies.current_notice(session, meeting.org_id)
    return invitation_text(
        org_name=org.name if org else "",
        title=meeting.title,
        starts_at=meeting.starts_at,
        invitee=name,
        notice_document=notice.document,
        link=link,
    )


def restrict(
    session: Session, ctx: Context, principal: Principal, purpose: str, meeting: Meeting | None
) -> Restriction:
    """Turn a purpose off for the org (admin) or one meeting (admin or its host).

    This is the only power admins and hosts have over consent: they can narrow, never grant.
    """
    _may_restrict(principal, meeting)
    policy = policies.current_policy(session, principal.org_id).policy
    if policy.terms(purpose) is None:
        raise InvalidInput(f"purpose {purpose!r} is not in this org's policy")
    existing = _restriction(session, principal.org_id, purpose, meeting)
    if existing is not None:
        return existing
    row = Restriction(
        org_id=principal.org_id,
        meeting_id=meeting.id if meeting else None,
        purpose=purpose,
        created_at=ctx.clock(),
    )
    session.add(row)
    session.flush()
    return row


def lift_restriction(
    session: Session, principal: Principal, purpose: str, meeting: Meeting | None
) -> bool:
    _may_restrict(principal, meeting)
    result = session.execute(
        delete(Restriction).where(
            Restriction.org_id == principal.org_id,
            Restriction.purpose == purpose,
            Restriction.meeting_id == meeting.id if meeting else Restriction.meeting_id.is_(None),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _may_restrict(principal: Principal, meeting: Meeting | None) -> None:
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.HOST and meeting is not None and _hosts(principal, meeting):
        return
    raise NotAllowed("only the org's admin, or this meeting's host, can turn a purpose off")


def _restriction(
    session: Session, org_id: str, purpose: str, meeting: Meeting | None
) -> Restriction | None:
    return session.execute(
        select(Restriction).where(
            Restriction.org_id == org_id,
            Restriction.purpose == purpose,
            Restriction.meeting_id == meeting.id if meeting else Restriction.meeting_id.is_(None),
        )
    ).scalar_one_or_none()


def restrictions(session: Session, org_id: str, meeting_id: str | None) -> list[Restriction]:
    """Org-wide restrictions, plus those of one meeting when given."""
    where: ColumnElement[bool] = Restriction.meeting_id.is_(None)
    if meeting_id is not None:
        where = or_(where, Restriction.meeting_id == meeting_id)
    return list(
        session.execute(
            select(Restriction).where(Restriction.org_id == org_id, where).order_by(Restriction.id)
        ).scalars()
    )


@dataclass(frozen=True)
class MeetingCounts:
    """Counts only: how many decisions of each status per purpose, never who."""

    meeting_id: str
    title: str
    starts_at: datetime
    invited: int
    counts: dict[str, dict[str, int]]


def consent_counts(session: Session, principal: Principal) -> list[MeetingCounts]:
    if principal.role is not Role.ADMIN:
        raise NotAllowed("only an org admin can see the consent counts")
    meetings = list(
        session.execute(
            select(Meeting).where(Meeting.org_id == principal.org_id).order_by(Meeting.starts_at)
        ).scalars()
    )
    policy = policies.current_policy(session, principal.org_id).policy
    out = []
    for meeting in meetings:
        rows = session.execute(
            select(
                ConsentStateRow.principal_id,
                ConsentStateRow.purpose,
                ConsentStateRow.status,
                ConsentStateRow.document,
            )
            .where(ConsentStateRow.scope == f"meeting:{meeting.id}")
            .order_by(ConsentStateRow.log_index)
        ).all()
        latest = {(who, purpose): (status, doc) for who, purpose, status, doc in rows}
        tally: dict[str, Counter[str]] = {}
        for (_who, purpose), (status, doc) in latest.items():
            if status == Status.GIVEN.value and needs_renewal(
                record_from_document(json.loads(doc)), policy
            ):
                status = RENEWAL  # given under a notice the policy has since widened
            tally.setdefault(purpose, Counter())[status] += 1
        invited = session.execute(
            select(func.count()).select_from(Attendance).where(Attendance.meeting_id == meeting.id)
        ).scalar_one()
        out.append(
            MeetingCounts(
                meeting.id,
                meeting.title,
                meeting.starts_at,
                invited,
                {p: dict(c) for p, c in sorted(tally.items())},
            )
        )
    return out


def staff_meetings(session: Session, principal: Principal) -> list[Meeting]:
    """An admin sees every meeting of the org; a host the meetings they host."""
    query = select(Meeting).where(Meeting.org_id == principal.org_id)
    if principal.role is Role.HOST:
        if principal.meeting_id is not None:
            query = query.where(Meeting.id == principal.meeting_id)
        else:
            query = query.where(Meeting.host_account_id == principal.account_id)
    elif principal.role is not Role.ADMIN:
        raise NotAllowed("only an admin or a host can list meetings")
    return list(session.execute(query.order_by(Meeting.starts_at)).scalars())
