"""Where the real exports live, and small media files made on the fly."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"


def realworld_dir() -> Path:
    return Path(os.environ.get("SAYSO_REALWORLD_DIR", REPO.parent / "shared/fixtures/realworld"))


@pytest.fixture
def realworld() -> Path:
    """The folder of real exports (read-only; never copied into the repository)."""
    folder = realworld_dir()
    if not folder.is_dir():
        pytest.skip(f"real-world fixtures not found at {folder} (set SAYSO_REALWORLD_DIR)")
    return folder


def make_audio(path: Path, seconds: float = 1.0) -> Path:
    """A silent AAC (or other by extension) file of about ``seconds``."""
    rate, samples = 16000, 1024
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate, layout="mono")
        for index in range(int(seconds * rate) // samples):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
            frame.sample_rate = rate
            frame.pts = index * samples
            frame.time_base = Fraction(1, rate)
            frame.planes[0].update(bytes(frame.planes[0].buffer_size))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def make_video(path: Path, frames: int = 5) -> Path:
    """A black 32x32 MPEG-4 video of ``frames`` frames at 10 fps."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for _ in range(frames):
            frame = av.VideoFrame(32, 32, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
