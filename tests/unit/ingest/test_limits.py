"""A file of several GB, or a .docx that unpacks to GBs, is refused by name before it
is read: a BadArchive that says what to check, and nothing of the archive is read."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from sayso.ingest import limits
from sayso.ingest.archive import read_archive
from sayso.ingest.errors import BadArchive
from sayso.ingest.limits import check_package, read_text_file, size_text
from sayso.ingest.teams import parse_teams_docx

from .conftest import realworld_dir

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "job-interview" / "export"
CHAT = "GMT20240301-100000_RecordingnewChat.txt"
TRANSCRIPT = "GMT20240301-100000_Recording.transcript.vtt"
GB3 = 3 * 2**30


def _sparse(path: Path, size: int = GB3) -> Path:
    """``path`` grown to ``size`` bytes without using the disk (a sparse file)."""
    with path.open("ab") as handle:
        handle.truncate(size)
    return path


def _docx(parts: dict[str, bytes | int], level: int = 6) -> bytes:
    """A zip package; an int part is that many spaces, written in chunks (little memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for name, body in parts.items():
            if isinstance(body, bytes):
                package.writestr(name, body)
                continue
            with package.open(name, "w", force_zip64=True) as handle:
                for _ in range(body // 2**20):
                    handle.write(b" " * 2**20)
    return buffer.getvalue()


def test_a_file_of_several_gb_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    big = _sparse(tmp_path / "chat.txt")
    with pytest.raises(BadArchive) as caught:
        read_text_file(big, "chat.txt")
    assert str(caught.value) == (
        "chat.txt, whole file: 3 GiB, more than the 64 MiB a meeting's text file can "
        "plausibly be. check this is the right file (a transcript, chat or JSON body of one "
        "meeting)"
    )
    assert caught.value.code == "bad_archive"


def test_a_file_at_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 10)
    (tmp_path / "a.txt").write_bytes(b"0123456789")
    assert read_text_file(tmp_path / "a.txt", "a.txt") == b"0123456789"
    (tmp_path / "b.txt").write_bytes(b"0123456789!")
    with pytest.raises(BadArchive, match=r"^b\.txt, whole file: 11 bytes, more than the 10 bytes"):
        read_text_file(tmp_path / "b.txt", "b.txt")


@pytest.mark.parametrize("name", [CHAT, TRANSCRIPT])
def test_a_huge_chat_or_transcript_in_a_valid_archive_names_itself(
    tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(EXAMPLE, folder)
    _sparse(folder / name)
    with pytest.raises(BadArchive, match=rf"^{name}, whole file: 3 GiB, more than the 64 MiB"):
        read_archive("zoom", folder)
    assert (folder / name).stat().st_size == GB3  # only read: nothing changed


def test_a_huge_webhook_body_names_itself(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(EXAMPLE, folder)
    _sparse(folder / "recording.completed.json")
    with pytest.raises(BadArchive, match=r"^recording\.completed\.json, whole file: 3 GiB"):
        read_archive("zoom", folder)


def test_a_huge_manifest_names_itself(tmp_path: Path) -> None:
    _sparse(tmp_path / "sayso-manifest.json")
    with pytest.raises(BadArchive, match=r"^sayso-manifest\.json, whole file: 3 GiB"):
        read_archive("manifest", tmp_path)


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """300 MiB of spaces pack into a few hundred KiB: refused from the zip's directory."""
    folder = tmp_path / "teams"
    folder.mkdir()
    bomb = _docx({"[Content_Types].xml": b"<Types/>", "word/document.xml": 300 * 2**20}, level=1)
    assert len(bomb) < 2 * 2**20
    (folder / "meeting.docx").write_bytes(bomb)
    with pytest.raises(BadArchive) as caught:
        read_archive("teams", folder)
    message = str(caught.value)
    assert message.startswith("meeting.docx, entry 'word/document.xml': unpacks to 300 MiB from")
    assert "like a zip bomb. export the transcript again" in message


def test_a_docx_that_unpacks_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 2**20)
    parts: dict[str, bytes | int] = {f"word/p{n}.xml": os.urandom(600_000) for n in range(2)}
    with pytest.raises(BadArchive, match=r"^t\.docx, package: the package unpacks to 1\.1 MiB"):
        parse_teams_docx(_docx(parts), "t.docx")


def test_a_docx_of_too_many_parts_is_refused() -> None:
    parts: dict[str, bytes | int] = {f"p{n}.xml": b"<a/>" for n in range(1001)}
    with pytest.raises(BadArchive, match=r"^t\.docx, package: the package has 1001 parts"):
        check_package(_docx(parts), "t.docx")


def test_a_real_teams_docx_passes_the_package_check() -> None:
    real = realworld_dir() / "unstructured__teams_chat.docx"
    if not real.is_file():
        pytest.skip(f"real-world fixtures not found at {real.parent}")
    check_package(read_text_file(real, real.name), real.name)
    assert parse_teams_docx(real.read_bytes(), real.name)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (64 * 2**20, "64 MiB"),
        (GB3, "3 GiB"),
    ],
)
def test_sizes_read_as_a_person_reads_them(size: int, text: str) -> None:
    assert size_text(size) == text
