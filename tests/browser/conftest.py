"""Real Chromium (Debian's, never a downloaded one) against a real `sayso serve --demo`.

Every page a test lands on is photographed under tests/browser/screenshots/<test>/ and
checked with axe-core. Run with SAYSO_UPDATE_DOC_SCREENSHOTS=1 to refresh docs/screenshots/.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.tab import Tab, secret_of
from tests.live_server import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"
WIDTH = 1000  # the docs screenshots' width too

OpenTab = Callable[..., Tab]
Events = Callable[[str], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the session; tests use different people or fresh meetings."""
    workdir = tmp_path_factory.mktemp("browser-server")
    with live_server(f"sqlite:///{workdir / 'sayso.db'}", workdir) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_tab(browser: Browser, request: pytest.FixtureRequest) -> Iterator[OpenTab]:
    """Open a tab in a fresh browser context (its own cookies), as one person would."""
    folder = SHOTS / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = itertools.count(1)
    contexts = []

    def open_(label: str, *, width: int = WIDTH, **options: Any) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": 800}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        javascript = options.get("java_script_enabled", True)
        return Tab(context.new_page(), folder, label, counter, javascript)

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def events_of(server: LiveServer) -> Events:
    """The consent events the API shows the participant behind a join link."""

    def events(join_link: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{server.base_url}/api/v1/me",
            headers={"Authorization": f"Bearer {secret_of(join_link)}"},
            timeout=10,
        )
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["events"]
        return found

    return events
