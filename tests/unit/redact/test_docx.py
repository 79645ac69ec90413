"""Teams .docx: a new package with only the kept entries' text; nothing else of the source."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import docx
import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.teams import parse_teams_docx
from sayso.redact.docx import PARTS, redact_docx

from ..ingest.conftest import realworld_dir

ANN = "Ann Lee"
BOB = "Bob Chan"


def _package_bytes(data: bytes) -> bytes:
    """Every part of the package, uncompressed, one after the other."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return b"".join(package.read(name) for name in package.namelist())


def _said(data: bytes) -> list[tuple[str | None, timedelta, str | None]]:
    return [(i.speaker, i.start, i.text) for i in parse_teams_docx(data, "t.docx")]


def _old_style_with_extras(path: Path) -> bytes:
    """Old Teams shape (timing, name, text paragraphs) plus everything that can carry
    personal data outside the entries: title and attendees, a table, a header, a footer,
    a comment and document properties, all naming or quoting Bob."""
    document = docx.Document()
    document.core_properties.author = BOB
    document.core_properties.title = "Bob's secret plan"
    document.sections[0].header.paragraphs[0].text = "Header: Bob Chan attended"
    document.sections[0].footer.paragraphs[0].text = "Footer: ask Bob Chan"
    document.add_paragraph("Weekly sync transcript")
    document.add_paragraph("Attendees: Ann Lee, Bob Chan")
    for timing, name, text in (
        ("00:00:01.000 --> 00:00:04.000", ANN, "Welcome everyone."),
        ("00:00:05.000 --> 00:00:09.000", BOB, "My salary is too low."),
        ("00:00:10.000 --> 00:00:12.000", ANN, "Let us move on."),
    ):
        document.add_paragraph(timing)
        document.add_paragraph(name)
        last = document.add_paragraph(text)
    document.add_comment(last.runs, text="Bob Chan: delete my salary line", author=BOB)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "saved-by", BOB
    document.save(str(path))
    return path.read_bytes()


def _ann_only(data: bytes) -> set[str]:
    return {i.location for i in parse_teams_docx(data, "t.docx") if i.speaker == ANN}


def test_withheld_entries_and_everything_outside_the_entries_are_gone(tmp_path: Path) -> None:
    data = _old_style_with_extras(tmp_path / "t.docx")
    out = redact_docx(data, "t.docx", _ann_only(data))
    everything = _package_bytes(out)
    for secret in ("Bob", "salary", "secret plan", "Attendees", "saved-by", "Weekly sync"):
        assert secret.encode() not in everything, secret
    assert b"Welcome everyone." in everything
    assert b"Let us move on." in everything
    assert zipfile.ZipFile(io.BytesIO(out)).namelist() == list(PARTS)  # no props, comments …


def test_the_result_reads_back_as_the_kept_entries(tmp_path: Path) -> None:
    data = _old_style_with_extras(tmp_path / "t.docx")
    out = redact_docx(data, "t.docx", _ann_only(data))
    assert _said(out) == [e for e in _said(data) if e[0] == ANN]
    reopened = docx.Document(io.BytesIO(out))  # a valid package python-docx opens
    assert [p.text for p in reopened.paragraphs][:2] == ["00:00:01.000 --> 00:00:04.000", ANN]


def test_new_style_turns_keep_all_their_paragraphs_and_lose_the_withheld_ones(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    for text in (
        f"{ANN}   0:03",
        "Hello.",
        "More from Ann.",
        f"{BOB}   0:09",
        "Bob's words.",
        "And more.",
        f"{ANN}   0:20",
        "Bye.",
    ):
        document.add_paragraph(text)
    document.save(str(tmp_path / "t.docx"))
    data = (tmp_path / "t.docx").read_bytes()
    out = redact_docx(data, "t.docx", _ann_only(data))
    assert _said(out) == [
        (ANN, timedelta(seconds=3), "Hello. More from Ann."),
        (ANN, timedelta(seconds=20), "Bye."),
    ]
    assert b"Bob" not in _package_bytes(out)


def test_an_entry_that_runs_into_the_next_ones_paragraph_is_split_at_the_entry(
    tmp_path: Path,
) -> None:
    """Lines joined by breaks: the kept entry's tail in a shared paragraph stays, the
    withheld entry starting in that same paragraph goes."""
    document = docx.Document()
    document.add_paragraph(f"0:0:0.0 --> 0:0:1.0\n{ANN}\nHello")
    document.add_paragraph(f"still Ann\n0:0:2.0 --> 0:0:3.0\n{BOB}\nSecret words")
    document.save(str(tmp_path / "t.docx"))
    data = (tmp_path / "t.docx").read_bytes()
    ann = redact_docx(data, "t.docx", {"paragraph 1"})
    assert _said(ann) == [(ANN, timedelta(0), "Hello still Ann")]
    assert b"Secret" not in _package_bytes(ann)
    bob = redact_docx(data, "t.docx", {"paragraph 2"})
    assert _said(bob) == [(BOB, timedelta(seconds=2), "Secret words")]
    assert b"still Ann" not in _package_bytes(bob)


def test_same_input_same_bytes_and_nothing_allowed_is_an_empty_valid_document(
    tmp_path: Path,
) -> None:
    data = _old_style_with_extras(tmp_path / "t.docx")
    assert redact_docx(data, "t.docx", _ann_only(data)) == redact_docx(
        data, "t.docx", _ann_only(data)
    )
    empty = redact_docx(data, "t.docx", set())
    assert [p.text for p in docx.Document(io.BytesIO(empty)).paragraphs] == [""]
    assert b"Ann" not in _package_bytes(empty)


def test_real_teams_docx_loses_one_speaker_and_the_saved_by_table() -> None:
    source = realworld_dir() / "unstructured__teams_chat.docx"
    if not source.is_file():
        pytest.skip(f"real-world fixtures not found at {source.parent}")
    data = source.read_bytes()
    keep = {i.location for i in parse_teams_docx(data, source.name) if i.speaker == "James Bond"}
    out = redact_docx(data, source.name, keep)
    everything = _package_bytes(out)
    assert b"Umm." in everything
    for gone in (b"Some Body", b"OK. Yeah.", b"Dennis Forsythe", b"saved-by"):
        assert gone not in everything
    assert [i.speaker for i in parse_teams_docx(out, source.name)] == ["James Bond"]


def test_not_a_docx_is_refused() -> None:
    with pytest.raises(BadArchive, match=r"not a readable \.docx"):
        redact_docx(b"PK\x03\x04 truncated", "x.docx", set())
