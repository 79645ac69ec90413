"""A browser tab that photographs and axe-checks every page it lands on."""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Error, Page, Response

from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
DOC_SHOTS = ROOT / "docs" / "screenshots"
# Set to 1 to refresh docs/screenshots/ from this run (they change every run: ids, times).
UPDATE_DOCS_ENV = "SAYSO_UPDATE_DOC_SCREENSHOTS"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = Axe()


@dataclass
class Tab:
    """One person's browser tab. ``seen`` is called on every page a test lands on."""

    page: Page
    folder: Path
    label: str
    counter: itertools.count[int]
    javascript: bool = True
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)

    def goto(self, url: str) -> Response:
        response = self.page.goto(url)
        assert response is not None, f"no response for {url}"
        return response

    def seen(self, name: str, *, doc: str | None = None) -> Path:
        """Save a screenshot as ``NN-<label>-<name>.png`` and fail on any axe violation."""
        stem = "-".join(filter(None, [f"{next(self.counter):02d}", self.label, name]))
        path = self.folder / f"{stem}.png"
        self.page.screenshot(path=path, full_page=True)
        if doc and os.environ.get(UPDATE_DOCS_ENV) == "1":
            DOC_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_SHOTS / f"{doc}.png")
        if self.javascript:  # axe runs in the page: with scripts off it never answers
            assert_accessible(self.page, stem)
        assert not self.problems, f"{stem}: the browser reported {self.problems}"
        return path

    def _console(self, message: ConsoleMessage) -> None:
        # A blocked script or style means the page silently lost behaviour or looks.
        if "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def _page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught script error: {error}")


def assert_accessible(page: Page, where: str) -> None:
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options)
    violations = results.response["violations"]
    assert not violations, f"axe on {where} ({page.url}):\n" + "\n".join(
        _describe(v) for v in violations
    )


def _describe(violation: dict[str, Any]) -> str:
    nodes = violation["nodes"]
    first = "; ".join(
        f"{n['target']}: {n.get('failureSummary', '').replace(chr(10), ' ')}" for n in nodes[:3]
    )
    rule = f"{violation['id']} ({violation['impact']}, {len(nodes)} nodes)"
    return f"- {rule}: {violation['help']}. {first}"


def secret_of(join_link: str) -> str:
    return join_link.rstrip("/").rsplit("/", 1)[-1]


def sign_in(tab: Tab, server: LiveServer, role: str) -> None:
    """Sign in through the page, as an admin or a host would."""
    tab.goto(f"{server.base_url}/signin")
    tab.seen("signin")
    tab.page.get_by_label("E-mail").fill(server.creds[f"{role}_email"])
    tab.page.get_by_label("Password").fill(server.creds[f"{role}_password"])
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url(f"**/{role}")
