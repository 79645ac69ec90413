"""The admin and the host: they set the ceiling, and cannot tick anyone's box."""

from __future__ import annotations

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import Events, OpenTab
from tests.browser.tab import Tab, sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

CONSOLES = {"admin": ["/admin", "/host"], "host": ["/host"]}


@pytest.mark.parametrize("role", ["admin", "host"])
def test_staff_cannot_say_yes_for_a_participant(
    role: str, server: LiveServer, open_tab: OpenTab, events_of: Events
) -> None:
    staff = open_tab(role)
    sign_in(staff, server, role)
    for path in CONSOLES[role]:
        staff.goto(server.base_url + path)
        staff.seen(path.strip("/"), doc="admin" if path == "/admin" else None)
        assert staff.page.locator("input[name^='answer_'], input[name^='modalities_']").count() == 0
        assert staff.page.locator("form[action^='/m/'], form[action^='/api/']").count() == 0

    diane = server.join_link("Diane Candidate")
    before = events_of(diane)
    decide = f"{server.base_url}/m/{server.creds['meeting_id']}"
    response = staff.goto(decide)
    assert response.status == 403
    expect(staff.page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    staff.seen("decide-page-refused")

    # A hand-made form post with the staff session's own CSRF token gets no further.
    forged = staff.page.request.post(
        decide,
        form={
            "csrf_token": _csrf_token(staff, server),
            "answer_ai_training": "yes",
            "answer_recording": "yes",
        },
        max_redirects=0,
    )
    assert forged.status == 403
    assert events_of(diane) == before


def _csrf_token(tab: Tab, server: LiveServer) -> str:
    tab.goto(f"{server.base_url}/host")
    return tab.page.locator("input[name=csrf_token]").first.input_value()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_admin_sees_a_rejected_policy_in_place(
    javascript: bool, server: LiveServer, open_tab: OpenTab
) -> None:
    admin = open_tab("admin", java_script_enabled=javascript)
    sign_in(admin, server, "admin")
    version = _policy_version(server)
    editor = admin.page.get_by_label("Policy (YAML")
    policy = yaml.safe_load(editor.input_value())
    policy["purposes"]["ai_training"]["condition_of_joining"] = True
    edited = yaml.safe_dump(policy, sort_keys=False)
    editor.fill(edited)
    admin.page.get_by_role("button", name="Check and publish").click()

    error = admin.page.locator("#policy-error")
    expect(error).to_contain_text("ai_training cannot be a condition of joining")
    expect(editor).to_have_value(edited)
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(editor).to_have_attribute("aria-describedby", "policy-error")
    admin.seen("policy-rejected")
    assert _policy_version(server) == version


def _policy_version(server: LiveServer) -> int:
    response = httpx.get(
        f"{server.base_url}/api/v1/admin/policy",
        headers={"Authorization": f"Bearer {server.creds['admin_token']}"},
        timeout=10,
    )
    response.raise_for_status()
    version: int = response.json()["version"]
    return version
