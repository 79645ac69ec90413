"""Tables of the ledger (SQLAlchemy 2 typed ORM). Every change comes with an Alembic migration.

Personal identifiers (names, e-mail) live only in ``identities``, apart from the
event history, so a person can be erased without touching the history or the log.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every store (SQLite keeps no zone, so we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; use an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(80))
    notice_hash: Mapped[str] = mapped_column(ForeignKey("notices.hash"))
    widens: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRow(Base):
    __tablename__ = "notices"
    hash: Mapped[str] = mapped_column(String(80), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    policy_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    series_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", use_alter=True), default=None
    )


class Participant(Base):
    """A pseudonymous participant: the id is all the history ever names."""

    __tablename__ = "participants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Identity(Base):
    """Names and e-mail, kept apart so erasure never touches the history."""

    __tablename__ = "identities"
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)


class Restriction(Base):
    """An admin or host turned a purpose off (org-wide, or for one meeting)."""

    __tablename__ = "restrictions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), default=None)
    purpose: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentEventRow(Base):
    """The append-only history: one row per event, never updated, never deleted."""

    __tablename__ = "consent_events"
    __table_args__ = (
        UniqueConstraint("principal_id", "idempotency_key", name="uq_consent_events_idempotency"),
    )
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    scope: Mapped[str] = mapped_column(String(80))
    event_type: Mapped[str] = mapped_column(String(16))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    # Hash of the request, so a reused idempotency key with a different request is refused.
    request_hash: Mapped[str] = mapped_column(String(80))
    document: Mapped[str] = mapped_column(Text)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class ConsentStateRow(Base):
    """Current state derived from the history (one row per decision and purpose)."""

    __tablename__ = "consent_state"
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(36))
    scope: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(32))
    log_index: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[str] = mapped_column(Text)


Index("ix_consent_state_principal_scope", ConsentStateRow.principal_id, ConsentStateRow.scope)


class LogLeaf(Base):
    __tablename__ = "log_leaves"
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    commitment: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogNode(Base):
    """Hash of every complete (perfect) subtree: proofs read these, never rebuild the tree."""

    __tablename__ = "log_nodes"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    """One row; appenders lock it, so concurrent writers never fork the log."""

    __tablename__ = "log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class CheckpointRow(Base):
    __tablename__ = "checkpoints"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    """An admin or host who signs in with a password (participants never need an account)."""

    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | host
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attendance(Base):
    """Who was invited to, or joined, which meeting (one participant may attend many)."""

    __tablename__ = "attendance"
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    via: Mapped[str] = mapped_column(String(16))  # invitation | guest_link | demo | scenario
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_attendance_participant", Attendance.participant_id)


class Credential(Base):
    """Every bearer secret (sessions, join and guest links, API tokens), stored hashed.

    Secrets are 32 random bytes, so a plain SHA-256 is enough: there is no dictionary
    to try. Passwords, which people choose, are argon2id in ``accounts``.
    """

    __tablename__ = "credentials"
    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # session | join | guest_link | token
    role: Mapped[str] = mapped_column(String(16))  # participant | admin | host | export | guest
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), default=None)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participants.id"), default=None, index=True
    )
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    purpose: Mapped[str | None] = mapped_column(String(64), default=None)
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    csrf_token: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ExportRow(Base):
    """The registry of exports (datasets built from meeting content)."""

    __tablename__ = "exports"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), default=None)
    purpose: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(16))  # current | flagged
    location: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The log checkpoint every decision of the export was taken under.
    checkpoint_size: Mapped[int] = mapped_column(BigInteger, default=0)
    items_kept: Mapped[int] = mapped_column(Integer, default=0)
    items_withheld: Mapped[int] = mapped_column(Integer, default=0)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ExportSubject(Base):
    """Whose content an export holds, and how many items of it (for the My data page)."""

    __tablename__ = "export_subjects"
    export_id: Mapped[str] = mapped_column(ForeignKey("exports.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    items: Mapped[int] = mapped_column(Integer)


Index("ix_export_subjects_participant", ExportSubject.participant_id)
