"""Files of an archive folder: never a symlink, never outside the folder."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from sayso.ingest.errors import BadArchive, safe_path

_PATH_FIX = "name files by their path relative to the archive folder, without '..'"


def _refuse_link(path: Path, relative: str) -> None:
    if path.is_symlink():
        raise BadArchive(
            relative, "path", "is a symbolic link", "copy the real file into the archive folder"
        )


def inside(root: Path, relative: str, source: str) -> Path:
    """The regular file ``root/relative``, checked part by part; ``source`` is who named it."""
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or "\\" in relative or ":" in pure.parts[0]:
        raise BadArchive(source, relative_where(relative), "path is not relative", _PATH_FIX)
    if ".." in pure.parts:
        raise BadArchive(source, relative_where(relative), "path leaves the archive", _PATH_FIX)
    path = root
    for part in pure.parts:
        path = path / part
        _refuse_link(path, relative)
    if not path.resolve().is_relative_to(root.resolve()):
        raise BadArchive(source, relative_where(relative), "path leaves the archive", _PATH_FIX)
    if not path.is_file():
        raise BadArchive(source, relative_where(relative), "no such file", "add it or fix the path")
    return path


def relative_where(relative: str) -> str:
    return f"entry '{safe_path(relative)}'"


def list_files(root: Path) -> list[str]:
    """Every regular file under ``root`` as a POSIX path relative to it, sorted.

    A symbolic link anywhere in the folder is refused rather than followed.
    """
    if not root.is_dir():
        raise BadArchive(str(root), "path", "is not a folder", "pass the export folder")
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs) + sorted(files):
            relative = (here / name).relative_to(root).as_posix()
            _refuse_link(here / name, relative)
            if name in files and (here / name).is_file():
                found.append(relative)
    return sorted(found)
