"""export_meeting: one meeting's Zoom export, replayed, exported and audited through the CLI.

An 8-participant meeting (per-participant audio, mixed audio, a 640x360 speaker view,
transcript and chat) goes through ``sayso scenario run`` (decisions, then ingest),
``sayso export --purpose recording`` and ``sayso audit``, each in its own process, so
that each stage's wall time and peak RSS (``ru_maxrss`` from ``wait4``) are its own.
The same is done for a meeting a sixth as long: peak RSS should not grow with length.
Sayso /s is meeting seconds exported per wall second of ``sayso export``; the baseline
is a plain copy of the archive's bytes (``shutil.copytree``), the floor of any export.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import yaml
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

from bench.common import OUT, scratch_dir
from bench.report import Reporter, note, result

VERSION = "v1"  # bump when the generated archive changes
RATE = 32_000  # Zoom's audio-only files are 32 kHz AAC
AUDIO_BIT_RATE = 64_000
FPS = 5
WIDTH, HEIGHT = 640, 360
VIDEO_BIT_RATE = 300_000
CUE_S = 6  # one transcript cue every 6 s (600 an hour)
CHAT_S = 30  # one chat message every 30 s
STAMP = "GMT20240301-100000_Recording"
STARTS_AT = "2024-03-01T10:00:00Z"
PEOPLE = (
    "Ada Host",
    "Ben Granted",
    "Cleo Refuses",
    "Dev Pauses",
    "Eve Withdraws",
    "Fay AudioOnly",
    "Gus Late",
    "Hal Silent",
)


@dataclass(frozen=True)
class Config:
    minutes: int

    @property
    def short_minutes(self) -> int:
        """The shorter meeting that shows peak RSS does not grow with length."""
        return max(1, self.minutes // 6)


FULL = Config(minutes=60)
QUICK = Config(minutes=5)


@dataclass(frozen=True)
class Stage:
    wall_s: float
    peak_rss_mb: float
    stdout: str


@dataclass(frozen=True)
class Run:
    minutes: int
    stages: dict[str, Stage]
    copy_s: float
    archive_mb: float
    export_mb: float

    def wall(self) -> dict[str, float]:
        return {name: round(s.wall_s, 2) for name, s in self.stages.items()}

    def rss(self) -> dict[str, float]:
        return {name: round(s.peak_rss_mb, 1) for name, s in self.stages.items()}

    def peak(self) -> float:
        return max(s.peak_rss_mb for s in self.stages.values())


# ---------------------------------------------------------------- the archive


def archive(minutes: int) -> Path:
    """The Zoom export folder of a ``minutes``-long meeting, built once under bench/out."""
    folder = OUT / "export_meeting" / f"zoom-{VERSION}-{minutes}min"
    if folder.exists():
        return folder
    part = folder.with_name(f".{folder.name}.part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    seconds = minutes * 60
    speakers = _speakers(minutes)
    _write_transcript(part / f"{STAMP}.transcript.vtt", speakers)
    _write_chat(part / f"{STAMP}newChat.txt", seconds)
    jobs: list[tuple[str, Path, int, int]] = [
        ("audio", part / f"Audio only - {name}.m4a", seconds, 150 + 25 * n)
        for n, name in enumerate(PEOPLE)
    ]
    jobs += [("audio", part / f"{STAMP}.m4a", seconds, 200), ("video", part, seconds, 0)]
    note(f"export_meeting: generating a {minutes}-minute archive (cached in {folder})")
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(_media_job, jobs))
    part.rename(folder)
    return folder


def _speakers(minutes: int) -> list[int]:
    """Who speaks each cue: a fixed pseudo-random order, so runs are comparable."""
    pick = random.Random(minutes)
    return [pick.randrange(len(PEOPLE)) for _ in range(minutes * 60 // CUE_S)]


def _clock(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{millis:03d}"


def _write_transcript(path: Path, speakers: list[int]) -> None:
    # Every cue's text is unique: the audit looks for withheld cue texts in the export.
    lines = ["WEBVTT", ""]
    for k, who in enumerate(speakers, start=1):
        start = (k - 1) * CUE_S + 0.5
        lines += [
            str(k),
            f"{_clock(start)} --> {_clock(start + CUE_S - 1)}",
            f"{PEOPLE[who]}: point {k}, about the quarterly numbers and the plan.",
            "",
        ]
    path.write_text("\n".join(lines), "utf-8")


def _write_chat(path: Path, seconds: int) -> None:
    lines = []
    for k, at in enumerate(range(CHAT_S, seconds, CHAT_S)):
        clock = _clock(at)[:8]
        lines.append(f"{clock}\t{PEOPLE[k % len(PEOPLE)]}:\tlink number {k} for everyone")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _media_job(job: tuple[str, Path, int, int]) -> None:
    kind, path, seconds, pitch = job
    if kind == "audio":
        with av.open(str(path), "w") as out:
            stream = out.add_stream("aac", rate=RATE, layout="mono")
            stream.bit_rate = AUDIO_BIT_RATE
            _audio(out, stream, _tone(pitch), 0, seconds * RATE)
            out.mux(stream.encode(None))
    else:
        _write_video(path / f"{STAMP}_as_{WIDTH}x{HEIGHT}.mp4", seconds)


def _tone(pitch: int) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Two seconds of a tone that repeats seamlessly every second (never silent)."""
    wave = 9000 * np.sin(2 * np.pi * pitch * np.arange(2 * RATE) / RATE)
    return np.where(wave == 0, 1, wave).astype(np.int16)


def _audio(
    out: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    tone: np.ndarray[Any, np.dtype[np.int16]],
    first: int,
    stop: int,
) -> int:
    """Encode 1024-sample frames from sample ``first`` up to ``stop``; the next sample."""
    sample = first
    while sample < stop:
        offset = sample % RATE
        frame = AudioFrame.from_ndarray(
            tone[offset : offset + 1024].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, sample
        out.mux(stream.encode(frame))
        sample += 1024
    return sample


def _write_video(path: Path, seconds: int) -> None:
    """A panning texture (so the encoder has real work) with an AAC track, interleaved."""
    texture = np.random.default_rng(7).integers(40, 200, (HEIGHT, WIDTH + 400), dtype=np.uint8)
    chroma = np.full((HEIGHT // 2, WIDTH), 128, dtype=np.uint8)
    tone = _tone(180)
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = VIDEO_BIT_RATE
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        audio.bit_rate = AUDIO_BIT_RATE
        sample = 0
        for index in range(seconds * FPS):
            pan = index * 2 % 400
            picture = np.concatenate([texture[:, pan : pan + WIDTH], chroma])
            frame = VideoFrame.from_ndarray(picture, format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            out.mux(video.encode(frame))
            sample = _audio(out, audio, tone, sample, (index + 1) * RATE // FPS)
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def scenario(minutes: int, export: Path) -> dict[str, Any]:
    """Grants, a refusal, a pause, a mid-meeting withdrawal, a late grant, and silence."""

    def at(fraction: float) -> str:
        return f"{round(minutes * 60 * fraction)}s"

    decisions: dict[str, list[dict[str, Any]]] = {
        "Ada Host": [{"at": "-1d", "grant": ["recording", "transcription"]}],
        "Ben Granted": [{"at": "-2h", "grant": ["recording"]}],
        "Cleo Refuses": [{"at": "-1d", "refuse": ["recording"]}],
        "Dev Pauses": [
            {"at": "-1h", "grant": ["recording"]},
            {"at": at(0.1), "pause": ["recording"]},
            {"at": at(0.2), "resume": ["recording"]},
        ],
        "Eve Withdraws": [
            {"at": "-1h", "grant": ["recording"]},
            {"at": at(0.5), "withdraw": ["recording"]},
        ],
        "Fay AudioOnly": [
            {"at": "-1h", "grant": ["recording"], "modalities": ["audio", "transcript", "chat"]}
        ],
        "Gus Late": [{"at": at(0.05), "grant": ["recording"]}],
        "Hal Silent": [],
    }
    return {
        "org": "Bench Corp",
        "meeting": {"title": f"Quarterly review ({minutes} min)", "starts_at": STARTS_AT},
        "participants": [{"name": name, "decisions": decisions[name]} for name in PEOPLE],
        "archive": {"format": "zoom", "path": str(export.resolve())},
    }


# ---------------------------------------------------------------- running the CLI


def _stage(args: list[str], env: dict[str, str]) -> Stage:
    """One CLI call in its own process: wall time, and peak RSS from ``wait4``."""
    sayso = str(Path(sys.executable).with_name("sayso"))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sayso, *args], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"sayso {args[0]} failed ({proc.returncode}):\n{stdout}{stderr[-3000:]}")
    # ru_maxrss is in KiB on Linux, of the process and any children it waited for.
    return Stage(wall, usage.ru_maxrss / 1024, stdout)


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def run_meeting(minutes: int) -> Run:
    export = archive(minutes)
    with scratch_dir("export_meeting") as work:
        env = os.environ | {
            "SAYSO_KEY_FILE": str(work / "keys" / "keys.json"),
            "SAYSO_DATA_DIR": str(work / "data"),
        }
        db = ["--db", f"sqlite:///{work / 'sayso.db'}"]
        spec = work / "scenario.yaml"
        spec.write_text(yaml.safe_dump(scenario(minutes, export), sort_keys=False), "utf-8")
        stages: dict[str, Stage] = {}
        note(f"export_meeting: {minutes} min: scenario run (decisions + ingest)")
        stages["scenario_ingest"] = _stage(["scenario", "run", str(spec), *db, "--json"], env)
        meeting_id = str(json.loads(stages["scenario_ingest"].stdout)["meeting_id"])
        dataset = work / "dataset"
        note(f"export_meeting: {minutes} min: export")
        purpose = ["--purpose", "recording", "--meetings", meeting_id]
        stages["export"] = _stage(["export", *purpose, "--out", str(dataset), *db, "--json"], env)
        note(f"export_meeting: {minutes} min: audit")
        stages["audit"] = _stage(["audit", str(dataset), *db, "--json"], env)
        audit = json.loads(stages["audit"].stdout)
        if audit["violations"]:
            raise SystemExit(f"export_meeting: the audit found violations: {audit['violations']}")
        start = time.perf_counter()
        shutil.copytree(export, work / "copy")
        copy_s = time.perf_counter() - start
        return Run(minutes, stages, copy_s, _size_mb(export), _size_mb(dataset))


def _lengths(cfg: Config) -> Iterator[int]:
    if cfg.short_minutes < cfg.minutes:
        yield cfg.short_minutes
    yield cfg.minutes


def run(cfg: Config, reporter: Reporter) -> None:
    runs = [run_meeting(minutes) for minutes in _lengths(cfg)]
    long, short = runs[-1], runs[0]
    seconds = long.minutes * 60.0
    exported = json.loads(long.stages["export"].stdout)
    line = result(
        "export_meeting",
        [seconds / long.stages["export"].wall_s],
        "copy_files",
        [seconds / long.copy_s],
        store="sqlite",
        minutes=long.minutes,
        participants=len(PEOPLE),
        wall_s=long.wall(),
        wall_s_end_to_end=round(sum(long.wall().values()), 1),
        peak_rss_mb=long.rss(),
        short_minutes=short.minutes,
        short_wall_s=short.wall(),
        short_peak_rss_mb=short.rss(),
        peak_rss_growth_mb=round(long.peak() - short.peak(), 1),
        archive_mb=round(long.archive_mb, 1),
        export_mb=round(long.export_mb, 1),
        copy_s=round(long.copy_s, 2),
        kept=exported["kept"],
        withheld=exported["withheld"],
        audit_violations=0,
    )
    reporter.emit(line)
