"""The invitation text: the notice in brief and the personal link, before the meeting."""

from __future__ import annotations

from datetime import UTC, datetime

from sayso.domain.invitation import invitation_text
from sayso.domain.notice import generate_notice
from tests.unit.domain.builders import catalogue, demo_policy


def test_the_invitation_names_every_purpose_the_link_and_that_joining_is_free() -> None:
    notice = generate_notice(demo_policy(), 1, "Acme Corp", catalogue())
    text = invitation_text(
        org_name="Acme Corp",
        title="Job interview",
        starts_at=datetime(2030, 3, 1, 10, tzinfo=UTC),
        invitee="Diane",
        notice_document=notice.document,
        link="https://sayso.example/j/SECRET",
    )
    assert text.startswith("Hello Diane,")
    assert "Friday 1 March 2030, 10:00 UTC" in text
    for entry in notice.document["purposes"]:
        assert f"- {entry['label']} (only if you say yes): {entry['sentence']}" in text
    assert "You can join without saying yes to anything" in text
    assert "https://sayso.example/j/SECRET" in text
