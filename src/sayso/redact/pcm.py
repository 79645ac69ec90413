"""PCM audio (WAV): withheld samples set to digital silence in place, sample-exact.

Packets are copied as they are, except those holding a withheld sample: in a copy of
those, exactly the withheld samples' bytes are overwritten with the silence value.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from sayso.redact.containers import MediaPacket, to_samples
from sayso.redact.errors import RedactError
from sayso.redact.intervals import RangeCursor

# codec: (bytes per sample, the byte of digital silence)
_PCM: dict[str, tuple[int, int]] = {
    "pcm_u8": (1, 0x80),
    "pcm_s16le": (2, 0),
    "pcm_s16be": (2, 0),
    "pcm_s24le": (3, 0),
    "pcm_s24be": (3, 0),
    "pcm_s32le": (4, 0),
    "pcm_s32be": (4, 0),
    "pcm_f32le": (4, 0),
    "pcm_f32be": (4, 0),
    "pcm_f64le": (8, 0),
    "pcm_f64be": (8, 0),
}


def is_pcm(codec: str) -> bool:
    return codec in _PCM


def frame_bytes(codec: str, channels: int) -> int:
    """Bytes of one sample of every channel (one PCM frame) of ``codec``."""
    return _PCM[codec][0] * channels


class PcmSilencer:
    """Zeroes the withheld samples of each packet of one interleaved PCM stream."""

    def __init__(
        self, codec: str, channels: int, rate: int, ranges: list[tuple[int, int]], source: str
    ) -> None:
        if codec not in _PCM:
            raise RedactError(source, f"unsupported PCM codec {codec}", "convert it to 16-bit PCM")
        self._silence = _PCM[codec][1]
        self._block = frame_bytes(codec, channels)
        self._rate = rate
        self._cursor = RangeCursor(ranges)
        self.replaced = 0

    def push(self, packet: MediaPacket) -> list[MediaPacket]:
        if packet.pts is None:
            return [packet]
        first = to_samples(packet.pts, Fraction(packet.time_base), self._rate, round_up=False)
        stop = first + packet.size // self._block
        parts = self._cursor.overlaps(first, stop)
        if not parts:
            return [packet]
        data = bytearray(bytes(packet))
        for start, end in parts:
            lo, hi = (start - first) * self._block, (end - first) * self._block
            data[lo:hi] = bytes([self._silence]) * (hi - lo)
        self.replaced += 1
        return [copy_timing(packet, bytes(data))]

    def finish(self) -> list[MediaPacket]:
        return []


def copy_timing(packet: MediaPacket, data: bytes) -> MediaPacket:
    """A new packet holding ``data`` with the timing and flags of ``packet``."""
    new = av.Packet(data)
    new.pts, new.dts, new.duration = packet.pts, packet.dts, packet.duration
    new.time_base = packet.time_base
    new.is_keyframe = packet.is_keyframe
    return new


def check_wav_complete(path: Path, source: str) -> None:
    """Refuse a WAV file whose data chunk is shorter than its header says (a cut download).

    FFmpeg reads such a file without complaint, so the RIFF chunks are walked here.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return  # not RIFF WAVE: the demuxer decides what it is
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk = handle.read(8)
            length = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                if length not in (0, 0xFFFFFFFF) and offset + 8 + length > size:
                    raise RedactError(
                        source, "the WAV file is truncated", "download the recording again"
                    )
                return
            offset += 8 + length + (length & 1)
