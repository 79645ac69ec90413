"""Long WAV audio, exported in parts: c2pa-rs holds a WAV file's samples in memory to sign it.

A WAV file over ``PART_BYTES`` is written as a folder ``NAME.wav.parts/`` of complete WAV
files ``NAME.part001-of-003.wav`` …, each signed on its own. Each part starts at the
sample where the one before ends: played one after another they are the redacted
recording, sample for sample. Every part but the last holds the same length: as many
whole minutes as fit in ``PART_BYTES`` (whole seconds for audio of over about 2 MB/s).
Other media need no parts: their C2PA hash is a Merkle tree c2pa-rs builds and checks
leaf by leaf (``c2pa_sign.BOUNDED``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import OutputContainer

from sayso.redact.containers import (
    MEDIA_ERRORS,
    MediaPacket,
    media_failure,
    only_audio_stream,
    open_input,
    to_samples,
)
from sayso.redact.errors import RedactError
from sayso.redact.pcm import frame_bytes, is_pcm

PART_BYTES = 128 * 2**20  # the most bytes one exported WAV file holds
HEADER_ROOM = 4096  # kept free in each part for the RIFF header ahead of the samples
SUFFIX = ".parts"


def parts_folder(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def part_name(name: str, number: int, count: int) -> str:
    """``mix.wav``'s part 2 of 3 is ``mix.part002-of-003.wav``."""
    whole = Path(name)
    width = max(3, len(str(count)))
    return f"{whole.stem}.part{number:0{width}d}-of-{count:0{width}d}{whole.suffix}"


def in_parts(path: Path) -> Path:
    """``path`` itself, or, for a WAV file over ``PART_BYTES``, the folder of parts that
    now stands in its place."""
    if path.suffix.lower() != ".wav" or path.stat().st_size <= PART_BYTES:
        return path
    split_wav(path, PART_BYTES)
    return parts_folder(path)


def split_wav(path: Path, max_bytes: int) -> list[Path]:
    """Replace ``path`` by its parts of at most ``max_bytes`` each; the parts, in order.

    Streams packet by packet; on any error the parts are removed and ``path`` is kept.
    """
    folder = parts_folder(path)
    folder.mkdir()
    try:
        with open_input(path) as container:
            stream = only_audio_stream(container, path.name)
            written = _write_parts(container.demux(stream), stream, folder, path.name, max_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    parts = []
    for number, part in enumerate(written, start=1):
        parts.append(part.rename(folder / part_name(path.name, number, len(written))))
    path.unlink()
    return parts


def read_parts(folder: Path, name: str) -> tuple[list[Path], str | None]:
    """The parts of the file ``name`` in ``folder``, in order, and what is wrong with the
    folder (a part missing, renamed or added), or None."""
    files = sorted(p for p in folder.iterdir())
    expected = [part_name(name, n, len(files)) for n in range(1, len(files) + 1)]
    if [p.name for p in files] == expected:
        return files, None
    first, last = expected[0] if expected else "-", expected[-1] if expected else "-"
    return files, f"holds other files than its parts {first} … {last}"


def _part_frames(rate: int, block: int, room: int) -> int:
    """Frames per part: as many whole minutes as fit, else whole seconds, else frames."""
    frames = room // block
    for unit in (60 * rate, rate):
        if frames >= unit:
            return frames // unit * unit
    return max(frames, 1)


def _write_parts(
    packets: Iterator[MediaPacket],
    stream: AudioStream,
    folder: Path,
    source: str,
    max_bytes: int,
) -> list[Path]:
    context = stream.codec_context
    if not is_pcm(context.name):
        raise RedactError(source, f"audio codec {context.name} is not PCM", "convert it to WAV")
    block = frame_bytes(context.name, context.channels)
    rate = context.sample_rate
    per_part = _part_frames(rate, block, max_bytes - HEADER_ROOM)
    writer = _PartWriter(stream, folder, source)
    try:
        for packet in packets:
            if packet.pts is None:
                continue  # the demuxer's end-of-stream marker
            data = bytes(packet)
            if len(data) % block:
                raise media_failure(source)
            first = to_samples(packet.pts, Fraction(packet.time_base), rate, round_up=False)
            while data:
                index = first // per_part
                take = min(len(data) // block, (index + 1) * per_part - first)
                writer.write(index, data[: take * block], first - index * per_part, take)
                data, first = data[take * block :], first + take
    except MEDIA_ERRORS:
        raise media_failure(source) from None
    finally:
        writer.close()
    return writer.paths


class _PartWriter:
    """One output container at a time, each a part numbered from 0 in order."""

    def __init__(self, stream: AudioStream, folder: Path, source: str) -> None:
        self._template = stream
        self._folder = folder
        self._source = source
        self._rate = stream.codec_context.sample_rate
        self._out: OutputContainer | None = None
        self._stream: AudioStream | None = None
        self.paths: list[Path] = []

    def write(self, index: int, data: bytes, first: int, frames: int) -> None:
        if index != len(self.paths) - 1:
            if index != len(self.paths):
                raise media_failure(self._source)  # a gap: samples missing from the file
            self._open_next()
        assert self._out is not None
        assert self._stream is not None
        packet = av.Packet(data)
        packet.pts = packet.dts = first
        packet.duration = frames
        packet.time_base = Fraction(1, self._rate)
        packet.stream = self._stream
        self._out.mux(packet)

    def _open_next(self) -> None:
        self.close()
        path = self._folder / f"part{len(self.paths):06d}.wav"
        self._out = av.open(str(path), mode="w", format="wav")
        self._stream = self._out.add_stream_from_template(self._template)
        self.paths.append(path)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
