"""Bad input: a clear error naming the file (never a participant's name), nothing written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import pytest

from sayso.errors import SaysoError
from sayso.redact import Interval, RedactError, keep_only, silence, silence_speech, widen
from sayso.redact.intervals import merge

from .media import speech, write_m4a, write_wav

SOME = [Interval(timedelta(seconds=1), timedelta(seconds=2))]


def test_not_a_media_file(tmp_path: Path) -> None:
    source = tmp_path / "Audio only - Ann Lee.wav"
    source.write_text("not audio at all")
    with pytest.raises(RedactError, match="not a readable media file") as caught:
        silence(source, tmp_path / "out.wav", SOME)
    assert "Ann Lee" not in str(caught.value)
    assert "Audio only - …" in str(caught.value)
    assert isinstance(caught.value, SaysoError)
    assert list(tmp_path.iterdir()) == [source]


def test_truncated_wav(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "in.wav", speech(3))
    source.write_bytes(source.read_bytes()[:50_000])
    with pytest.raises(RedactError, match=r"in\.wav: the WAV file is truncated"):
        silence(source, tmp_path / "out.wav", SOME)
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize("keep", [0.05, 0.6])
def test_truncated_m4a(tmp_path: Path, keep: float) -> None:
    whole = write_m4a(tmp_path / "whole.m4a", 3)
    source = tmp_path / "in.m4a"
    with (
        av.open(str(whole)) as src,
        av.open(str(source), "w", options={"movflags": "faststart"}) as out,
    ):
        stream = out.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.pts is not None:
                packet.stream = stream
                out.mux(packet)
    data = source.read_bytes()
    source.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(RedactError, match=r"in\.m4a: .*(truncated|not a readable)"):
        silence(source, tmp_path / "out.m4a", SOME)
    assert not (tmp_path / "out.m4a").exists()
    assert not list(tmp_path.glob(".*part*"))


def test_interval_that_ends_before_it_starts(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "in.wav", speech(1))
    backwards = Interval(timedelta(seconds=2), timedelta(seconds=1))
    with pytest.raises(RedactError, match=r"in\.wav: interval 2 ends before it starts"):
        silence(source, tmp_path / "out.wav", [SOME[0], backwards])
    with pytest.raises(RedactError, match="interval 1 ends before it starts"):
        keep_only(source, tmp_path / "out.wav", [backwards])


def test_negative_interval_and_margin() -> None:
    with pytest.raises(RedactError, match="starts before the file"):
        merge([Interval(timedelta(seconds=-1), timedelta(seconds=1))], "x.wav")
    with pytest.raises(RedactError, match="margin is negative"):
        widen(SOME, timedelta(milliseconds=-1), "x.wav")


def test_unsorted_overlapping_intervals_are_merged() -> None:
    a = Interval(timedelta(seconds=3), timedelta(seconds=5))
    b = Interval(timedelta(seconds=1), timedelta(seconds=3))
    c = Interval(timedelta(seconds=4), timedelta(seconds=6))
    assert merge([a, c, b], "x.wav") == [Interval(timedelta(seconds=1), timedelta(seconds=6))]


def test_output_must_keep_the_container(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "in.wav", speech(1))
    with pytest.raises(RedactError, match=r"name the output with the suffix '\.wav'"):
        silence(source, tmp_path / "out.m4a", SOME)


def test_a_codec_that_cannot_be_cut_without_re_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.flac"
    with av.open(str(source), "w") as out:
        stream = out.add_stream("flac", rate=16_000, layout="mono")
        frame = av.AudioFrame(format="s16", layout="mono", samples=1024)
        frame.planes[0].update(speech(1)[:2048])
        frame.sample_rate, frame.pts = 16_000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(RedactError, match="flac cannot be redacted without re-encoding"):
        silence_speech(source, tmp_path / "out.flac", SOME)
