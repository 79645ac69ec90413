"""Video: frames are black while a withheld person is shown; gallery views are left out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import pytest

from sayso.redact import Interval, leaked_samples, redact_recording, redact_video

from .media import luma_means, write_mp4

WITHHELD = [Interval(timedelta(seconds=1), timedelta(seconds=2, milliseconds=500))]


@pytest.mark.parametrize("codec", ["mpeg4", "libx264"])
def test_speaker_view_is_black_and_silent_exactly_while_withheld(
    tmp_path: Path, codec: str
) -> None:
    if codec not in av.codecs_available:
        pytest.skip(f"{codec} is not in this FFmpeg")
    source = write_mp4(tmp_path / "speaker_view.mp4", 4, codec)
    report = redact_video(source, tmp_path / "out.mp4", WITHHELD)
    means = luma_means(tmp_path / "out.mp4")
    assert len(means) == 100
    for at, mean in means:
        if 1.0 <= at < 2.5:
            assert mean < 20, f"frame at {at} s is not black"
        else:
            assert mean > 150, f"frame at {at} s was blacked out"
    assert report.frames_blacked == 38  # 0.96 s ends at 1.0: not shown in withheld time
    assert leaked_samples(tmp_path / "out.mp4", WITHHELD) == 0
    assert leaked_samples(source, WITHHELD) > 0


def test_audio_can_be_left_as_it_is(tmp_path: Path) -> None:
    source = write_mp4(tmp_path / "screen.mp4", 3)
    report = redact_video(source, tmp_path / "out.mp4", WITHHELD, silence_audio=False)
    assert report.audio_packets_replaced == 0
    assert leaked_samples(tmp_path / "out.mp4", WITHHELD) > 0


def test_gallery_view_is_left_out_unless_everyone_allowed(tmp_path: Path) -> None:
    source = write_mp4(tmp_path / "gallery.mp4", 2)
    out = tmp_path / "out.mp4"
    assert redact_recording(source, out, "gallery_view", []) is None
    assert not out.exists()
    report = redact_recording(source, out, "gallery_view", [], everyone_allowed=True)
    assert report is not None
    assert report.frames_blacked == 0
    assert out.exists()


def test_shared_screen_follows_its_sharer(tmp_path: Path) -> None:
    source = write_mp4(tmp_path / "shared_screen.mp4", 2)
    sharer_withheld = [Interval(timedelta(0), timedelta(seconds=1))]
    report = redact_recording(source, tmp_path / "out.mp4", "shared_screen", sharer_withheld)
    assert report is not None
    assert report.frames_blacked == 25
