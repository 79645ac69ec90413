"""Video redaction: frames blacked out while a withheld person is shown; gallery views left out.

- speaker view: black frames while a withheld person is the active speaker (the caller
  passes those intervals); a shared screen: black while its sharer's consent does not
  cover it (intervals again). The audio track is silenced over the same intervals
  (as ``sayso.redact.audio`` does it), unless told not to.
- gallery view: everyone on screen is shown at once and cannot be told apart, so the
  file is left out unless the caller says every person present allowed it.

The video is re-encoded (H.264 with libx264 when the bundled FFmpeg has it, else MPEG-4
Part 2), frame by frame: memory does not grow with the file. A frame is black when any
part of its display time touches a withheld interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from sayso.ingest.items import MediaRole
from sayso.redact.audio import PacketFilter, silencer
from sayso.redact.containers import (
    MEDIA_ERRORS,
    MediaPacket,
    atomic_output,
    media_failure,
    open_input,
    same_kind,
)
from sayso.redact.errors import RedactError
from sayso.redact.intervals import Interval, RangeCursor, merge

GALLERY_ROLES: frozenset[MediaRole] = frozenset({"gallery_view", "shared_screen_with_gallery_view"})
_MICROS_PER_S = 1_000_000
_MICRO = timedelta(microseconds=1)
_BLACK = (16, 128, 128)  # Y, U, V of black in limited-range YUV


@dataclass(frozen=True)
class VideoReport:
    frames: int
    frames_blacked: int
    audio_packets_replaced: int
    encoder: str


def video_encoder(source_codec: str) -> str:
    """The source's own codec when it can be encoded here, else H.264, else MPEG-4."""
    wanted = {"h264": "libx264", "mpeg4": "mpeg4"}.get(source_codec)
    for name in (wanted, "libx264", "mpeg4"):
        if name is not None and name in av.codecs_available:
            return name
    raise RedactError("-", "no video encoder is available", "install PyAV with its FFmpeg")


def black_frame(width: int, height: int) -> VideoFrame:
    frame = VideoFrame(width, height, "yuv420p")
    for plane, value in zip(frame.planes, _BLACK, strict=True):
        plane.update(bytes([value]) * plane.buffer_size)
    return frame


class _Video:
    """Decodes, blacks out and re-encodes one video stream."""

    def __init__(self, stream: VideoStream, out: OutputContainer, withheld: list[Interval]) -> None:
        self.stream = stream
        self.encoder = video_encoder(stream.codec_context.name)
        rate = stream.average_rate or Fraction(25)
        added = out.add_stream(self.encoder, rate=rate)
        assert isinstance(added, VideoStream)
        self.out: VideoStream = added
        self.out.width, self.out.height = stream.codec_context.width, stream.codec_context.height
        self.out.pix_fmt = "yuv420p"
        time_base = stream.time_base or 1 / rate
        self.out.time_base = self.out.codec_context.time_base = time_base
        source_rate = stream.codec_context.bit_rate or 0
        if self.encoder == "libx264":
            options = {"preset": "veryfast", "crf": "20"}
            if source_rate:  # no bigger than the source: a redacted copy needs no more bits
                options |= {"maxrate": str(source_rate), "bufsize": str(2 * source_rate)}
            self.out.codec_context.options = options
        else:
            self.out.codec_context.bit_rate = source_rate or 1_000_000
        self.default_duration: Fraction = 1 / rate
        self.cursor = RangeCursor([_micros(i) for i in withheld])
        self.frames = 0
        self.blacked = 0

    def frame(self, frame: VideoFrame) -> list[MediaPacket]:
        self.frames += 1
        if self._withheld(frame):
            self.blacked += 1
            black = black_frame(self.out.width, self.out.height)
            black.pts, black.time_base = frame.pts, frame.time_base
            frame = black
        elif frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        frame.pict_type = 0  # let the encoder choose the frame types
        return list(self.out.encode(frame))

    def flush(self) -> list[MediaPacket]:
        return list(self.out.encode(None))

    def _withheld(self, frame: VideoFrame) -> bool:
        if frame.pts is None or frame.time_base is None:
            return True  # a frame that cannot be placed in time is not shown (fail closed)
        start = frame.pts * frame.time_base
        span = (frame.duration or 0) * frame.time_base or self.default_duration
        first = int(start * _MICROS_PER_S)
        stop = -int(-(start + span) * _MICROS_PER_S)
        return bool(self.cursor.overlaps(first, max(stop, first + 1)))


def _micros(interval: Interval) -> tuple[int, int]:
    return interval.start // _MICRO, interval.end // _MICRO


class _Audio:
    """Copies the first audio stream, silenced over the withheld intervals if asked."""

    def __init__(
        self, stream: AudioStream, out: OutputContainer, packet_filter: PacketFilter | None
    ) -> None:
        self.stream = stream
        self.out = out.add_stream_from_template(stream)
        self.filter = packet_filter

    def packet(self, packet: MediaPacket) -> list[MediaPacket]:
        return [packet] if self.filter is None else self.filter.push(packet)

    def flush(self) -> list[MediaPacket]:
        return [] if self.filter is None else self.filter.finish()

    @property
    def replaced(self) -> int:
        return 0 if self.filter is None else self.filter.replaced


def redact_video(
    src: Path, dst: Path, withheld: Iterable[Interval], *, silence_audio: bool = True
) -> VideoReport:
    """Write ``dst``: ``src`` with black frames (and silence) over the withheld intervals.

    Only the first video and first audio stream are kept; other streams are left out.
    """
    source = src.name
    same_kind(src, dst)
    intervals = merge(withheld, source)
    with open_input(src) as container:
        if not container.streams.video:
            raise RedactError(source, "has no video stream", "redact audio files with silence")
        stream = container.streams.video[0]
        with atomic_output(dst, source) as out:
            video = _Video(stream, out, intervals)
            audio = _open_audio(container, out, intervals, silence_audio, source)
            try:
                _copy(container, out, video, audio)
            except MEDIA_ERRORS:
                raise media_failure(source) from None
    replaced = audio.replaced if audio else 0
    return VideoReport(video.frames, video.blacked, replaced, video.encoder)


def _open_audio(
    container: InputContainer,
    out: OutputContainer,
    withheld: list[Interval],
    silence: bool,
    source: str,
) -> _Audio | None:
    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    return _Audio(stream, out, silencer(stream, withheld, source) if silence else None)


def _copy(
    container: InputContainer, out: OutputContainer, video: _Video, audio: _Audio | None
) -> None:
    streams = [video.stream] if audio is None else [video.stream, audio.stream]
    for packet in container.demux(streams):
        if packet.stream.index == video.stream.index:
            for frame in packet.decode():
                assert isinstance(frame, VideoFrame)
                _mux(out, video.out, video.frame(frame))
        elif audio is not None:
            _mux(out, audio.out, audio.packet(packet))
    _mux(out, video.out, video.flush())
    if audio is not None:
        _mux(out, audio.out, audio.flush())


def _mux(
    out: OutputContainer, stream: VideoStream | AudioStream, packets: list[MediaPacket]
) -> None:
    for packet in packets:
        if packet.dts is None and packet.pts is None and packet.size == 0:
            continue  # the demuxer's end-of-stream marker
        packet.stream = stream
        out.mux(packet)


def redact_recording(
    src: Path,
    dst: Path,
    role: MediaRole,
    withheld: Iterable[Interval],
    *,
    everyone_allowed: bool = False,
) -> VideoReport | None:
    """Redact one view by its role; None (nothing written) for a gallery view not allowed."""
    if role in GALLERY_ROLES and not everyone_allowed:
        return None
    if role == "participant_audio" or role == "mixed_audio" or role == "file":
        raise RedactError(src.name, f"a {role} file is not a video", "redact it by its kind")
    return redact_video(src, dst, withheld)
