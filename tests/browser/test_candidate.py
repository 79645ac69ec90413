"""The job candidate who declines AI training and still joins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Events, OpenTab
from tests.browser.tab import sign_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_candidate_declines_ai_training_and_still_joins(
    server: LiveServer, open_tab: OpenTab, events_of: Events
) -> None:
    host = open_tab("host")
    sign_in(host, server, "host")
    expect(host.page.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()
    host.seen("meetings")

    host.page.get_by_label("Title").fill("Interview: data engineer")
    host.page.get_by_label("Starts at").fill("2030-03-01T10:00Z")
    host.page.get_by_label("Invitees").fill(
        "Dana Candidate <dana@example.org>\nOmar Interviewer <omar@acme.example>"
    )
    host.page.get_by_role("button", name="Schedule and make invitations").click()
    expect(host.page.get_by_role("heading", level=1)).to_contain_text("Invitations for")
    host.seen("invitations", doc="invitations")
    invitation = host.page.get_by_label("Invitation text").first.input_value()
    link = re.search(r"https?://\S+/j/[\w-]+", invitation)
    assert link, f"no personal link in the invitation:\n{invitation}"

    dana = open_tab("candidate")
    dana.goto(link.group(0))
    dana.page.wait_for_url(re.compile(r"/m/[\w-]+$"))
    meeting_id = dana.page.url.rsplit("/", 1)[-1]
    expect(dana.page.get_by_role("heading", level=1)).to_contain_text("Interview: data engineer")
    dana.seen("decide", doc="decide")
    dana.page.locator("#purpose-recording").get_by_label("Yes").check()
    dana.page.locator("#purpose-ai_training").get_by_label("No").check()
    dana.page.get_by_role("button", name="Save my answers and join").click()

    dana.page.wait_for_url(f"**/m/{meeting_id}/live?saved=1")
    expect(dana.page.get_by_role("status")).to_contain_text("Saved")
    expect(dana.page.locator("#row-recording")).to_contain_text("Yes")
    expect(dana.page.locator("#row-ai_training")).to_contain_text("No")
    dana.seen("meeting", doc="meeting")

    events = events_of(link.group(0))
    assert {e["meeting_id"] for e in events} == {meeting_id}
    answers = {(e["event_type"], p) for e in events for p in e["purposes"]}
    assert answers == {("grant", "recording"), ("refuse", "ai_training")}
