"""Orgs, meetings and participants (names and e-mail kept apart from the history)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sayso.errors import Conflict, InvalidInput, NotFound
from sayso.ledger.models import Identity, Meeting, Org, Participant
from sayso.services.context import Context


def create_org(session: Session, ctx: Context, name: str) -> Org:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("an org name must be 1 to 200 characters")
    if session.execute(select(Org).where(Org.name == name)).scalar_one_or_none():
        raise Conflict(f"an org named {name!r} already exists")
    org = Org(id=str(uuid.uuid4()), name=name, created_at=ctx.clock())
    session.add(org)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"an org named {name!r} already exists") from None
    return org


def find_org(session: Session, name_or_id: str) -> Org:
    org = session.execute(
        select(Org).where(or_(Org.id == name_or_id, Org.name == name_or_id))
    ).scalar_one_or_none()
    if org is None:
        raise NotFound(f"no org named {name_or_id!r}; create it with `sayso org create NAME`")
    return org


def list_orgs(session: Session) -> list[Org]:
    return list(session.execute(select(Org).order_by(Org.name)).scalars())


def create_meeting(
    session: Session,
    ctx: Context,
    org: Org,
    title: str,
    starts_at: datetime,
    series_id: str | None = None,
) -> Meeting:
    if not title.strip():
        raise InvalidInput("a meeting needs a title")
    if starts_at.tzinfo is None:
        raise InvalidInput(
            "a meeting's start time must carry a time zone, e.g. 2024-03-01T10:00:00Z"
        )
    meeting = Meeting(
        id=str(uuid.uuid4()),
        org_id=org.id,
        title=title.strip(),
        starts_at=starts_at,
        series_id=series_id,
        created_at=ctx.clock(),
    )
    session.add(meeting)
    session.flush()
    return meeting


def add_participant(
    session: Session,
    ctx: Context,
    org: Org,
    display_name: str,
    email: str | None = None,
    meeting: Meeting | None = None,
) -> Participant:
    """A new pseudonymous participant; the name and e-mail go to ``identities`` only."""
    if not display_name.strip():
        raise InvalidInput("a participant needs a display name")
    participant = Participant(
        id=str(uuid.uuid4()),
        org_id=org.id,
        meeting_id=meeting.id if meeting else None,
        created_at=ctx.clock(),
    )
    session.add(participant)
    session.flush()
    session.add(
        Identity(participant_id=participant.id, display_name=display_name.strip(), email=email)
    )
    session.flush()
    return participant
