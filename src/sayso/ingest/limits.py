"""How big a text file of a meeting may be, checked before it is read into memory.

Text, JSON and ``.docx`` files are parsed whole, so a file of several GB (the wrong
file, or a hostile one) would be read whole too. A day-long meeting's transcript or
chat is a few MB, so the limits below leave a wide margin; a file past them is
refused with a BadArchive before a byte of it is read. A ``.docx`` is a zip package:
what its entries unpack to is checked from the zip's directory before it is parsed
(Python's zip reader never unpacks an entry past the size the directory states).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from sayso.ingest.errors import BadArchive
from sayso.ingest.paths import relative_where

MAX_TEXT_BYTES = 64 * 2**20  # a transcript, chat, webhook body, manifest or .docx on disk
MAX_UNPACKED_BYTES = 128 * 2**20  # everything a .docx package unpacks to
MAX_PACKAGE_ENTRIES = 1000  # a Teams transcript has about ten parts
MAX_RATIO = 100  # unpacked to packed, for an entry over 1 MiB: XML packs about 10 to 1
_RATIO_FROM = 2**20
_REEXPORT = "export the transcript again, and check this is the right file"


def size_text(size: int) -> str:
    """``size`` in bytes as a person reads it: ``3.0 GiB``, ``64 MiB``, ``512 bytes``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def _too_big(source: str, size: str) -> BadArchive:
    return BadArchive(
        source,
        "whole file",
        f"{size}, more than the {size_text(MAX_TEXT_BYTES)} a meeting's text file can plausibly be",
        "check this is the right file (a transcript, chat or JSON body of one meeting)",
    )


def read_text_file(path: Path, source: str) -> bytes:
    """The bytes of the text-like file ``path``; a BadArchive naming ``source`` when it is
    over ``MAX_TEXT_BYTES``, decided from its size before anything is read."""
    size = os.stat(path).st_size
    if size > MAX_TEXT_BYTES:
        raise _too_big(source, size_text(size))
    with path.open("rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)  # it may have grown since the stat
    if len(data) > MAX_TEXT_BYTES:
        raise _too_big(source, f"over {size_text(MAX_TEXT_BYTES)}")
    return data


def check_package(data: bytes, source: str) -> None:
    """Refuse a ``.docx`` (zip) package that would unpack to far more than it holds.

    Only the zip's directory is read; a package that is no zip is left to the parser.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    if len(entries) > MAX_PACKAGE_ENTRIES:
        problem = f"the package has {len(entries)} parts, more than {MAX_PACKAGE_ENTRIES}"
        raise BadArchive(source, "package", problem, _REEXPORT)
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_FROM and ratio > MAX_RATIO:
            problem = (
                f"unpacks to {size_text(entry.file_size)} from "
                f"{size_text(entry.compress_size)} ({ratio:.0f} to 1), like a zip bomb"
            )
            raise BadArchive(source, relative_where(entry.filename), problem, _REEXPORT)
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        problem = (
            f"the package unpacks to {size_text(unpacked)}, more than the "
            f"{size_text(MAX_UNPACKED_BYTES)} a meeting's transcript can plausibly be"
        )
        raise BadArchive(source, "package", problem, _REEXPORT)
