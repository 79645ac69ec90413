"""Global Privacy Control: the browser's signal pre-selects No for sharing, and only that."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Events, OpenTab
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_gpc_preselects_no_for_sharing_and_is_recorded_as_gpc(
    server: LiveServer, open_tab: OpenTab, events_of: Events
) -> None:
    link = server.join_link("Priya Manager")
    before = len(events_of(link))
    priya = open_tab("gpc", extra_http_headers={"Sec-GPC": "1"})
    page = priya.page
    priya.goto(link)
    page.wait_for_url(f"**/m/{server.creds['meeting_id']}")
    sharing = page.locator("#purpose-third_party_sharing")
    expect(sharing.get_by_label("No")).to_be_checked()
    expect(sharing).to_contain_text("Your browser sends Global Privacy Control")
    assert page.locator("input[type=radio]:checked").count() == 1
    assert page.locator("input[type=radio][value=yes]:checked").count() == 0
    priya.seen("decide")

    page.get_by_role("button", name="Save my answers and join").click()
    page.wait_for_url("**/live?saved=1")
    expect(page.locator("#row-third_party_sharing")).to_contain_text("No")
    priya.seen("meeting")

    new = events_of(link)[before:]
    assert [(e["event_type"], e["purposes"], e["indication_method"]) for e in new] == [
        ("refuse", ["third_party_sharing"], "gpc")
    ]
    page.get_by_role("link", name="My data and receipts").click()
    page.wait_for_url("**/me")
    expect(page.get_by_role("row").filter(has_text="(Global Privacy Control)")).to_contain_text(
        "third_party_sharing"
    )
    priya.seen("my-data")
