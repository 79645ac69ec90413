"""Clock strings of the exports: ``HH:MM:SS.mmm``, Teams' unpadded ``0:0:3.27``, ``m:ss``."""

from __future__ import annotations

import re
from datetime import timedelta

from sayso.ingest.errors import BadArchive

_TIMESTAMP = re.compile(r"(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})[.,](\d{1,6})")


def parse_timestamp(text: str, source: str, where: str) -> timedelta:
    """``[H:]M:S.fraction`` as an offset (WebVTT requires the fraction); minutes, seconds < 60."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise BadArchive(source, where, "timestamp is not H:MM:SS.mmm", "fix or remove the cue")
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise BadArchive(source, where, "timestamp has minutes or seconds over 59", "fix it")
    micros = int(fraction.ljust(6, "0"))
    return timedelta(
        hours=int(hours or 0), minutes=int(minutes), seconds=int(seconds), microseconds=micros
    )


def parse_clock(text: str, source: str, where: str) -> timedelta:
    """``m:ss`` or ``h:mm:ss`` as written by Otter and new-style Teams (minutes unbounded)."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and p.isascii() for p in parts):
        raise BadArchive(source, where, "time is not m:ss or h:mm:ss", "fix the header line")
    numbers = [int(p) for p in parts]
    if numbers[-1] > 59 or (len(numbers) == 3 and numbers[1] > 59):
        raise BadArchive(source, where, "time has minutes or seconds over 59", "fix it")
    if len(numbers) == 2:
        numbers.insert(0, 0)
    return timedelta(hours=numbers[0], minutes=numbers[1], seconds=numbers[2])


def format_timestamp(offset: timedelta) -> str:
    """WebVTT's ``HH:MM:SS.mmm`` (milliseconds truncated)."""
    millis = offset // timedelta(milliseconds=1)
    seconds, ms = divmod(millis, 1000)
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
