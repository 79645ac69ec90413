"""Time intervals of a media file, and their mapping to sample indices.

An ``Interval`` is half-open, ``[start, end)``, in offsets from the file's start. A
sample ``n`` at rate ``r`` lies at ``n / r`` seconds; it is inside an interval when
``start <= n / r < end``. Every conversion here rounds *outwards* for withheld time,
so that a withheld instant is never mapped to a kept sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sayso.redact.errors import RedactError

DEFAULT_MARGIN = timedelta(milliseconds=250)
# Far beyond any recording: the end of "withheld from here on".
FOREVER = timedelta(days=36_500)
_MICROS = timedelta(microseconds=1)


@dataclass(frozen=True, order=True)
class Interval:
    """``[start, end)`` from the file's start; ``end`` must be after ``start``."""

    start: timedelta
    end: timedelta


def check(intervals: Iterable[Interval], source: str) -> list[Interval]:
    """The intervals as a list, refused when one is empty, reversed or before the file."""
    checked = list(intervals)
    for number, interval in enumerate(checked, start=1):
        if interval.start < timedelta(0):
            raise RedactError(source, f"interval {number} starts before the file", "clamp it to 0")
        if interval.end <= interval.start:
            raise RedactError(
                source,
                f"interval {number} ends before it starts (or is empty)",
                "give each interval as (start, end) with start < end",
            )
    return checked


def merge(intervals: Iterable[Interval], source: str) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for interval in sorted(check(intervals, source)):
        if merged and interval.start <= merged[-1].end:
            last = merged.pop()
            interval = Interval(last.start, max(last.end, interval.end))
        merged.append(interval)
    return merged


def complement(allowed: Iterable[Interval], source: str) -> list[Interval]:
    """What is withheld when only ``allowed`` may be kept: everything else, to FOREVER."""
    withheld: list[Interval] = []
    cursor = timedelta(0)
    for interval in merge(allowed, source):
        if interval.start > cursor:
            withheld.append(Interval(cursor, interval.start))
        cursor = interval.end
    withheld.append(Interval(cursor, max(cursor, FOREVER) + _MICROS))
    return withheld


def widen(
    intervals: Iterable[Interval], margin: timedelta = DEFAULT_MARGIN, source: str = "-"
) -> list[Interval]:
    """Each interval grown by ``margin`` on both sides (not before 0), then merged."""
    if margin < timedelta(0):
        raise RedactError(source, "the margin is negative", "give a margin of 0 or more")
    grown = (
        Interval(max(timedelta(0), i.start - margin), i.end + margin)
        for i in check(intervals, source)
    )
    return merge(grown, source)


def first_sample_at_or_after(offset: timedelta, rate: int) -> int:
    """The smallest ``n`` with ``n / rate >= offset`` (exact integer arithmetic)."""
    micros = offset // _MICROS
    return -((-micros * rate) // 1_000_000)


def sample_ranges(intervals: Sequence[Interval], rate: int) -> list[tuple[int, int]]:
    """Each interval as the half-open range of sample indices inside it (empty ones left out).

    ``intervals`` must already be merged.
    """
    ranges: list[tuple[int, int]] = []
    for interval in intervals:
        first = first_sample_at_or_after(interval.start, rate)
        stop = first_sample_at_or_after(interval.end, rate)
        if stop > first:
            ranges.append((first, stop))
    return ranges


class RangeCursor:
    """Walks merged sample ranges alongside a stream whose positions only grow."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        self._ranges = ranges
        self._next = 0

    def overlaps(self, first: int, stop: int) -> list[tuple[int, int]]:
        """The parts of the ranges inside ``[first, stop)``; earlier ranges are passed for good."""
        while self._next < len(self._ranges) and self._ranges[self._next][1] <= first:
            self._next += 1
        found: list[tuple[int, int]] = []
        for start, end in self._ranges[self._next :]:
            if start >= stop:
                break
            found.append((max(start, first), min(end, stop)))
        return found
