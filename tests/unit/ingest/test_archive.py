"""Whole export folders: found by name, parsed completely, or refused with nothing returned."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from sayso.ingest.archive import read_archive
from sayso.ingest.errors import BadArchive
from sayso.ingest.manifest import manifest_json_schema

from .conftest import FIXTURES, make_audio, make_video

ZSE = "zse__GMT20240124-202901_Recording"


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def zoom_folder(realworld: Path, tmp_path: Path) -> Path:
    root = tmp_path / "2024-01-24 15.29.01 Class"
    root.mkdir()
    shutil.copy(realworld / f"{ZSE}.transcript.vtt", root / "GMT_Recording.transcript.vtt")
    shutil.copy(realworld / f"{ZSE}.cc.vtt", root / "GMT_Recording.cc.vtt")
    shutil.copy(realworld / "sasdh__meeting_saved_chat.txt", root / "meeting_saved_chat.txt")
    shutil.copy(
        realworld / "zoomdevblog__recording.completed.json", root / "recording.completed.json"
    )
    # As long as the webhook's recording (20:02:05 to 20:03:14): a shorter file is refused.
    make_audio(root / "Audio only - Elisa L.m4a", seconds=69)
    make_audio(root / "GMT_Recording.m4a", seconds=69)
    make_video(root / "GMT_Recording_gallery_640x360.mp4", frames=690)
    make_video(root / "GMT_Recording_avo_640x360.mp4", frames=690)
    (root / "notes.pdf").write_bytes(b"%PDF-1.4")
    return root


def test_zoom_folder_reads_every_file_and_changes_none(zoom_folder: Path) -> None:
    before = _digests(zoom_folder)
    archive = read_archive("zoom", zoom_folder)
    assert _digests(zoom_folder) == before
    by_source: dict[str, int] = {}
    for item in archive.items:
        by_source[item.source] = by_source.get(item.source, 0) + 1
    assert by_source == {
        "GMT_Recording.transcript.vtt": 102,
        "GMT_Recording.cc.vtt": 100,
        "meeting_saved_chat.txt": 46,
    }
    captions = [i for i in archive.items if i.source == "GMT_Recording.cc.vtt"]
    assert {i.speaker for i in captions} >= {"Conor Healy"}
    roles = {(m.path, m.role, m.speaker) for m in archive.media}
    assert roles == {
        ("Audio only - Elisa L.m4a", "participant_audio", "Elisa L"),
        ("GMT_Recording.m4a", "mixed_audio", None),
        ("GMT_Recording_gallery_640x360.mp4", "gallery_view", None),
        ("GMT_Recording_avo_640x360.mp4", "shared_screen_with_speaker_view", None),
    }
    assert all(m.end is not None and m.end > timedelta(0) for m in archive.media)
    assert archive.ignored == ("notes.pdf",)
    assert len(archive.recordings) == 3
    # The webhook's one recording began at 20:02:05 UTC: every file is dated by it, those
    # of a kind it lists (audio, views, Elisa's track) and those it does not (text).
    assert archive.file_starts == dict.fromkeys(
        [*by_source, *(m.path for m in archive.media)], datetime(2023, 12, 1, 20, 2, 5, tzinfo=UTC)
    )


def test_zoom_chat_start_comes_from_the_webhook_time_zone(zoom_folder: Path) -> None:
    archive = read_archive("zoom", zoom_folder)
    chat = [i for i in archive.items if i.source == "meeting_saved_chat.txt"]
    # recording started 20:02:05 UTC = 15:02:05 in New York; first message 17:06:15
    assert chat[0].start == timedelta(hours=2, minutes=4, seconds=10)


def test_zoom_chat_start_from_the_folder_name_or_the_caller(zoom_folder: Path) -> None:
    (zoom_folder / "recording.completed.json").unlink()
    chat = [i for i in read_archive("zoom", zoom_folder).items if i.location == "line 1"]
    assert chat[0].start == timedelta(hours=1, minutes=37, seconds=14)
    given = read_archive("zoom", zoom_folder, chat_started_at=time(17, 0))
    assert next(i for i in given.items if i.source == "meeting_saved_chat.txt").start == (
        timedelta(minutes=6, seconds=15)
    )


def test_a_symlink_in_the_folder_is_refused(zoom_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    (zoom_folder / "meeting_saved_chat.txt").unlink()
    (zoom_folder / "meeting_saved_chat.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(BadArchive, match=r"^meeting_saved_chat.txt, path: is a symbolic link"):
        read_archive("zoom", zoom_folder)


def test_duplicate_transcripts_are_refused(zoom_folder: Path) -> None:
    shutil.copy(zoom_folder / "GMT_Recording.transcript.vtt", zoom_folder / "b.transcript.vtt")
    with pytest.raises(BadArchive, match="second zoom transcript vtt"):
        read_archive("zoom", zoom_folder)


def test_a_bad_file_means_no_archive_at_all(zoom_folder: Path) -> None:
    (zoom_folder / "GMT_Recording.cc.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:0")
    with pytest.raises(BadArchive, match=r"^GMT_Recording.cc.vtt, line 3"):
        read_archive("zoom", zoom_folder)


def test_corrupt_media_names_the_file_without_the_participant(zoom_folder: Path) -> None:
    (zoom_folder / "Audio only - Elisa L.m4a").write_bytes(b"\x00" * 64)
    with pytest.raises(BadArchive, match="not a readable media file") as caught:
        read_archive("zoom", zoom_folder)
    assert "Elisa" not in str(caught.value)


def test_teams_and_otter_folders(realworld: Path, tmp_path: Path) -> None:
    teams = tmp_path / "teams"
    teams.mkdir()
    shutil.copy(FIXTURES / "teams_entities.vtt", teams / "meeting.vtt")
    make_video(teams / "recording.mp4")
    archive = read_archive("teams", teams)
    assert len(archive.items) == 4
    assert [(m.role, m.modality) for m in archive.media] == [("gallery_view", "video")]
    shutil.copy(realworld / "unstructured__teams_chat.docx", teams / "meeting.docx")
    with pytest.raises(BadArchive, match="second teams transcript"):
        read_archive("teams", teams)
    otter = tmp_path / "otter"
    otter.mkdir()
    shutil.copy(realworld / "ladybug__62-security.md", otter / "62-security.txt")
    assert len(read_archive("otter", otter).items) == 162


def _write_manifest(root: Path, files: list[dict[str, object]]) -> None:
    body = {"sayso_manifest": 1, "platform": "jitsi", "files": files}
    (root / "sayso-manifest.json").write_text(json.dumps(body))


def test_manifest_archive_with_media_files_and_shifted_text(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "zoom_chat_cloud.txt", tmp_path / "chat.txt")
    make_audio(tmp_path / "ann.m4a")
    (tmp_path / "slides.pdf").write_bytes(b"%PDF-1.4")
    _write_manifest(
        tmp_path,
        [
            {"path": "chat.txt", "kind": "zoom_chat", "start": 60},
            {
                "path": "ann.m4a",
                "kind": "media",
                "modality": "audio",
                "role": "participant_audio",
                "speaker": "Ann Lee",
                "start": 1.5,
            },
            {"path": "slides.pdf", "kind": "file", "speaker": "Bob Chan", "start": 30},
        ],
    )
    archive = read_archive("manifest", tmp_path)
    assert [i.start for i in archive.items] == [timedelta(seconds=65), timedelta(seconds=69)]
    audio, slides = archive.media
    assert (slides.modality, slides.role, slides.start) == ("files", "file", timedelta(seconds=30))
    assert (audio.speaker, audio.start) == ("Ann Lee", timedelta(seconds=1.5))
    assert (audio.end or timedelta(0)) > audio.start


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "a/../../outside.txt", "C:\\x"])
def test_manifest_path_traversal_is_refused(tmp_path: Path, path: str) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("x")
    _write_manifest(root, [{"path": path, "kind": "file"}])
    with pytest.raises(BadArchive, match=r"^sayso-manifest.json, entry .*(not relative|leaves)"):
        read_archive("manifest", root)


def test_manifest_symlink_escaping_the_archive_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "t.vtt").write_text("WEBVTT\n")
    (root / "sub").symlink_to(tmp_path / "outside")
    _write_manifest(root, [{"path": "sub/t.vtt", "kind": "teams_vtt"}])
    with pytest.raises(BadArchive, match="symbolic link"):
        read_archive("manifest", root)


def test_manifest_missing_file_and_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(BadArchive, match="no manifest"):
        read_archive("manifest", tmp_path)
    _write_manifest(tmp_path, [{"path": "gone.vtt", "kind": "teams_vtt"}])
    with pytest.raises(BadArchive, match="no such file"):
        read_archive("manifest", tmp_path)


def test_committed_manifest_schema_is_current() -> None:
    committed = Path(__file__).parents[3] / "src/sayso/ingest/manifest.schema.json"
    assert committed.read_text(encoding="utf-8") == manifest_json_schema()
