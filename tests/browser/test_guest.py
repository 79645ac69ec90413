"""The guest who says yes to AI training, then withdraws it from My data after the meeting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Events, OpenTab
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_guest_withdraws_ai_training_after_the_meeting(
    server: LiveServer, open_tab: OpenTab, events_of: Events
) -> None:
    guest = open_tab("guest")
    page = guest.page
    guest.goto(server.creds["guest_link"])
    guest.seen("name-yourself")
    page.get_by_label("Your name").fill("Gita Guest")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    guest.seen("welcome")
    link = page.get_by_label("Your link").input_value()
    assert re.fullmatch(r"https?://\S+/j/[\w-]+", link), link

    page.get_by_role("link", name="Continue to your choices").click()
    page.wait_for_url(f"**/m/{server.creds['meeting_id']}")
    expect(page.get_by_text("Hello Gita Guest.")).to_be_visible()
    guest.seen("decide")
    page.locator("#purpose-ai_training").get_by_label("Yes").check()
    page.get_by_role("button", name="Save my answers and join").click()
    page.wait_for_url("**/live?saved=1")
    expect(page.locator("#row-ai_training")).to_contain_text("Yes")
    guest.seen("meeting")

    page.get_by_role("link", name="My data and receipts").click()
    page.wait_for_url("**/me")
    guest.seen("my-data")
    page.get_by_role("link", name="Withdraw ai training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw ai training?")
    guest.seen("confirm-withdraw")
    page.get_by_role("button", name="Yes, withdraw").click()
    page.wait_for_url("**/me?done=1")
    expect(page.get_by_role("status")).to_contain_text("Done")
    expect(page.get_by_role("row", name=re.compile("^AI training"))).to_contain_text("Withdrawn")
    expect(page.locator("#no-exports")).to_be_visible()
    guest.seen("my-data-withdrawn", doc="my-data")

    events = events_of(link)
    assert [(e["event_type"], e["purposes"]) for e in events] == [
        ("grant", ["ai_training"]),
        ("withdraw", ["ai_training"]),
    ]
    withdrawal = events[-1]

    page.get_by_role("link", name=f"Receipt #{withdrawal['log_index']}", exact=True).click()
    page.wait_for_url(f"**/me/receipts/{withdrawal['record_id']}")
    text = page.locator("#receipt-text")
    expect(text).to_contain_text(f"Record:      {withdrawal['record_id']}")
    expect(text).to_contain_text("Decision:    withdraw")
    expect(text).to_contain_text("Purposes:    ai_training")
    guest.seen("receipt")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a readable copy").click()
    assert Path(download.value.path()).read_text("utf-8") == text.text_content()

    page.get_by_role("button", name="Check it in my browser").click()
    expect(page.locator("#browser-result")).to_contain_text("Verified in your browser:")
    page.get_by_role("button", name="Check it against the public log").click()
    expect(page.locator("#verify-result")).to_contain_text("Verified:")
    guest.seen("receipt-verified", doc="receipt")
