"""The CLI end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from sayso.ledger.db import make_engine
from sayso.services.demo import demo_policy
from tests.integration.cli_helpers import Cli
from tests.integration.receipts import first_receipt


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    return Cli(db_url, tmp_path / "keys.json")


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(demo_policy()))
    return path


def test_init_creates_schema_and_a_private_key_file(cli: Cli) -> None:
    out = cli("init")
    assert "schema revision" in out
    assert cli.key_file.stat().st_mode & 0o777 == 0o600


def test_commands_before_init_say_what_to_run(cli: Cli) -> None:
    out = cli("org", "list", expect=1)
    assert "sayso db upgrade" in out


def test_policy_apply_show_diff_and_notice(cli: Cli, policy_file: Path, tmp_path: Path) -> None:
    cli("init")
    org = cli.json("org", "create", "Acme Corp")
    first = cli.json("policy", "apply", str(policy_file), "--org", "Acme Corp")
    assert first["version"] == 1
    assert first["notice_hash"].startswith("sha256:")
    again = cli.json("policy", "apply", str(policy_file), "--org", org["id"])
    assert again["unchanged"]
    assert again["version"] == 1

    wider = demo_policy()
    assert isinstance(wider, dict)
    wider["purposes"]["product_improvement"]["modalities"].append("audio")
    wider_file = tmp_path / "wider.yaml"
    wider_file.write_text(yaml.safe_dump(wider))
    second = cli.json("policy", "apply", str(wider_file), "--org", "Acme Corp")
    assert second["version"] == 2
    assert second["needs_renewal"]
    assert "product_improvement: modality audio added" in second["changes"]

    shown = cli.json("policy", "show", "--org", "Acme Corp", "--version", "1")
    assert shown["policy"]["purposes"]["product_improvement"]["modalities"] == ["transcript"]
    diff = cli.json("policy", "diff", "--org", "Acme Corp")
    assert diff["old"] == 1
    assert diff["new"] == 2
    assert diff["needs_renewal"]
    notice = cli("notice", "show", "--org", "Acme Corp")
    assert "Acme Corp, the account owner of this meeting" in notice
    assert second["notice_hash"] in notice


def test_a_coercive_policy_is_rejected_naming_the_rule_and_nothing_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    cli("init")
    cli("org", "create", "Acme Corp")
    bad = demo_policy()
    assert isinstance(bad, dict)
    bad["purposes"]["ai_training"]["condition_of_joining"] = True
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    out = cli("policy", "apply", str(path), "--org", "Acme Corp", expect=1)
    assert "no_coercion" in out
    assert "has no policy yet" in cli("policy", "show", "--org", "Acme Corp", expect=1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("purposes: [unclosed", "not valid YAML"),
        ("- a list", "must be a mapping"),
        ("controller: X\npurposes: {}\nextra: 1", "schema"),
    ],
)
def test_malformed_policy_files_get_a_sentence_not_a_traceback(
    cli: Cli, tmp_path: Path, content: str, message: str
) -> None:
    cli("init")
    cli("org", "create", "Acme Corp")
    path = tmp_path / "p.yaml"
    path.write_text(content)
    assert message in cli("policy", "apply", str(path), "--org", "Acme Corp", expect=1)


def test_missing_policy_file_and_unknown_org(cli: Cli, policy_file: Path) -> None:
    cli("init")
    assert "does not exist" in cli("policy", "apply", "/nonexistent.yaml", "--org", "X", expect=1)
    assert "no org named" in cli("policy", "apply", str(policy_file), "--org", "Nobody", expect=1)


def test_demo_then_log_checkpoint_and_verify(cli: Cli) -> None:
    demo = cli.json("demo")
    assert len(demo["steps"]) == 6
    assert demo["checkpoint"].startswith("sayso.example/consent-log\n6\n")
    # Running the demo again changes nothing: every decision carries an idempotency key.
    again = cli.json("demo")
    assert [s["log_index"] for s in again["steps"]] == [s["log_index"] for s in demo["steps"]]
    cp = cli.json("log", "checkpoint")
    assert cp["size"] == 6
    report = cli.json("log", "verify")
    assert report["ok"]
    assert report["size"] == 6


def test_receipt_verify_offline_and_against_the_live_log(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    cli("demo")
    token = first_receipt(db_url, cli.key_file)
    path = tmp_path / "receipt.jws"
    path.write_text(token)
    offline = cli.json("receipt", "verify", str(path))
    assert offline["valid"]
    assert not offline["checked_against_live_log"]
    live = cli.json("receipt", "verify", str(path), "--db", db_url)
    assert live["checked_against_live_log"]
    assert "Sayso consent receipt" in cli("receipt", "verify", str(path), "--text")

    keys = tmp_path / "jwks.json"
    keys.write_text(cli("keys", "export"))
    assert cli.json("receipt", "verify", str(path), "--keys", str(keys))["valid"]


def test_tampered_and_foreign_receipts_are_rejected(cli: Cli, tmp_path: Path, db_url: str) -> None:
    cli("demo")
    token = first_receipt(db_url, cli.key_file)
    header, payload, sig = token.split(".")
    tampered = tmp_path / "tampered.jws"
    tampered.write_text(f"{header}.{payload[:-4]}AAAA.{sig}")
    assert "signature does not match" in cli("receipt", "verify", str(tampered), expect=1)
    garbage = tmp_path / "garbage.jws"
    garbage.write_text("not a receipt")
    assert "not a Sayso receipt" in cli("receipt", "verify", str(garbage), expect=1)

    # Rotate, then verify with a key set that lacks the old key: an unknown signer.
    good = tmp_path / "good.jws"
    good.write_text(token)
    cli("keys", "rotate")
    assert cli.json("receipt", "verify", str(good))["valid"], "retired keys still verify"
    jwks = json.loads(cli("keys", "export"))
    jwks["keys"] = jwks["keys"][1:]
    only_new = tmp_path / "new.json"
    only_new.write_text(json.dumps(jwks))
    assert "does not know" in cli("receipt", "verify", str(good), "--keys", str(only_new), expect=1)


def test_a_damaged_policy_row_gives_a_sentence_not_a_traceback(cli: Cli, db_url: str) -> None:
    cli("demo")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE policy_versions SET document = '{broken'"))
    engine.dispose()
    out = cli("policy", "show", "--org", "Acme Corp", expect=70)
    assert "damaged row" in out
