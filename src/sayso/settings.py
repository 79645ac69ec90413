"""Settings: one pydantic-settings class, read when constructed, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/sayso.db"


class Settings(BaseSettings):
    """Where Sayso keeps its data and keys; every field can be set as SAYSO_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SAYSO_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the ledger: sqlite:///path (default) or postgresql://…",
    )
    key_file: Path | None = Field(
        default=None,
        description=(
            "Signing key file (Ed25519, 0600, outside the database). Default: "
            "<database dir>/sayso-keys.json for SQLite, ./var/sayso-keys.json otherwise."
        ),
    )
    log_origin: str = Field(
        default="sayso.example/consent-log",
        description="The origin line of this deployment's log checkpoints (C2SP tlog-checkpoint).",
    )

    data_dir: Path | None = Field(
        default=None,
        description=(
            "Where ingested segment tables are kept. Default: <database dir>/data for "
            "SQLite, ./var/data otherwise."
        ),
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "The address people reach this server at, for links in invitations "
            "(e.g. https://consent.acme.example). Default: the address of each request."
        ),
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Mark session cookies Secure. Default: when the request came over HTTPS "
            "(set true behind a TLS-terminating proxy)."
        ),
    )
    rate_limit_signin: str = Field(
        default="10/minute", description="Sign-in attempts allowed per client address."
    )
    rate_limit_join: str = Field(
        default="30/minute", description="Join and guest-link uses allowed per client address."
    )

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        return self.resolved_key_file().parent / "data"

    def resolved_key_file(self) -> Path:
        """The key file path: explicit, or beside the SQLite file, or under ./var."""
        if self.key_file is not None:
            return self.key_file
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :]).parent / "sayso-keys.json"
        return Path("var") / "sayso-keys.json"
