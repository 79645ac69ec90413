"""AAC .m4a: silent packets replace the touched ones; nothing leaks, nothing else changes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import pytest

from sayso.redact import Interval, keep_only, leaked_samples, silence

from .media import decoded_samples, packets, write_m4a

FRAME = 1024
WITHHELD = [
    Interval(timedelta(0), timedelta(milliseconds=300)),
    Interval(timedelta(microseconds=1_234_567), timedelta(microseconds=2_500_031)),
    # holds no sample at 16 kHz (4.0 s and 4.0000625 s are both outside): nothing to cut
    Interval(timedelta(seconds=4, microseconds=1), timedelta(seconds=4, microseconds=2)),
]


def _samples(interval: Interval, rate: int) -> tuple[int, int]:
    first = -(-interval.start.total_seconds() * rate // 1)
    return int(first), int(-(-interval.end.total_seconds() * rate // 1))


@pytest.mark.parametrize(("rate", "layout"), [(16_000, "mono"), (48_000, "stereo")])
def test_no_withheld_sample_is_audible(tmp_path: Path, rate: int, layout: str) -> None:
    source = write_m4a(tmp_path / "in.m4a", 6, rate, layout)
    assert leaked_samples(source, WITHHELD) > 0
    silence(source, tmp_path / "out.m4a", WITHHELD)
    assert leaked_samples(tmp_path / "out.m4a", WITHHELD) == 0


def test_packets_outside_the_touched_frames_are_byte_identical(tmp_path: Path) -> None:
    source = write_m4a(tmp_path / "in.m4a", 6)
    report = silence(source, tmp_path / "out.m4a", WITHHELD)
    before, after = packets(source), packets(tmp_path / "out.m4a")
    assert [pts for pts, _ in before] == [pts for pts, _ in after]
    touched = set()
    for index, (pts, _) in enumerate(before):
        for interval in WITHHELD:
            first, stop = _samples(interval, 16_000)
            if first < stop and pts < stop and first < pts + FRAME:
                touched |= {index, index - 1}  # the frame and the one it overlaps with
    changed = {i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b != a}
    assert changed <= touched
    assert report.packets_replaced == len(touched - {-1})
    assert len(before) - len(touched) > 60  # most of the file is copied as it was


def test_over_cut_is_under_one_frame_at_each_boundary(tmp_path: Path) -> None:
    source = write_m4a(tmp_path / "in.m4a", 6)
    interval = Interval(timedelta(microseconds=1_234_567), timedelta(microseconds=2_500_031))
    silence(source, tmp_path / "out.m4a", [interval])
    first_index, values = decoded_samples(tmp_path / "out.m4a")
    first, stop = _samples(interval, 16_000)
    zeros = [first_index + n for n, v in enumerate(values) if v == 0.0]
    assert zeros, "nothing was silenced"
    assert set(range(first, stop)) <= set(zeros)  # never an under-cut
    assert min(zeros) > first - FRAME
    assert max(zeros) < stop + FRAME
    assert len(zeros) < (stop - first) + 2 * FRAME


def test_participant_track_in_m4a_keeps_its_codec_and_allowed_window(tmp_path: Path) -> None:
    source = write_m4a(tmp_path / "in.m4a", 5)
    keep_only(source, tmp_path / "out.m4a", [Interval(timedelta(seconds=1), timedelta(seconds=3))])
    outside = [
        Interval(timedelta(0), timedelta(seconds=1)),
        Interval(timedelta(seconds=3), timedelta(seconds=9)),
    ]
    assert leaked_samples(tmp_path / "out.m4a", outside) == 0
    inside = [Interval(timedelta(seconds=1.1), timedelta(seconds=2.9))]
    assert leaked_samples(tmp_path / "out.m4a", inside) == leaked_samples(source, inside)
    with av.open(str(tmp_path / "out.m4a")) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
