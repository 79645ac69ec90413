"""Docs that cannot drift: the CLI reference, the README's commands and settings, the example."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from sayso.api.openapi import render as render_openapi
from sayso.cli.main import app
from sayso.cli.reference import render
from sayso.domain.catalogue import default_catalogue
from sayso.domain.policy import parse_policy
from sayso.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_committed_cli_reference_is_current() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == render(), "run: .venv/bin/python -m sayso.cli.reference > docs/cli.md"


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text("utf-8")[:400]
    assert "make run" in head
    assert "make test" in head


def test_readme_shows_every_command_group() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    root = typer.main.get_command(app)
    for name in root.commands:  # type: ignore[attr-defined]
        assert f"sayso {name}" in readme, f"README does not show `sayso {name}`"


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for field in Settings.model_fields:
        assert f"SAYSO_{field.upper()}" in readme


def test_every_setting_is_described() -> None:
    assert all(f.description for f in Settings.model_fields.values())


def test_example_policy_is_valid() -> None:
    raw = yaml.safe_load((ROOT / "examples" / "acme-policy.yaml").read_text("utf-8"))
    policy = parse_policy(raw, default_catalogue())
    assert policy.purposes["recording"].basis == "legal_obligation"


def test_committed_openapi_document_is_current() -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text("utf-8")
    assert committed == render_openapi(), (
        "run: .venv/bin/python -m sayso.api.openapi > docs/openapi.json"
    )
