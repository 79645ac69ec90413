"""The demo: Acme Corp, a job interview, and participants whose choices differ."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.records import EventType, Scope, ScopeKind
from sayso.errors import NotFound
from sayso.ledger.models import Account, Identity, Meeting, Org, Participant
from sayso.services import access, directory, meetings, policies
from sayso.services.consent import ConsentRequest, Receipt, record_decisions
from sayso.services.context import Actor, Context

ORG = "Acme Corp"
MEETING = "Job interview"

# (display name, e-mail, [(action, purposes, modalities or None)])
Step = tuple[EventType, tuple[str, ...], tuple[str, ...] | None]
PEOPLE: list[tuple[str, str | None, list[Step]]] = [
    (
        "Diane Candidate",
        "diane@example.org",
        [
            (EventType.GRANT, ("recording", "transcription"), None),
            (
                EventType.REFUSE,
                ("ai_training", "ai_features", "product_improvement", "third_party_sharing"),
                None,
            ),
        ],
    ),
    (
        "Sheila Interviewer",
        "sheila@acme.example",
        [
            (
                EventType.GRANT,
                ("recording", "transcription", "ai_features", "ai_training"),
                ("audio", "transcript", "chat"),
            )
        ],
    ),
    (
        "Priya Manager",
        None,
        [
            (EventType.GRANT, ("recording", "ai_features"), None),
            (EventType.WITHDRAW, ("ai_features",), None),
        ],
    ),
    ("Guest", None, [(EventType.REFUSE, ("recording", "transcription", "ai_training"), None)]),
]


@dataclass(frozen=True)
class DemoStep:
    name: str
    action: str
    purposes: tuple[str, ...]
    receipt: Receipt


@dataclass(frozen=True)
class DemoResult:
    org_id: str
    meeting_id: str
    participants: dict[str, str]
    steps: list[DemoStep]


def demo_policy() -> object:
    return yaml.safe_load(
        resources.files("sayso.services").joinpath("demo_policy.yaml").read_text("utf-8")
    )


def run_demo(session: Session, ctx: Context) -> DemoResult:
    """Build (or find) the demo org and meeting and replay everyone's choices, idempotently."""
    org = _org(session, ctx)
    policies.apply_policy(session, ctx, org, demo_policy())
    meeting = _meeting(session, ctx, org)
    scope = Scope(ScopeKind.MEETING, meeting.id)
    steps: list[DemoStep] = []
    ids: dict[str, str] = {}
    for name, email, plan in PEOPLE:
        person = _participant(session, ctx, org, meeting, name, email)
        meetings.attend(session, ctx, meeting, person, "demo")
        ids[name] = person.id
        for n, (action, purposes, modalities) in enumerate(plan):
            request = ConsentRequest(
                principal_id=person.id,
                scope=scope,
                action=action,
                purposes=purposes,
                modalities=modalities,
                idempotency_key=f"demo-{n}",
                indication_method="web",
            )
            [receipt] = record_decisions(session, ctx, Actor.participant(person.id), [request])
            steps.append(DemoStep(name, action.value, purposes, receipt))
    return DemoResult(org.id, meeting.id, ids, steps)


ADMIN_EMAIL = "admin@acme.example"
HOST_EMAIL = "host@acme.example"


@dataclass(frozen=True)
class WebDemo:
    """Fresh secrets for the demo (only hashes are stored, so each start issues new ones)."""

    org_id: str
    meeting_id: str
    admin_email: str
    admin_password: str
    host_email: str
    host_password: str
    admin_token: str
    host_token: str
    join_secrets: list[tuple[str, str]]  # (display name, secret)
    guest_secret: str


def seed_web_demo(session: Session, ctx: Context) -> WebDemo:
    """The demo plus what the web needs: accounts, tokens, a link per invitee, a guest link."""
    result = run_demo(session, ctx)
    org = session.get(Org, result.org_id)
    meeting = session.get(Meeting, result.meeting_id)
    assert org is not None
    assert meeting is not None
    admin_password, host_password = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    _account(session, ctx, org, ADMIN_EMAIL, admin_password, access.Role.ADMIN)
    host = _account(session, ctx, org, HOST_EMAIL, host_password, access.Role.HOST)
    meeting.host_account_id = host.id
    joins = []
    for name, participant_id in result.participants.items():
        participant = session.get(Participant, participant_id)
        assert participant is not None
        joins.append((name, access.issue_join_link(session, ctx, participant, meeting)))
    return WebDemo(
        org_id=org.id,
        meeting_id=meeting.id,
        admin_email=ADMIN_EMAIL,
        admin_password=admin_password,
        host_email=HOST_EMAIL,
        host_password=host_password,
        admin_token=access.issue_token_for_org(
            session, ctx, org.id, access.Role.ADMIN, label="demo"
        ),
        host_token=access.issue_token_for_org(
            session, ctx, org.id, access.Role.HOST, meeting, label="demo"
        ),
        join_secrets=joins,
        guest_secret=access.issue_guest_link(session, ctx, meeting),
    )


def _account(
    session: Session, ctx: Context, org: Org, email: str, password: str, role: access.Role
) -> Account:
    """The demo's accounts get a fresh random password on every start."""
    found = access.find_account(session, email)
    if found is None:
        return access.create_account(session, ctx, org, email, password, role)
    access.set_password(found, password)
    return found


def _org(session: Session, ctx: Context) -> Org:
    try:
        return directory.find_org(session, ORG)
    except NotFound:
        return directory.create_org(session, ctx, ORG)


def _meeting(session: Session, ctx: Context, org: Org) -> Meeting:
    found = session.execute(
        select(Meeting).where(Meeting.org_id == org.id, Meeting.title == MEETING)
    ).scalar_one_or_none()
    if found is not None:
        return found
    start = (ctx.clock() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    return directory.create_meeting(session, ctx, org, MEETING, start)


def _participant(
    session: Session, ctx: Context, org: Org, meeting: Meeting, name: str, email: str | None
) -> Participant:
    found = session.execute(
        select(Participant)
        .join(Identity, Identity.participant_id == Participant.id)
        .where(Participant.meeting_id == meeting.id, Identity.display_name == name)
    ).scalar_one_or_none()
    if found is not None:
        return found
    return directory.add_participant(session, ctx, org, name, email, meeting)
