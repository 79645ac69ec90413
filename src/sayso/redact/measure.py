"""Measuring a redacted file: how many audible samples lie inside withheld intervals.

Used by the tests, the bench and (later) the audit: it decodes the output, so it checks
what a listener would hear, not what the redactor meant to write. A sample is audible
when its magnitude, as a fraction of full scale, is above ``threshold`` (0: any sample
that is not exact digital silence). Counts are per channel sample. A recording exported
in parts is measured as one: each part starts where the one before ends.
"""

from __future__ import annotations

import array
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

from av.audio.frame import AudioFrame

from sayso.redact.containers import MEDIA_ERRORS, media_failure, open_input, to_samples
from sayso.redact.errors import RedactError
from sayso.redact.intervals import Interval, RangeCursor, merge, sample_ranges

# decoded sample format: (array typecode, bytes per sample, silence value, full scale)
_FORMATS: dict[str, tuple[str, int, float, float]] = {
    "u8": ("B", 1, 128.0, 128.0),
    "s16": ("h", 2, 0.0, 32768.0),
    "s32": ("i", 4, 0.0, 2147483648.0),
    "flt": ("f", 4, 0.0, 1.0),
    "dbl": ("d", 8, 0.0, 1.0),
}


def leaked_samples(
    path: Path | Sequence[Path], withheld: Iterable[Interval], threshold: float = 0.0
) -> int:
    """Audible channel samples of ``path``'s audio (or its parts', in order) inside the
    withheld intervals."""
    paths = [path] if isinstance(path, Path) else list(path)
    intervals = merge(withheld, paths[0].name if paths else "-")
    leaked = offset = 0
    for part in paths:
        found, offset = _leaks(part, intervals, threshold, offset)
        leaked += found
    return leaked


def _leaks(path: Path, intervals: list[Interval], threshold: float, offset: int) -> tuple[int, int]:
    """Leaks in one file whose first sample is sample ``offset`` of the recording; the
    sample after its last."""
    source = path.name
    leaked, end = 0, offset
    with open_input(path) as container:
        if not container.streams.audio:
            raise RedactError(source, "has no audio stream", "measure an audio file")
        stream = container.streams.audio[0]
        cursor = RangeCursor(sample_ranges(intervals, stream.codec_context.sample_rate))
        try:
            for frame in container.decode(stream):
                found, stop = _frame_leaks(frame, cursor, threshold, offset)
                leaked, end = leaked + found, max(end, stop)
        except MEDIA_ERRORS:
            raise media_failure(source) from None
    return leaked, end


def _frame_leaks(
    frame: AudioFrame, cursor: RangeCursor, threshold: float, offset: int
) -> tuple[int, int]:
    """Audible samples of ``frame`` inside the ranges; the sample after the frame."""
    if frame.pts is None or frame.time_base is None:
        raise RedactError("-", "a decoded frame has no timestamp", "remux the file")
    at = to_samples(frame.pts, Fraction(frame.time_base), frame.sample_rate, round_up=False)
    first = offset + at
    stop = first + frame.samples
    parts = cursor.overlaps(first, stop)
    if not parts:
        return 0, stop
    name = frame.format.name
    typecode, width, centre, scale = _FORMATS[name.removesuffix("p")]
    planar = name.endswith("p")
    step = width if planar else width * len(frame.layout.channels)
    leaked = 0
    for plane in frame.planes:
        data = memoryview(plane)
        for start, end in parts:
            chunk = bytes(data[(start - first) * step : (end - first) * step])
            leaked += _audible(chunk, typecode, centre, scale * threshold)
    return leaked, stop


def _audible(chunk: bytes, typecode: str, centre: float, limit: float) -> int:
    if centre == 0 and chunk.count(0) == len(chunk):
        return 0  # all zero bytes: exact silence (the common case, at C speed)
    values = array.array(typecode, chunk)
    return sum(1 for value in values if abs(value - centre) > limit)
