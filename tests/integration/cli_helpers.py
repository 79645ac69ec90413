"""Run the real ``sayso`` CLI in-process (Typer's runner) with an isolated key file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sayso.cli.main import app


@dataclass
class Cli:
    db: str
    key_file: Path

    def __call__(self, *args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(
            app, [*args], env={"SAYSO_DATABASE_URL": self.db, "SAYSO_KEY_FILE": str(self.key_file)}
        )
        output = result.stdout + (result.stderr or "")
        assert result.exit_code == expect, f"exit {result.exit_code}: {output}"
        assert "Traceback" not in output
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return output

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))
