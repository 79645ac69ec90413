"""Audio redaction: per-participant tracks kept only where allowed, mixed tracks silenced.

Both are one operation, ``silence``: digital silence over every withheld interval,
the rest untouched, streamed packet by packet (memory does not grow with the file).
PCM WAV is silenced sample-exact; AAC-LC ``.m4a`` by replacing whole packets with
silent ones (see ``sayso.redact.aac``), so nothing is re-encoded. The output keeps
the container and codec of the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from av.audio.stream import AudioStream
from av.container import OutputContainer

from sayso.redact.aac import AacSilencer
from sayso.redact.containers import (
    MEDIA_ERRORS,
    MediaPacket,
    atomic_output,
    media_failure,
    only_audio_stream,
    open_input,
    same_kind,
)
from sayso.redact.errors import RedactError
from sayso.redact.intervals import (
    DEFAULT_MARGIN,
    Interval,
    complement,
    merge,
    sample_ranges,
    widen,
)
from sayso.redact.pcm import PcmSilencer, check_wav_complete, is_pcm


class PacketFilter(Protocol):
    replaced: int

    def push(self, packet: MediaPacket) -> list[MediaPacket]: ...

    def finish(self) -> list[MediaPacket]: ...


@dataclass(frozen=True)
class AudioReport:
    """What one redaction did: packets read, packets replaced, withheld intervals applied."""

    packets: int
    packets_replaced: int
    intervals: tuple[Interval, ...]


def silencer(stream: AudioStream, withheld: list[Interval], source: str) -> PacketFilter:
    """The packet filter for this stream's codec; other codecs are refused (fail closed)."""
    context = stream.codec_context
    ranges = sample_ranges(withheld, context.sample_rate)
    if is_pcm(context.name):
        return PcmSilencer(context.name, context.channels, context.sample_rate, ranges, source)
    if context.name == "aac":
        return AacSilencer(stream, ranges, source)
    raise RedactError(
        source,
        f"audio codec {context.name} cannot be redacted without re-encoding",
        "convert it to WAV (PCM) or AAC-LC .m4a first",
    )


def silence(src: Path, dst: Path, withheld: Iterable[Interval]) -> AudioReport:
    """Write ``dst``: ``src`` with digital silence over every withheld interval."""
    source = src.name
    same_kind(src, dst)
    intervals = merge(withheld, source)
    check_wav_complete(src, source)
    with open_input(src) as container:
        stream = only_audio_stream(container, source)
        packet_filter = silencer(stream, intervals, source)
        with atomic_output(dst, source) as output:
            out_stream = output.add_stream_from_template(stream)
            count = 0
            try:
                for packet in container.demux(stream):
                    count += packet.pts is not None
                    for ready in packet_filter.push(packet):
                        _mux(output, out_stream, ready)
                for ready in packet_filter.finish():
                    _mux(output, out_stream, ready)
            except MEDIA_ERRORS:
                raise media_failure(source) from None
            if count < stream.frames:  # the index promised more packets than the file holds
                raise media_failure(source)
    return AudioReport(count, packet_filter.replaced, tuple(intervals))


def _mux(output: OutputContainer, stream: AudioStream, packet: MediaPacket) -> None:
    if packet.dts is None and packet.pts is None:
        return  # the demuxer's end-of-stream marker
    packet.stream = stream
    output.mux(packet)


def keep_only(src: Path, dst: Path, allowed: Iterable[Interval]) -> AudioReport:
    """A per-participant track: kept inside ``allowed``, digital silence everywhere else."""
    return silence(src, dst, complement(allowed, src.name))


def silence_speech(
    src: Path, dst: Path, speech: Iterable[Interval], margin: timedelta = DEFAULT_MARGIN
) -> AudioReport:
    """A mixed track: silence each withheld or unattributed speech interval, widened by margin."""
    return silence(src, dst, widen(speech, margin, src.name))
