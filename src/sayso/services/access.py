"""Who is calling: accounts (admins, hosts), and every bearer secret Sayso hands out.

Participants never have passwords: each one acts through a personal join link (or a
session begun from it). Admins and hosts sign in with a password (argon2id) and get
a session; scripts use scoped API tokens. Every secret is stored as its SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sayso.errors import Conflict, InvalidInput, NotAllowed, Unauthenticated
from sayso.ledger.models import Account, Credential, Meeting, Org, Participant
from sayso.services.context import Actor, ActorKind, Context

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 12
_HASHER = PasswordHasher()
# Verifying against this keeps sign-in time the same whether or not the e-mail exists.
_DUMMY_HASH = _HASHER.hash("not a real password, only for equal timing")


class Role(StrEnum):
    PARTICIPANT = "participant"
    ADMIN = "admin"  # one org
    HOST = "host"  # meetings they host (sessions), or one meeting (tokens)
    EXPORT = "export"  # build exports for one purpose of one org
    GUEST = "guest"  # a meeting's guest link: may only create a participant


class CredentialKind(StrEnum):
    SESSION = "session"
    JOIN = "join"
    GUEST_LINK = "guest_link"
    TOKEN = "token"  # noqa: S105 (a kind of credential, not a secret)


@dataclass(frozen=True)
class Principal:
    """A resolved credential: the role it carries and what it is scoped to."""

    role: Role
    kind: CredentialKind
    org_id: str
    participant_id: str | None = None
    account_id: str | None = None
    meeting_id: str | None = None
    purpose: str | None = None
    csrf_token: str | None = None

    def actor(self) -> Actor:
        if self.role is Role.PARTICIPANT and self.participant_id:
            return Actor.participant(self.participant_id)
        kind = {Role.ADMIN: ActorKind.ADMIN, Role.HOST: ActorKind.HOST}.get(
            self.role, ActorKind.SERVICE
        )
        return Actor(kind, self.account_id or self.meeting_id or self.org_id)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def create_account(
    session: Session, ctx: Context, org: Org, email: str, password: str, role: Role
) -> Account:
    if role not in (Role.ADMIN, Role.HOST):
        raise InvalidInput("an account is for an admin or a host")
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidInput("give the account's e-mail address")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password must be at least {MIN_PASSWORD} characters")
    account = Account(
        id=str(uuid.uuid4()),
        org_id=org.id,
        email=email,
        role=role.value,
        password_hash=_HASHER.hash(password),
        created_at=ctx.clock(),
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("an account with that e-mail already exists") from None
    return account


def set_password(account: Account, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password must be at least {MIN_PASSWORD} characters")
    account.password_hash = _HASHER.hash(password)


def find_account(session: Session, email: str) -> Account | None:
    return session.execute(
        select(Account).where(Account.email == email.strip().lower())
    ).scalar_one_or_none()


def sign_in(session: Session, ctx: Context, email: str, password: str) -> str:
    """Check a password; on success start a session and return its secret."""
    account = find_account(session, email)
    try:
        _HASHER.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        account = None
    if account is None:
        raise Unauthenticated("that e-mail and password do not match an account")
    principal = Principal(
        Role(account.role), CredentialKind.SESSION, account.org_id, account_id=account.id
    )
    return start_session(session, ctx, principal)


def _store(
    session: Session, ctx: Context, secret: str, principal: Principal, **extra: object
) -> None:
    session.add(
        Credential(
            secret_hash=hash_secret(secret),
            kind=principal.kind.value,
            role=principal.role.value,
            org_id=principal.org_id,
            meeting_id=principal.meeting_id,
            participant_id=principal.participant_id,
            account_id=principal.account_id,
            purpose=principal.purpose,
            created_at=ctx.clock(),
            **extra,
        )
    )
    session.flush()


def start_session(session: Session, ctx: Context, principal: Principal) -> str:
    """A browser session for the same principal, with its own CSRF token."""
    secret = _new_secret()
    target = Principal(
        principal.role,
        CredentialKind.SESSION,
        principal.org_id,
        participant_id=principal.participant_id,
        account_id=principal.account_id,
        meeting_id=principal.meeting_id,
        purpose=principal.purpose,
    )
    _store(
        session,
        ctx,
        secret,
        target,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=ctx.clock() + SESSION_LIFETIME,
    )
    return secret


def end_session(session: Session, ctx: Context, secret: str) -> None:
    row = session.get(Credential, hash_secret(secret))
    if row is not None and row.kind == CredentialKind.SESSION.value and row.revoked_at is None:
        row.revoked_at = ctx.clock()


def issue_token(
    session: Session,
    ctx: Context,
    issuer: Principal,
    role: Role,
    *,
    meeting: Meeting | None = None,
    purpose: str | None = None,
    label: str | None = None,
) -> str:
    """An API token for scripts. Only an org's admin issues them, and never a participant's."""
    if issuer.role is not Role.ADMIN:
        raise NotAllowed("only an org admin can issue API tokens")
    if role is Role.HOST and meeting is None:
        raise InvalidInput("a host token is for one meeting; name it")
    if role is Role.EXPORT and not purpose:
        raise InvalidInput("an export token is for one purpose; name it")
    if role not in (Role.ADMIN, Role.HOST, Role.EXPORT):
        raise InvalidInput("tokens are for admin, host or export; participants use their link")
    if meeting is not None and meeting.org_id != issuer.org_id:
        raise NotAllowed("that meeting belongs to another org")
    return issue_token_for_org(session, ctx, issuer.org_id, role, meeting, purpose, label)


def issue_token_for_org(
    session: Session,
    ctx: Context,
    org_id: str,
    role: Role,
    meeting: Meeting | None = None,
    purpose: str | None = None,
    label: str | None = None,
) -> str:
    """Bootstrap path (CLI, demo): the operator of the server issues a token directly."""
    secret = _new_secret()
    principal = Principal(
        role,
        CredentialKind.TOKEN,
        org_id,
        meeting_id=meeting.id if meeting else None,
        purpose=purpose,
    )
    _store(session, ctx, secret, principal, label=label)
    return secret


def issue_join_link(
    session: Session, ctx: Context, participant: Participant, meeting: Meeting
) -> str:
    """The personal secret behind an invitee's link: it acts for that participant alone."""
    secret = _new_secret()
    principal = Principal(
        Role.PARTICIPANT,
        CredentialKind.JOIN,
        participant.org_id,
        participant_id=participant.id,
        meeting_id=meeting.id,
    )
    _store(session, ctx, secret, principal)
    return secret


def issue_guest_link(session: Session, ctx: Context, meeting: Meeting) -> str:
    secret = _new_secret()
    _store(
        session,
        ctx,
        secret,
        Principal(Role.GUEST, CredentialKind.GUEST_LINK, meeting.org_id, meeting_id=meeting.id),
    )
    return secret


def resolve(session: Session, ctx: Context, secret: str) -> Principal:
    """The principal behind a secret, or ``Unauthenticated`` (unknown, expired, revoked)."""
    row = session.get(Credential, hash_secret(secret)) if secret else None
    now = ctx.clock()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        raise Unauthenticated("this link or token is unknown, expired or revoked")
    return Principal(
        Role(row.role),
        CredentialKind(row.kind),
        row.org_id,
        participant_id=row.participant_id,
        account_id=row.account_id,
        meeting_id=row.meeting_id,
        purpose=row.purpose,
        csrf_token=row.csrf_token,
    )


def revoke_join_links(session: Session, ctx: Context, participant_id: str) -> int:
    rows = session.execute(
        select(Credential).where(
            Credential.participant_id == participant_id,
            Credential.kind == CredentialKind.JOIN.value,
            Credential.revoked_at.is_(None),
        )
    ).scalars()
    count = 0
    for row in rows:
        row.revoked_at = ctx.clock()
        count += 1
    return count
