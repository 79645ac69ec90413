"""The decision: may this segment be used for this purpose at this time? Pure; fails closed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sayso.domain.policy import Policy, PurposeTerms
from sayso.domain.records import ConsentRecord, NoticeTerms, ScopeKind, Status


class Reason(StrEnum):
    # allowed
    CONSENT = "consent"
    LEGAL_BASIS = "legal_basis"
    # denied
    NO_CONSENT = "no_consent"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    OUTSIDE_CAPTURE_WINDOW = "outside_capture_window"
    POLICY_DISABLED = "policy_disabled"
    NOTICE_OUTDATED = "notice_outdated"
    MODALITY_NOT_COVERED = "modality_not_covered"
    RECIPIENT_NOT_COVERED = "recipient_not_covered"
    PRIVATE_MESSAGE = "private_message"
    UNATTRIBUTED = "unattributed"


@dataclass(frozen=True)
class Segment:
    """One attributable piece of meeting content (participant ``None`` = unattributed)."""

    org_id: str
    meeting_id: str
    participant_id: str | None
    modality: str
    t_start: datetime
    t_end: datetime
    series_id: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Restriction:
    """An admin or host turned a purpose off: for the whole org (meeting_id None) or one meeting."""

    purpose: str
    meeting_id: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason
    record_id: str | None = None
    log_index: int | None = None


def decide(
    records: Iterable[ConsentRecord],
    policy: Policy,
    segment: Segment,
    purpose: str,
    at: datetime,
    *,
    restrictions: Iterable[Restriction] = (),
    recipient: str | None = None,
) -> Decision:
    """Allowed only if a consent in force covers participant, modality, purpose and whole span."""
    if segment.private:
        return Decision(False, Reason.PRIVATE_MESSAGE)
    if segment.participant_id is None:
        return Decision(False, Reason.UNATTRIBUTED)
    terms = policy.terms(purpose)
    if terms is None or not _policy_allows(terms, segment, purpose, restrictions, recipient):
        return Decision(False, Reason.POLICY_DISABLED)
    mine = [r for r in records if _concerns(r, segment, purpose) and r.decided_at <= at]
    if terms.basis != "consent":
        return _decide_non_consent(mine, at)
    return _decide_consent(mine, terms, segment, at, recipient)


def _policy_allows(
    terms: PurposeTerms,
    segment: Segment,
    purpose: str,
    restrictions: Iterable[Restriction],
    recipient: str | None,
) -> bool:
    for r in restrictions:
        if r.purpose == purpose and r.meeting_id in (None, segment.meeting_id):
            return False
    if segment.modality not in terms.modalities:
        return False
    if terms.recipients:
        return recipient is not None and recipient in {x.id for x in terms.recipients}
    return recipient is None


def _concerns(record: ConsentRecord, segment: Segment, purpose: str) -> bool:
    if record.principal_id != segment.participant_id or record.purpose != purpose:
        return False
    scope = record.scope
    if scope.kind is ScopeKind.MEETING:
        return scope.id == segment.meeting_id
    if scope.kind is ScopeKind.SERIES:
        return segment.series_id is not None and scope.id == segment.series_id
    return scope.id == segment.org_id


def _decide_non_consent(mine: Sequence[ConsentRecord], at: datetime) -> Decision:
    # A declared non-consent basis covers silence, but a "no" still means nothing is captured.
    if mine:
        latest = max(mine, key=lambda r: r.log_index)
        if latest.status is Status.REFUSED:
            return Decision(False, Reason.REFUSED, latest.record_id, latest.log_index)
        if not latest.in_use_at(at):
            return Decision(False, Reason.WITHDRAWN, latest.record_id, latest.log_index)
    return Decision(True, Reason.LEGAL_BASIS)


def _decide_consent(
    mine: Sequence[ConsentRecord],
    terms: PurposeTerms,
    segment: Segment,
    at: datetime,
    recipient: str | None,
) -> Decision:
    if not mine:
        return Decision(False, Reason.NO_CONSENT)
    latest = max(mine, key=lambda r: r.log_index)
    if latest.status is Status.REFUSED:
        return Decision(False, Reason.REFUSED, latest.record_id, latest.log_index)
    live = sorted((r for r in mine if r.in_use_at(at)), key=lambda r: -r.log_index)
    if not live:
        return Decision(False, _ended_reason(latest.status), latest.record_id, latest.log_index)
    first_failure: Decision | None = None
    for record in live:
        reason = _check_grant(record, terms, segment, recipient)
        decision = Decision(
            reason is None, reason or Reason.CONSENT, record.record_id, record.log_index
        )
        if decision.allowed:
            return decision
        first_failure = first_failure or decision
    assert first_failure is not None
    return first_failure


def _ended_reason(status: Status) -> Reason:
    if status is Status.EXPIRED:
        return Reason.EXPIRED
    if status is Status.INVALIDATED:
        return Reason.NOTICE_OUTDATED
    return Reason.WITHDRAWN


def _check_grant(
    record: ConsentRecord, terms: PurposeTerms, segment: Segment, recipient: str | None
) -> Reason | None:
    if record.terms is None or outdated(record.terms, terms):
        return Reason.NOTICE_OUTDATED
    # A grant event's modalities and recipients are the union over its purposes: this
    # purpose is covered only for what its own notice terms named (no stretching).
    if segment.modality not in record.modalities or segment.modality not in record.terms.modalities:
        return Reason.MODALITY_NOT_COVERED
    if recipient is not None and (
        recipient not in record.recipients or recipient not in record.terms.recipients
    ):
        return Reason.RECIPIENT_NOT_COVERED
    if not any(w.contains_span(segment.t_start, segment.t_end) for w in record.capture_windows):
        return Reason.OUTSIDE_CAPTURE_WINDOW
    return None


def outdated(seen: NoticeTerms, now: PurposeTerms) -> bool:
    """The purpose now asks for more than the notice the person answered said."""
    return now.basis != seen.basis or now.retention_days > seen.retention_days
