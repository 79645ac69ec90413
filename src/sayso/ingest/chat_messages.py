"""What a chat line says beyond its text: recipient, privacy, reactions and replies.

Zoom writes reactions into the chat file as messages: ``Reacted to "quoted…" with 👍``
(and ``Removed a 👍 reaction from "quoted…"``); they become ``reactions`` items that
keep the quoted text, so redaction can drop a quote of a withheld message. A reply
(``Replying to "quoted…"`` then the reply) stays a ``chat`` item, because its body is
the replier's own message, and carries the quote too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from sayso.ingest.items import Item

_PRIVATE = re.compile(r"\s*\((?:Privately|Direct Message)\)\s*$", re.IGNORECASE)
_EVERYONE = re.compile(r"\s+to\s+Everyone(?: in Waiting Room)?\s*$", re.IGNORECASE)
_REACTED = re.compile(r'Reacted to "(?P<quote>.*)" with (?P<emoji>\S+)\s*', re.DOTALL)
_REMOVED = re.compile(r'Removed a (?P<emoji>\S+) reaction from "(?P<quote>.*)"\s*', re.DOTALL)
_REPLYING = re.compile(r'Replying to "(?P<quote>.*?)":?\s*(?:\n+(?P<text>.*))?', re.DOTALL)


@dataclass(frozen=True)
class Address:
    sender: str
    recipient: str | None
    private: bool


def _split_to(names: str) -> tuple[str, str | None]:
    """Sender and recipient of ``A  to  B`` (Zoom's double spaces first, else the last ``to``)."""
    if "  to  " in names:
        sender, _, recipient = names.partition("  to  ")
        return sender.strip(), recipient.strip()
    sender, sep, recipient = names.rpartition(" to ")
    if not sep:
        return names.strip(), None
    return sender.strip(), recipient.strip()


def parse_address(names: str) -> Address:
    """``A``, ``A to Everyone``, ``A to B(Direct Message)``, ``A  to  B(Privately)``."""
    names = names.strip()
    if _PRIVATE.search(names):
        sender, recipient = _split_to(_PRIVATE.sub("", names))
        return Address(sender, recipient, True)
    match = _EVERYONE.search(names)
    if match is not None:
        return Address(names[: match.start()].strip(), "Everyone", False)
    return Address(names, None, False)


def message_item(address: Address, at: timedelta, text: str, source: str, location: str) -> Item:
    """A chat or reaction item for one message."""
    base = Item(
        "chat",
        address.sender or None,
        at,
        at,
        source,
        location,
        text,
        address.private,
        address.recipient,
    )
    for pattern in (_REACTED, _REMOVED):
        match = pattern.fullmatch(text)
        if match is not None:
            return replace(
                base, modality="reactions", text=match.group("emoji"), quote=match.group("quote")
            )
    reply = _REPLYING.fullmatch(text)
    if reply is not None:
        return replace(base, text=reply.group("text") or "", quote=reply.group("quote"))
    return base
