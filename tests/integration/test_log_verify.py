"""`sayso log verify` names the first bad entry when any row is altered, removed or reordered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sayso.ledger.db import make_engine
from tests.integration.cli_helpers import Cli


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    c = Cli(db_url, tmp_path / "keys.json")
    c("demo")
    assert c.json("log", "verify")["ok"]
    return c


def _sql(db_url: str, *statements: str) -> None:
    """Tamper as someone with full database rights would: first drop the append-only guard."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            for statement in _drop_guards(engine.dialect.name):
                conn.execute(text(statement))
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _drop_guards(dialect: str) -> list[str]:
    tables = ("consent_events", "log_leaves", "log_nodes", "checkpoints")
    if dialect == "postgresql":
        return [f"DROP TRIGGER {t}_append_only ON {t}" for t in tables]
    return [f"DROP TRIGGER {t}_no_{a}" for t in tables for a in ("update", "delete")]


TAMPERING = {
    "event document altered": (
        [
            "UPDATE consent_events SET document = REPLACE(document, '\"refuse\"', '\"grant\"') "
            "WHERE log_index = 1"
        ],
        "log entry 1",
    ),
    "event column altered": (
        ["UPDATE consent_events SET event_type = 'grant' WHERE log_index = 5"],
        "log entry 5",
    ),
    "event time altered": (
        ["UPDATE consent_events SET event_time = '2020-01-01 00:00:00.000000' WHERE log_index = 4"],
        "log entry 4",
    ),
    "event scope altered": (
        ["UPDATE consent_events SET scope = 'org:elsewhere' WHERE log_index = 2"],
        "log entry 2",
    ),
    "event removed": (["DELETE FROM consent_events WHERE log_index = 3"], "log entry 3"),
    "events reordered": (
        [
            "UPDATE consent_events SET log_index = -1 WHERE log_index = 2",
            "UPDATE consent_events SET log_index = 2 WHERE log_index = 4",
            "UPDATE consent_events SET log_index = 4 WHERE log_index = -1",
        ],
        "log entry 2",
    ),
    "salt altered": (
        [
            "UPDATE consent_events SET salt = "
            "(SELECT salt FROM consent_events WHERE log_index = 0) "
            "WHERE log_index = 4"
        ],
        "log entry 4",
    ),
    "leaf removed": (["DELETE FROM log_leaves WHERE idx = 2"], "log entry 2"),
    "leaf hash altered": (
        [
            "UPDATE log_leaves SET leaf_hash = (SELECT leaf_hash FROM log_leaves WHERE idx = 0) "
            "WHERE idx = 3"
        ],
        "log entry 3",
    ),
    "node altered": (
        [
            "UPDATE log_nodes SET hash = (SELECT hash FROM log_nodes WHERE level = 0 AND idx = 0) "
            "WHERE level = 1 AND idx = 1"
        ],
        "level 1, index 1",
    ),
    "node removed": (["DELETE FROM log_nodes WHERE level = 2 AND idx = 0"], "missing"),
    "checkpoint root altered": (
        [
            "UPDATE checkpoints SET root = (SELECT root FROM checkpoints WHERE size = 1) "
            "WHERE size = 3"
        ],
        "checkpoint at size 3",
    ),
    "checkpoint note altered": (
        [
            "UPDATE checkpoints SET note = REPLACE(note, 'consent-log\n4\n', 'consent-log\n5\n') "
            "WHERE size = 4"
        ],
        "checkpoint at size 4",
    ),
    "head shrunk": (["UPDATE log_head SET size = 5"], "head says 5"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_fails_naming_the_first_bad_entry(cli: Cli, db_url: str, case: str) -> None:
    statements, where = TAMPERING[case]
    _sql(db_url, *statements)
    out = cli("log", "verify", expect=1)
    assert where in out, out


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_events SET event_type = 'grant'",
        "DELETE FROM consent_events",
        "UPDATE log_leaves SET idx = idx + 100",
        "DELETE FROM log_nodes",
        "DELETE FROM checkpoints",
    ],
)
def test_the_database_itself_refuses_to_change_history(
    cli: Cli, db_url: str, statement: str
) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    assert cli.json("log", "verify")["ok"]
