"""audio_redact: withheld intervals silenced in a long track, zero leak first, then speed.

Sayso: ``sayso.redact.silence`` (WAV: withheld samples zeroed in the packets, sample-exact;
AAC .m4a: touched packets replaced by a pre-encoded silent packet, no re-encode). Baseline:
FFmpeg's sample-exact ``aeval`` filter through PyAV's filter graph (decode, filter,
encode: PCM for the WAV, AAC for the .m4a, as the FFmpeg CLI would). The speed is audio
seconds per wall second; ``leaked_samples`` (audible samples in withheld time, decoded
from Sayso's output) must be 0.
"""

from __future__ import annotations

import array
import math
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.filter import Graph

from bench.common import OUT, interleave, median, scratch_dir
from bench.report import Reporter, note, result
from sayso.redact import Interval, leaked_samples, silence

RATE = 16_000


@dataclass(frozen=True)
class Config:
    minutes: int
    intervals: int
    reps: int
    budget_s: float


FULL = Config(minutes=60, intervals=20, reps=3, budget_s=120)
QUICK = Config(minutes=2, intervals=20, reps=1, budget_s=60)


def withheld(cfg: Config) -> list[Interval]:
    """``cfg.intervals`` intervals spread over the track, off any frame boundary."""
    span = cfg.minutes * 60 / cfg.intervals
    return [
        Interval(
            timedelta(seconds=k * span + span * 0.3 + 0.01234),
            timedelta(seconds=k * span + span * 0.55 + 0.04321),
        )
        for k in range(cfg.intervals)
    ]


def _second_of_speech() -> bytes:
    return array.array(
        "h", (int(9000 * math.sin(2 * math.pi * 220 * n / RATE)) or 1 for n in range(RATE))
    ).tobytes()


def make_wav(path: Path, minutes: int) -> Path:
    if not path.exists():
        second = _second_of_speech()
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(RATE)
            for _ in range(minutes):
                handle.writeframes(second * 60)
    return path


def make_m4a(path: Path, wav: Path) -> Path:
    """The WAV encoded once to AAC-LC (cached: encoding an hour takes a while)."""
    if not path.exists():
        part = path.with_name(f".{path.stem}.part.m4a")
        with av.open(str(wav)) as src, av.open(str(part), "w") as out:
            stream = out.add_stream("aac", rate=RATE, layout="mono")
            for frame in src.decode(audio=0):
                frame.pts = None
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        part.rename(path)
    return path


def aeval_expression(intervals: list[Interval]) -> str:
    """``val(0)`` times 0 inside any interval, 1 outside (half-open, like Sayso's)."""
    inside = "+".join(
        f"gte(t,{i.start.total_seconds()})*lt(t,{i.end.total_seconds()})" for i in intervals
    )
    return f"val(0)*eq({inside},0)"


def aeval_copy(src: Path, dst: Path, intervals: list[Interval], codec: str) -> None:
    """Decode, ``aeval``, encode: what ``ffmpeg -i src -af aeval=… dst`` does."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = inp.streams.audio[0]
        encoder = out.add_stream(codec, rate=RATE, layout="mono")
        graph = Graph()
        source = graph.add_abuffer(template=stream)
        filt = graph.add("aeval", f"exprs={aeval_expression(intervals)}:c=same")
        sink = graph.add("abuffersink")
        source.link_to(filt)
        filt.link_to(sink)
        graph.configure()
        for frame in inp.decode(stream):
            graph.push(frame)
            _drain(graph, lambda f: out.mux(encoder.encode(f)))
        graph.push(None)
        _drain(graph, lambda f: out.mux(encoder.encode(f)))
        out.mux(encoder.encode(None))


def _drain(graph: Graph, emit: Callable[[AudioFrame], None]) -> None:
    while True:
        try:
            frame = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        assert isinstance(frame, AudioFrame)
        frame.pts = None
        emit(frame)


def _rate(seconds: float, fn: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        fn()
        return seconds / (time.perf_counter() - start)

    return run


def _case(cfg: Config, reporter: Reporter, src: Path, work: Path, store: str, codec: str) -> None:
    intervals = withheld(cfg)
    audio_s = cfg.minutes * 60.0
    ours, theirs = work / f"sayso{src.suffix}", work / f"aeval{src.suffix}"
    note(f"audio_redact: {store}, {cfg.minutes} min, {len(intervals)} intervals")
    sayso_rates, base_rates = interleave(
        cfg.reps,
        _rate(audio_s, lambda: silence(src, ours, intervals)),
        _rate(audio_s, lambda: aeval_copy(src, theirs, intervals, codec)),
        budget_s=cfg.budget_s,
    )
    leaked = leaked_samples(ours, intervals)
    line = result(
        "audio_redact",
        sayso_rates,
        f"FFmpeg aeval + {codec} (PyAV filter graph)",
        base_rates,
        store=store,
        leaked_samples=leaked,
        baseline_leaked_samples=leaked_samples(theirs, intervals),
        audio_s_per_wall_s=round(median(sayso_rates), 1),
        minutes=cfg.minutes,
        intervals=len(intervals),
    )
    reporter.emit(line)
    if leaked:
        raise SystemExit(f"audio_redact: {leaked} samples leaked in {store}: a release blocker")


def run(cfg: Config, reporter: Reporter) -> None:
    cache = OUT / "audio_redact"
    cache.mkdir(parents=True, exist_ok=True)
    wav = make_wav(cache / f"track-{cfg.minutes}min.wav", cfg.minutes)
    note("audio_redact: encoding the AAC track (cached under bench/out)")
    m4a = make_m4a(cache / f"track-{cfg.minutes}min.m4a", wav)
    with scratch_dir("audio_redact") as work:
        _case(cfg, reporter, wav, work, "wav-pcm16-16k", "pcm_s16le")
        _case(cfg, reporter, m4a, work, "m4a-aac-lc", "aac")
