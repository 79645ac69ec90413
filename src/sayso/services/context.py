"""What every service needs besides the session: settings, keys, catalogue, clock, actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sayso.domain.catalogue import Catalogue, default_catalogue
from sayso.settings import Settings
from sayso.signing.keys import KeyRing, load_or_create
from sayso.transparency import NoteSigner


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    settings: Settings
    keyring: KeyRing
    catalogue: Catalogue = field(default_factory=default_catalogue)
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def open(cls, settings: Settings) -> Context:
        """Load (or on first start create) the key file named by the settings."""
        return cls(settings=settings, keyring=load_or_create(settings.resolved_key_file()))

    @property
    def origin(self) -> str:
        return self.settings.log_origin

    def note_signer(self) -> NoteSigner:
        return NoteSigner(self.origin, self.keyring.active)


class ActorKind(StrEnum):
    PARTICIPANT = "participant"
    ADMIN = "admin"
    HOST = "host"
    SERVICE = "service"


@dataclass(frozen=True)
class Actor:
    """Who is calling. Only a participant actor may change that same participant's consent."""

    kind: ActorKind
    subject_id: str

    @classmethod
    def participant(cls, participant_id: str) -> Actor:
        return cls(ActorKind.PARTICIPANT, participant_id)
