"""Where one participant stands on each purpose now: what the decide and meeting pages show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sayso.domain.decision import outdated
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentRecord, Status


class Answer(StrEnum):
    NONE = "none"  # never asked or never answered: silence is no
    YES = "yes"
    NO = "no"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"  # expired or invalidated
    RENEW = "renew"  # a yes given under an older notice that this one widens


@dataclass(frozen=True)
class Standing:
    purpose: str
    answer: Answer
    modalities: tuple[str, ...] = ()
    capturing: bool = False  # a yes whose capture window is open now (not paused)
    record_id: str | None = None
    log_index: int | None = None


def standing(records: Iterable[ConsentRecord], policy: Policy, at: datetime) -> list[Standing]:
    """The latest decision per purpose of the policy (one participant, one scope).

    A yes given under a notice that the current policy widens (more kinds of content,
    more recipients, longer retention, another basis) is shown as needing renewal.
    """
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(records, key=lambda r: r.log_index):
        if record.decided_at <= at:
            latest[record.purpose] = record
    return [_one(p, latest.get(p), at, policy) for p in policy.purposes]


def _one(purpose: str, record: ConsentRecord | None, at: datetime, policy: Policy) -> Standing:
    if record is None:
        return Standing(purpose, Answer.NONE)
    answer = {
        Status.REFUSED: Answer.NO,
        Status.WITHDRAWN: Answer.WITHDRAWN,
        Status.EXPIRED: Answer.ENDED,
        Status.INVALIDATED: Answer.ENDED,
    }.get(record.status, Answer.YES)
    if answer is Answer.YES and record.use_end is not None and record.use_end <= at:
        answer = Answer.ENDED
    if answer is Answer.YES and needs_renewal(record, policy):
        answer = Answer.RENEW
    capturing = answer is Answer.YES and any(
        w.start <= at and (w.end is None or at < w.end) for w in record.capture_windows
    )
    # A grant names the kinds of content of all its purposes; this purpose covers its own.
    own = record.terms.modalities if record.terms else ()
    return Standing(
        purpose,
        answer,
        tuple(m for m in record.modalities if m in own) if answer is Answer.YES else (),
        capturing,
        record.record_id,
        record.log_index,
    )


def needs_renewal(record: ConsentRecord, policy: Policy) -> bool:
    """The policy now asks more of this purpose than the notice the record answered."""
    now = policy.terms(record.purpose)
    seen = record.terms
    if now is None or seen is None:
        return seen is None
    return (
        outdated(seen, now)
        or not set(now.modalities) <= set(seen.modalities)
        or not {r.id for r in now.recipients} <= set(seen.recipients)
    )
