"""The invitation text: the notice in brief and a personal link to decide in advance."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def invitation_text(
    *,
    org_name: str,
    title: str,
    starts_at: datetime,
    invitee: str,
    notice_document: dict[str, Any],
    link: str,
) -> str:
    """Plain text for an e-mail or calendar invitation, sent well before the meeting."""
    when = starts_at.strftime("%A %d %B %Y, %H:%M %Z").replace(" 0", " ")
    lines = [
        f"Hello {invitee},",
        "",
        f"{org_name} invites you to “{title}” on {when}.",
        "",
        "Before you join, you can decide how what you say and show may be used:",
    ]
    for entry in notice_document.get("purposes", []):
        ask = "only if you say yes" if entry.get("basis") == "consent" else "required by its policy"
        lines.append(f"- {entry['label']} ({ask}): {entry['sentence']}")
    lines += [
        "",
        "You can join without saying yes to anything, and change your mind at any time.",
        f"Decide now, or look again later, with your personal link: {link}",
        "This link is yours alone. Do not forward it.",
    ]
    return "\n".join(lines) + "\n"
