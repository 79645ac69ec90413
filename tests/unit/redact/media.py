"""Small real media files for the redaction tests, written with PyAV (and ``wave``)."""

from __future__ import annotations

import array
import math
import wave
from fractions import Fraction
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

RATE = 16_000


def speech(seconds: float, rate: int = RATE, channels: int = 1) -> bytes:
    """Interleaved s16 samples: a different tone each second (a "speaker" each), never silent."""
    samples = array.array("h")
    for n in range(int(seconds * rate)):
        pitch = 200 + 100 * (n // rate % 5)
        value = int(9000 * math.sin(2 * math.pi * pitch * n / rate)) or 1
        samples.extend([value] * channels)
    return samples.tobytes()


def write_wav(path: Path, data: bytes, rate: int = RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(data)
    return path


def write_m4a(path: Path, seconds: float, rate: int = RATE, layout: str = "mono") -> Path:
    channels = 2 if layout == "stereo" else 1
    data = speech(seconds, rate, channels)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate, layout=layout)
        step = 1024 * 2 * channels
        for offset in range(0, len(data), step):
            chunk = data[offset : offset + step]
            frame = AudioFrame(format="s16", layout=layout, samples=len(chunk) // (2 * channels))
            frame.planes[0].update(chunk + bytes(frame.planes[0].buffer_size - len(chunk)))
            frame.sample_rate, frame.pts = rate, offset // (2 * channels)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_mp4(path: Path, seconds: int, codec: str = "mpeg4", fps: int = 25) -> Path:
    """A 320x180 bright pattern with a speech track in AAC."""
    with av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        for index in range(seconds * fps):
            frame = VideoFrame(320, 180, "yuv420p")
            for plane, value in zip(frame.planes, (170 + index % 40, 60, 200), strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        _mux_speech(out, audio, seconds)
    return path


def _mux_speech(
    out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, seconds: int
) -> None:
    data = speech(seconds)
    for offset in range(0, len(data), 2048):
        frame = AudioFrame(format="s16", layout="mono", samples=1024)
        chunk = data[offset : offset + 2048]
        frame.planes[0].update(chunk + bytes(2048 - len(chunk)))
        frame.sample_rate, frame.pts = RATE, offset // 2
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def decoded_samples(path: Path) -> tuple[int, list[float]]:
    """(index of the first sample, every sample of channel 0 as a float of full scale)."""
    values: list[float] = []
    first: int | None = None
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            if first is None:
                assert frame.pts is not None
                assert frame.time_base is not None
                first = int(frame.pts * frame.time_base * frame.sample_rate)
            values.extend(_channel0(frame))
    return first or 0, values


def _channel0(frame: AudioFrame) -> list[float]:
    name = frame.format.name
    channels = len(frame.layout.channels)
    if name == "fltp":
        return list(array.array("f", bytes(frame.planes[0]))[: frame.samples])
    if name == "s16":
        data = array.array("h", bytes(frame.planes[0]))[: frame.samples * channels]
        return [v / 32768 for v in data[::channels]]
    raise AssertionError(f"unexpected decoded format {name}")


def packets(path: Path) -> list[tuple[int, bytes]]:
    with av.open(str(path)) as container:
        return [
            (p.pts, bytes(p))
            for p in container.demux(container.streams.audio[0])
            if p.pts is not None
        ]


def luma_means(path: Path) -> list[tuple[float, float]]:
    """(time in seconds, mean luma of the visible picture) of every decoded frame."""
    means: list[tuple[float, float]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            plane = frame.planes[0]
            data = bytes(plane)
            rows = [
                data[r * plane.line_size : r * plane.line_size + frame.width]
                for r in range(frame.height)
            ]
            total = sum(sum(row) for row in rows)
            assert frame.pts is not None
            assert frame.time_base is not None
            means.append((float(frame.pts * frame.time_base), total / (frame.width * frame.height)))
    return means
