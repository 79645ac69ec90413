"""With scripts off, the participant pages still work: decide, save, withdraw, receipts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Events, OpenTab
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_decide_save_and_withdraw_without_javascript(
    server: LiveServer, open_tab: OpenTab, events_of: Events
) -> None:
    link = server.join_link("Sheila Interviewer")
    before = len(events_of(link))
    sheila = open_tab("no-js", java_script_enabled=False)
    page = sheila.page
    sheila.goto(link)
    meeting = server.creds["meeting_id"]
    page.wait_for_url(f"**/m/{meeting}")
    sheila.seen("decide")
    page.locator("#purpose-product_improvement").get_by_label("Yes").check()
    page.locator("#purpose-ai_training").get_by_label("No").check()
    page.get_by_role("button", name="Save my answers and join").click()

    page.wait_for_url(f"**/m/{meeting}/live?saved=1")
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("#row-product_improvement")).to_contain_text("Yes")
    expect(page.locator("#row-ai_training")).to_contain_text("No")
    sheila.seen("meeting")

    page.get_by_role("link", name="Withdraw recording").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw recording?")
    sheila.seen("confirm")
    page.get_by_role("link", name="No, go back").click()
    page.wait_for_url(f"**/m/{meeting}/live")
    expect(page.locator("#row-recording")).to_contain_text("Yes")
    page.get_by_role("link", name="Withdraw recording").click()
    page.get_by_role("button", name="Yes, withdraw").click()
    page.wait_for_url(f"**/m/{meeting}/live?done=withdraw")
    expect(page.locator("#row-recording")).to_contain_text("Withdrawn")
    sheila.seen("meeting-withdrawn")

    new = events_of(link)[before:]
    answers = {(e["event_type"], p) for e in new for p in e["purposes"]}
    assert answers == {
        ("grant", "product_improvement"),
        ("refuse", "ai_training"),
        ("withdraw", "recording"),
    }

    page.get_by_role("link", name="My data and receipts").click()
    page.wait_for_url("**/me")
    sheila.seen("my-data")
    page.get_by_role("link", name=f"Receipt #{new[-1]['log_index']}", exact=True).click()
    expect(page.locator("#receipt-text")).to_contain_text("Decision:    withdraw")
    expect(page.get_by_role("button", name="Check it in my browser")).to_be_hidden()
    sheila.seen("receipt")
    page.get_by_role("button", name="Check it against the public log").click()
    expect(page.locator("#verify-result")).to_contain_text("Verified:")
    sheila.seen("receipt-verified")
