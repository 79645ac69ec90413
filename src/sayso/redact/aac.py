"""AAC-LC audio (``.m4a``): withheld frames replaced by pre-encoded silent packets.

AAC decodes by overlap-add: the samples a decoder gives for packet ``k`` are the second
half of packet ``k-1``'s transform plus the first half of packet ``k``'s. So a frame is
exact digital silence only when both packets are silent, and for every packet whose
span touches a withheld sample, that packet **and the one before it** are replaced.
The decoded result: silence over every frame that touches a withheld interval (so the
over-cut is under one frame, 1,024 samples, at each boundary, never an under-cut), and
the frame next to the silence on each side fades out or in (the codec's own window).
Nothing is re-encoded: every other packet is copied byte for byte.
"""

from __future__ import annotations

from fractions import Fraction

import av
from av.audio.codeccontext import AudioCodecContext
from av.audio.stream import AudioStream

from sayso.redact.containers import MediaPacket, to_samples
from sayso.redact.errors import RedactError
from sayso.redact.intervals import RangeCursor
from sayso.redact.pcm import copy_timing

FRAME = 1024
_WARM_UP = 8  # frames of zeros encoded before the packet we keep (past the encoder's delay)


def silent_packet(rate: int, layout: str) -> bytes:
    """One AAC-LC packet that decodes to 1,024 samples of exact zeros (after a silent one)."""
    encoder = av.CodecContext.create("aac", "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate, encoder.layout, encoder.format = rate, layout, "fltp"
    encoder.open()
    packets: list[MediaPacket] = []
    for index in range(_WARM_UP):
        frame = av.AudioFrame(format="fltp", layout=layout, samples=FRAME)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = rate, index * FRAME
        packets.extend(encoder.encode(frame))
    return bytes(packets[-1])


def check_aac(stream: AudioStream, source: str) -> None:
    """Only AAC-LC without SBR/PS: its frames depend on no packet before the previous one."""
    context = stream.codec_context
    if context.profile is None:
        raise RedactError(
            source,
            "the AAC header is missing or damaged (the file may be truncated)",
            "download the recording again",
        )
    if context.name != "aac" or context.profile != "LC":
        raise RedactError(
            source,
            f"audio is {context.name} ({context.profile}), not AAC-LC",
            "convert it to AAC-LC or WAV before redacting",
        )
    if context.frame_size not in (0, FRAME):
        raise RedactError(source, "AAC frames are not 1,024 samples", "convert it to AAC-LC")


class AacSilencer:
    """Holds one packet back, so that it can still be silenced when the next one must be."""

    def __init__(self, stream: AudioStream, ranges: list[tuple[int, int]], source: str) -> None:
        check_aac(stream, source)
        self._rate = stream.codec_context.sample_rate
        self._silent = silent_packet(self._rate, stream.codec_context.layout.name)
        self._cursor = RangeCursor(ranges)
        self._held: MediaPacket | None = None
        self._held_silenced = False
        self.replaced = 0

    def push(self, packet: MediaPacket) -> list[MediaPacket]:
        if packet.pts is None:
            return [packet]
        touched = self._touches(packet)
        if touched:
            self._held_silenced = True
        out = self.finish()
        self._held, self._held_silenced = packet, touched
        return out

    def finish(self) -> list[MediaPacket]:
        held, self._held = self._held, None
        if held is None:
            return []
        if not self._held_silenced:
            return [held]
        self.replaced += 1
        return [copy_timing(held, self._silent)]

    def _touches(self, packet: MediaPacket) -> bool:
        assert packet.pts is not None
        time_base = Fraction(packet.time_base)
        first = to_samples(packet.pts, time_base, self._rate, round_up=False)
        span = packet.duration or FRAME
        stop = to_samples(packet.pts + span, time_base, self._rate, round_up=True)
        # A frame whose duration is cut short still decodes a whole frame's worth.
        return bool(self._cursor.overlaps(first, max(stop, first + FRAME)))
