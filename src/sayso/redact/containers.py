"""Opening media with errors a person can act on, and writing output atomically.

Output goes to a hidden temporary file next to the destination, renamed over it only
when the whole file was written: nothing partial is ever exported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer

from sayso.redact.errors import RedactError

# Packets of any stream kind (the stubs make Packet generic in its stream).
if TYPE_CHECKING:
    MediaPacket = av.Packet[Any]
else:
    MediaPacket = av.Packet
MEDIA_ERRORS = (av.FFmpegError, OSError, UnicodeDecodeError, ValueError)


@contextmanager
def open_input(path: Path) -> Iterator[InputContainer]:
    try:
        container = av.open(str(path), mode="r")
    except MEDIA_ERRORS:
        raise RedactError(
            path.name, "not a readable media file", "check the file, or download it again"
        ) from None
    try:
        yield container
    finally:
        container.close()


def same_kind(src: Path, dst: Path) -> None:
    """The output keeps the container it came in: its suffix must match the source's."""
    if src.suffix.lower() != dst.suffix.lower() or not src.suffix:
        raise RedactError(
            src.name,
            f"the output '{dst.suffix}' is not the same kind of file",
            f"name the output with the suffix '{src.suffix}'",
        )


@contextmanager
def atomic_output(dst: Path, source: str) -> Iterator[OutputContainer]:
    """An output container that appears at ``dst`` only if the block ends without error."""
    part = dst.with_name(f".{dst.stem}.part{dst.suffix}")
    try:
        container = av.open(str(part), mode="w")
    except MEDIA_ERRORS:
        raise RedactError(
            source, "cannot write the redacted copy", "check the output folder"
        ) from None
    try:
        yield container
        container.close()
        os.replace(part, dst)
    except BaseException:
        container.close()
        part.unlink(missing_ok=True)
        raise


def only_audio_stream(container: InputContainer, source: str) -> AudioStream:
    if len(container.streams.audio) != 1 or container.streams.video:
        raise RedactError(
            source,
            "expected exactly one audio stream and no video",
            "redact video files with redact_video",
        )
    return container.streams.audio[0]


def to_samples(pts: int, time_base: Fraction, rate: int, *, round_up: bool) -> int:
    """A timestamp as a sample index; rounded outwards by the caller's choice."""
    exact = pts * time_base * rate
    return (
        -((-exact.numerator) // exact.denominator)
        if round_up
        else exact.numerator // exact.denominator
    )


def media_failure(source: str) -> RedactError:
    return RedactError(
        source, "the media data is damaged or truncated", "download the recording again"
    )
