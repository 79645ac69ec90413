"""PCM WAV: withheld samples are exact digital silence, every other sample is untouched."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta
from pathlib import Path

import av
import pytest

from sayso.redact import Interval, keep_only, leaked_samples, silence, silence_speech

from .media import RATE, speech, write_wav

WITHHELD = [
    Interval(timedelta(seconds=0), timedelta(milliseconds=10)),
    Interval(timedelta(microseconds=1_234_567), timedelta(microseconds=2_500_031)),
    Interval(timedelta(seconds=4, microseconds=1), timedelta(seconds=4, microseconds=2)),
]


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _inside(n: int, intervals: list[Interval], rate: int = RATE) -> bool:
    at = timedelta(microseconds=n * 1_000_000 / rate)
    return any(i.start <= at < i.end for i in intervals)


def _pcm(path: Path) -> bytes:
    with av.open(str(path)) as container:
        return b"".join(bytes(p) for p in container.demux(audio=0) if p.size)


@pytest.mark.parametrize("channels", [1, 2])
def test_withheld_samples_are_silent_and_the_rest_bit_exact(tmp_path: Path, channels: int) -> None:
    source = write_wav(tmp_path / "in.wav", speech(6, channels=channels), channels=channels)
    report = silence(source, tmp_path / "out.wav", WITHHELD)
    before, after = _pcm(source), _pcm(tmp_path / "out.wav")
    assert len(after) == len(before)
    width = 2 * channels
    for n in range(len(before) // width):
        sample = after[n * width : (n + 1) * width]
        if _inside(n, WITHHELD):
            assert sample == bytes(width), f"sample {n} leaked"
        else:
            assert sample == before[n * width : (n + 1) * width], f"sample {n} changed"
    assert report.packets_replaced >= 3
    assert leaked_samples(tmp_path / "out.wav", WITHHELD) == 0
    assert leaked_samples(source, WITHHELD) > 0  # the measure does see speech


def test_boundaries_are_sample_exact(tmp_path: Path) -> None:
    # samples 16001 (1.0000625 s) to 16003 (1.0001875 s) lie in [1.000062, 1.000188)
    source = write_wav(tmp_path / "in.wav", speech(2))
    interval = Interval(timedelta(microseconds=1_000_062), timedelta(microseconds=1_000_188))
    silence(source, tmp_path / "out.wav", [interval])
    after = _pcm(tmp_path / "out.wav")
    zero = [n for n in range(15_990, 16_010) if after[2 * n : 2 * n + 2] == b"\0\0"]
    assert zero == [16_001, 16_002, 16_003]


def test_output_keeps_container_and_codec(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "in.wav", speech(1))
    silence(source, tmp_path / "out.wav", WITHHELD)
    with av.open(str(tmp_path / "out.wav")) as container:
        stream = container.streams.audio[0]
        assert (container.format.name, stream.codec_context.name) == ("wav", "pcm_s16le")
        assert stream.codec_context.sample_rate == RATE


def test_participant_track_is_kept_only_inside_allowed_windows(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "Audio only - Ann Lee.wav", speech(5))
    allowed = [Interval(_s(1.5), _s(3.25))]
    keep_only(source, tmp_path / "out.wav", allowed)
    outside = [Interval(_s(0), _s(1.5)), Interval(_s(3.25), _s(60))]
    assert leaked_samples(tmp_path / "out.wav", outside) == 0
    before, after = _pcm(source), _pcm(tmp_path / "out.wav")
    assert after[2 * 24_000 : 2 * 52_000] == before[2 * 24_000 : 2 * 52_000]


def test_mixed_track_silences_speech_widened_by_the_margin(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "mixed.wav", speech(5))
    speech_of_withheld = [Interval(_s(2), _s(3)), Interval(_s(3.1), _s(3.4))]
    silence_speech(source, tmp_path / "out.wav", speech_of_withheld)
    widened = [Interval(_s(1.75), _s(3.65))]
    assert leaked_samples(tmp_path / "out.wav", widened) == 0
    after = _pcm(tmp_path / "out.wav")
    assert after[2 * 27_999 : 2 * 28_000] != b"\0\0"  # 1.749937 s: before the margin
    assert after[2 * 58_400 : 2 * 58_401] != b"\0\0"  # 3.65 s: after it


def test_a_20_minute_track_streams_in_bounded_memory(tmp_path: Path) -> None:
    minute = speech(1) * 60
    source = tmp_path / "long.wav"
    write_wav(source, minute * 20)
    size = source.stat().st_size
    withheld = [Interval(_s(60 * m + 5), _s(60 * m + 20)) for m in range(20)]
    tracemalloc.start()
    silence(source, tmp_path / "out.wav", withheld)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < size / 50, f"peak {peak} bytes for a {size}-byte file"
    assert leaked_samples(tmp_path / "out.wav", withheld) == 0
