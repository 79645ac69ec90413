"""Replay a scenario: org, policy, meeting, participants, then every decision in time order.

Each participant acts through their own join credential and the same service calls
as the web pages (``services.participants``): a scenario never writes consent directly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.catalogue import Catalogue
from sayso.domain.records import EventType
from sayso.errors import InvalidInput, NotFound
from sayso.ledger.models import Identity, Meeting, Org, Participant
from sayso.scenario.model import Decision, Scenario
from sayso.services import access, directory, meetings, participants, policies
from sayso.services.context import Context
from sayso.services.ingest import ingest
from sayso.services.participants import Choice

ALL_BY_CONSENT = "all-by-consent"
_ACTS = {"pause": EventType.PAUSE, "resume": EventType.RESUME, "withdraw": EventType.WITHDRAW}


@dataclass(frozen=True)
class ScenarioResult:
    org_id: str
    meeting_id: str
    participants: dict[str, str]  # display name -> participant id
    decisions: int
    segments: int | None = None  # from the archive, when the scenario names one


def all_by_consent(catalogue: Catalogue, org: str) -> dict[str, object]:
    """Every catalogue purpose, every kind of content, each by consent only."""
    modalities = list(catalogue.modalities)
    purposes: dict[str, object] = {
        name: {"modalities": modalities, "retention_days": 365} for name in catalogue.purposes
    }
    purposes["third_party_sharing"] = {
        "modalities": modalities,
        "retention_days": 365,
        "recipients": [{"id": "partner", "name": "Partner Ltd", "description": "a named partner"}],
    }
    return {
        "controller": org,
        "controller_contact": "privacy@example.org",
        "jurisdiction": "EU (GDPR)",
        "storage_location": "the EU",
        "purposes": purposes,
    }


def run_scenario(session: Session, ctx: Context, scenario: Scenario, base: Path) -> ScenarioResult:
    """One unit of work: an invalid step leaves nothing behind."""
    now = {"t": scenario.meeting.starts_at}
    clocked = replace(ctx, clock=lambda: now["t"])
    org = _org(session, clocked, scenario.org)
    policies.apply_policy(session, clocked, org, _policy(scenario, base, clocked.catalogue))
    meeting = _meeting(session, clocked, org, scenario)
    people = {
        p.name: _person(session, clocked, org, meeting, p.name, p.email)
        for p in scenario.participants
    }
    plan = sorted(
        (
            (d.offset, n, i, p.name, d)
            for n, p in enumerate(scenario.participants)
            for i, d in enumerate(p.decisions)
        ),
        key=lambda x: (x[0], x[1], x[2]),
    )
    for offset, n, i, name, decision in plan:
        now["t"] = scenario.meeting.starts_at + offset
        _apply(session, clocked, people[name], meeting.id, decision, f"scenario:{n}:{i}")
    segments = None
    if scenario.archive is not None:
        folder = base / scenario.archive.path
        segments = ingest(session, ctx, meeting.id, scenario.archive.format, folder).segments
    ids = {k: v.participant_id or "" for k, v in people.items()}
    return ScenarioResult(org.id, meeting.id, ids, len(plan), segments)


def _apply(
    session: Session, ctx: Context, who: access.Principal, meeting_id: str, d: Decision, key: str
) -> None:
    if d.action in ("grant", "refuse"):
        modalities = tuple(d.modalities) if d.modalities else None
        choices = [Choice(p, d.action == "grant", modalities, "scenario") for p in d.purposes]
        participants.decide(session, ctx, who, meeting_id, choices, key)
        return
    participants.act(session, ctx, who, meeting_id, _ACTS[d.action], d.purposes, key, "scenario")


def _policy(scenario: Scenario, base: Path, catalogue: Catalogue) -> object:
    if scenario.policy == ALL_BY_CONSENT:
        return all_by_consent(catalogue, scenario.org)
    path = (base / scenario.policy).resolve()
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError:
        raise InvalidInput(f"scenario field policy: cannot read {scenario.policy}") from None
    except yaml.YAMLError:
        raise InvalidInput(f"scenario field policy: {scenario.policy} is not valid YAML") from None


def _org(session: Session, ctx: Context, name: str) -> Org:
    try:
        return directory.find_org(session, name)
    except NotFound:
        return directory.create_org(session, ctx, name)


def _meeting(session: Session, ctx: Context, org: Org, scenario: Scenario) -> Meeting:
    spec = scenario.meeting
    found = session.execute(
        select(Meeting).where(
            Meeting.org_id == org.id,
            Meeting.title == spec.title,
            Meeting.starts_at == spec.starts_at,
        )
    ).scalar_one_or_none()
    return found or directory.create_meeting(session, ctx, org, spec.title, spec.starts_at)


def _person(
    session: Session, ctx: Context, org: Org, meeting: Meeting, name: str, email: str | None
) -> access.Principal:
    """The participant (found again on a re-run), acting through a join credential of their own."""
    found = session.execute(
        select(Participant)
        .join(Identity, Identity.participant_id == Participant.id)
        .where(Participant.meeting_id == meeting.id, Identity.display_name == name)
    ).scalar_one_or_none()
    person = found or directory.add_participant(session, ctx, org, name, email, meeting)
    meetings.attend(session, ctx, meeting, person, "scenario")
    secret = access.issue_join_link(session, ctx, person, meeting)
    return access.resolve(session, ctx, secret)
