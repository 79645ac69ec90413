"""Long WAV audio in parts: exact, bounded, in order, and measured as one recording."""

from __future__ import annotations

import wave
from datetime import timedelta
from pathlib import Path

import pytest

from sayso.exports import parts
from sayso.exports.parts import in_parts, part_name, parts_folder, read_parts, split_wav
from sayso.redact import Interval, RedactError, leaked_samples, silence
from tests.unit.redact.media import RATE, speech, write_m4a, write_wav

S = timedelta(seconds=1)
SECOND = RATE * 2  # bytes of one second of 16 kHz mono s16


def frames(path: Path) -> bytes:
    with wave.open(str(path)) as handle:
        return handle.readframes(handle.getnframes())


def test_a_wav_file_splits_into_whole_seconds_that_join_back_sample_for_sample(
    tmp_path: Path,
) -> None:
    samples = speech(7.5)
    src = write_wav(tmp_path / "mix.wav", samples)
    limit = parts.HEADER_ROOM + 2 * SECOND + SECOND // 2  # room for 2.5 s: parts of 2 s

    written = split_wav(src, limit)

    assert [p.name for p in written] == [
        "mix.part001-of-004.wav",
        "mix.part002-of-004.wav",
        "mix.part003-of-004.wav",
        "mix.part004-of-004.wav",
    ]
    assert all(p.parent == tmp_path / "mix.wav.parts" for p in written)
    assert not src.exists()
    assert [len(frames(p)) for p in written] == [2 * SECOND] * 3 + [SECOND + SECOND // 2]
    assert all(p.stat().st_size <= limit for p in written)
    assert b"".join(frames(p) for p in written) == samples


def test_parts_are_whole_minutes_where_minutes_fit() -> None:
    per_part = parts._part_frames  # frames of one part, from the rate, frame size and room
    room = parts.PART_BYTES - parts.HEADER_ROOM
    assert per_part(16_000, 2, room) == 69 * 60 * 16_000  # 16 kHz mono 16-bit
    assert per_part(48_000, 4, room) == 11 * 60 * 48_000  # 48 kHz stereo 16-bit
    assert per_part(48_000, 2 * 64, room) == 21 * 48_000  # 64 channels: whole seconds


def test_only_a_wav_file_over_the_limit_goes_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "PART_BYTES", parts.HEADER_ROOM + SECOND)
    short = write_wav(tmp_path / "short.wav", speech(0.5))
    long = write_wav(tmp_path / "long.wav", speech(3))
    aac = write_m4a(tmp_path / "long.m4a", 30)  # its signing needs no parts
    assert aac.stat().st_size > parts.PART_BYTES

    assert in_parts(short) == short
    assert in_parts(aac) == aac
    assert in_parts(long) == parts_folder(long)
    assert len(list(parts_folder(long).iterdir())) == 3


def test_a_file_that_cannot_be_split_is_left_as_it_was(tmp_path: Path) -> None:
    src = tmp_path / "fake.wav"
    write_m4a(src.with_suffix(".m4a"), 3).rename(src)  # AAC under a WAV name
    before = src.read_bytes()

    with pytest.raises(RedactError, match="not PCM"):
        split_wav(src, parts.HEADER_ROOM + SECOND)

    assert src.read_bytes() == before
    assert not parts_folder(src).exists()


def test_a_missing_renamed_or_added_part_is_named(tmp_path: Path) -> None:
    written = split_wav(write_wav(tmp_path / "mix.wav", speech(5)), parts.HEADER_ROOM + SECOND)
    folder = parts_folder(tmp_path / "mix.wav")
    assert read_parts(folder, "mix.wav") == (written, None)

    written[-1].unlink()
    _, problem = read_parts(folder, "mix.wav")
    assert problem == "holds other files than its parts mix.part001-of-004.wav … " + (
        "mix.part004-of-004.wav"
    )
    written[0].rename(folder / part_name("mix.wav", 1, 4))
    (folder / "notes.txt").write_text("hello")
    assert read_parts(folder, "mix.wav")[1] is not None


def test_leaks_are_measured_across_parts_at_their_place_in_the_recording(
    tmp_path: Path,
) -> None:
    src = write_wav(tmp_path / "src.wav", speech(6))
    silent = Interval(3 * S, 5 * S)  # across the boundary of parts 2 and 3
    silence(src, tmp_path / "mix.wav", [silent])
    written = split_wav(tmp_path / "mix.wav", parts.HEADER_ROOM + 2 * SECOND)
    assert len(written) == 3

    assert leaked_samples(written, [silent]) == 0
    assert leaked_samples(written, [Interval(5 * S, 6 * S)]) == SECOND // 2
    assert leaked_samples(written, [Interval(2 * S, 4 * S)]) == SECOND // 2
