"""Zoom's two VTT files: the speaker transcript and the closed captions.

Speaker transcript: each cue is ``Name: text``; Zoom leaves the prefix off while the
same person keeps talking, so a cue without one continues the previous speaker (at the
very start of the file it is unattributed). Closed captions carry no names: each cue
goes to the speaker whose transcript cues overlap it longest; a tie or no overlap leaves
it unattributed.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sayso.ingest.items import Item
from sayso.ingest.vtt import Cue, parse_cues

# A name is short and has no colon; the separator is ": " (so "https://…" is no prefix).
_PREFIX = re.compile(r"(?P<name>[^:\n]{1,120}?):\s+(?P<text>.*)", re.DOTALL)


def _cue_text(cue: Cue) -> str:
    return " ".join(line for line in cue.lines if line)


def split_speaker(text: str) -> tuple[str | None, str]:
    """``("Name", "text")`` for ``Name: text``, else ``(None, text)``."""
    match = _PREFIX.fullmatch(text)
    if match is None or not match.group("name").strip():
        return None, text
    return match.group("name").strip(), match.group("text")


def parse_zoom_transcript(text: str, source: str) -> list[Item]:
    items: list[Item] = []
    current: str | None = None
    for cue in parse_cues(text, source):
        name, body = split_speaker(_cue_text(cue))
        if name is not None:
            current = name
        items.append(Item("transcript", current, cue.start, cue.end, source, cue.location, body))
    return items


def _overlap(a_start: timedelta, a_end: timedelta, b_start: timedelta, b_end: timedelta) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


class _Timeline:
    """Transcript items sorted by start, for overlap look-ups."""

    def __init__(self, items: Sequence[Item]) -> None:
        spoken = sorted((i for i in items if i.modality == "transcript"), key=lambda i: i.start)
        self.items = spoken
        self.starts = [i.start for i in spoken]
        self.longest = max((i.end - i.start for i in spoken), default=timedelta(0))

    def speaker_at(self, start: timedelta, end: timedelta) -> str | None:
        totals: dict[str | None, float] = defaultdict(float)
        low = bisect.bisect_left(self.starts, start - self.longest)
        high = bisect.bisect_left(self.starts, end)
        for item in self.items[low:high]:
            totals[item.speaker] += _overlap(start, end, item.start, item.end)
        ranked = sorted(totals.values(), reverse=True)
        if not ranked or ranked[0] <= 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
            return None
        return next(name for name, total in totals.items() if total == ranked[0])


def parse_zoom_captions(
    text: str, source: str, transcript: Sequence[Item] | None = None
) -> list[Item]:
    timeline = _Timeline(transcript or ())
    return [
        Item(
            "transcript",
            timeline.speaker_at(cue.start, cue.end),
            cue.start,
            cue.end,
            source,
            cue.location,
            _cue_text(cue),
        )
        for cue in parse_cues(text, source)
    ]
