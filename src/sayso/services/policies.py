"""Policy versions and the notices generated from them."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayso.domain.canonical import canonical_json
from sayso.domain.notice import Notice, generate_notice
from sayso.domain.policy import Policy, PolicyChange, parse_policy, policy_changes
from sayso.errors import NotFound
from sayso.ledger.models import NoticeRow, Org, PolicyVersion
from sayso.services.context import Context


@dataclass(frozen=True)
class PublishedPolicy:
    org_id: str
    version: int
    policy: Policy
    notice_hash: str
    changes: tuple[PolicyChange, ...]
    widens: bool
    unchanged: bool = False


def apply_policy(session: Session, ctx: Context, org: Org, raw: object) -> PublishedPolicy:
    """Validate and publish a new policy version (a no-op when nothing changed)."""
    policy = parse_policy(raw, ctx.catalogue)
    current = latest_version(session, org.id)
    if current is not None and current.content_hash == policy.content_hash():
        return _published(current, unchanged=True)
    old = Policy.model_validate_json(current.document) if current else None
    version = (current.version if current else 0) + 1
    notice = generate_notice(policy, version, org.name, ctx.catalogue)
    _store_notice(session, ctx, org, notice)
    changes = tuple(policy_changes(old, policy))
    widens = old is not None and any(c.widening for c in changes)
    row = PolicyVersion(
        org_id=org.id,
        version=version,
        document=canonical_json(policy.document()).decode(),
        content_hash=policy.content_hash(),
        notice_hash=notice.hash,
        widens=widens,
        created_at=ctx.clock(),
    )
    session.add(row)
    session.flush()
    return PublishedPolicy(org.id, version, policy, notice.hash, changes, widens)


def _published(row: PolicyVersion, unchanged: bool = False) -> PublishedPolicy:
    return PublishedPolicy(
        row.org_id,
        row.version,
        Policy.model_validate_json(row.document),
        row.notice_hash,
        (),
        row.widens,
        unchanged,
    )


def _store_notice(session: Session, ctx: Context, org: Org, notice: Notice) -> None:
    if session.get(NoticeRow, notice.hash) is not None:
        return
    session.add(
        NoticeRow(
            hash=notice.hash,
            org_id=org.id,
            policy_version=notice.policy_version,
            language=notice.language,
            text=notice.text,
            document=canonical_json(notice.document).decode(),
            created_at=ctx.clock(),
        )
    )


def latest_version(session: Session, org_id: str) -> PolicyVersion | None:
    return session.execute(
        select(PolicyVersion)
        .where(PolicyVersion.org_id == org_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_policy(session: Session, org_id: str) -> PublishedPolicy:
    row = latest_version(session, org_id)
    if row is None:
        raise NotFound("this org has no policy yet; publish one with `sayso policy apply FILE`")
    return _published(row)


def policy_version(session: Session, org_id: str, version: int) -> PublishedPolicy:
    row = session.get(PolicyVersion, (org_id, version))
    if row is None:
        count = session.execute(
            select(func.count()).where(PolicyVersion.org_id == org_id)
        ).scalar_one()
        raise NotFound(f"policy version {version} does not exist (this org has {count})")
    return _published(row)


def diff_versions(session: Session, org_id: str, old: int, new: int) -> list[PolicyChange]:
    before = policy_version(session, org_id, old).policy
    after = policy_version(session, org_id, new).policy
    return policy_changes(before, after)


@dataclass(frozen=True)
class StoredNotice:
    hash: str
    policy_version: int
    language: str
    text: str
    document: dict[str, object]


def get_notice(session: Session, notice_hash: str) -> StoredNotice:
    row = session.get(NoticeRow, notice_hash)
    if row is None:
        raise NotFound(f"no notice with hash {notice_hash}")
    return StoredNotice(
        row.hash, row.policy_version, row.language, row.text, json.loads(row.document)
    )


def current_notice(session: Session, org_id: str) -> StoredNotice:
    return get_notice(session, current_policy(session, org_id).notice_hash)


def versions(session: Session, org_id: str) -> list[PolicyVersion]:
    return list(
        session.execute(
            select(PolicyVersion)
            .where(PolicyVersion.org_id == org_id)
            .order_by(PolicyVersion.version)
        ).scalars()
    )


def notice_diff(session: Session, org_id: str, old: int, new: int) -> list[str]:
    """A line diff between the notices of two policy versions (what people will read anew)."""
    before = get_notice(session, policy_version(session, org_id, old).notice_hash)
    after = get_notice(session, policy_version(session, org_id, new).notice_hash)
    return list(
        difflib.unified_diff(
            before.text.splitlines(),
            after.text.splitlines(),
            f"notice of version {old}",
            f"notice of version {new}",
            lineterm="",
        )
    )


def preview_notice(session: Session, ctx: Context, org: Org, raw: object) -> Notice:
    """The notice a policy would produce, without publishing anything (validates it too)."""
    policy = parse_policy(raw, ctx.catalogue)
    current = latest_version(session, org.id)
    return generate_notice(policy, (current.version if current else 0) + 1, org.name, ctx.catalogue)
