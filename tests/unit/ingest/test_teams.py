"""Teams transcripts: voice tags, entities, wrapped text, unpadded times; both docx shapes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import docx
import pytest

from sayso.ingest.errors import BadArchive
from sayso.ingest.teams import parse_teams_docx, parse_teams_vtt
from sayso.ingest.textfile import decode

from .conftest import FIXTURES


def test_teams_vtt_entities_wrapped_text_and_guid_ids() -> None:
    data = (FIXTURES / "teams_entities.vtt").read_bytes()
    carlos, ann, untagged, two = parse_teams_vtt(decode(data, "t.vtt"), "t.vtt")
    assert carlos.speaker == "Carlos Farías"
    assert carlos.text == "Hola a todos, esto es un texto largo"
    assert (carlos.start, carlos.end) == (timedelta(seconds=3.27), timedelta(seconds=5))
    assert (ann.speaker, ann.text) == ("Ann & Co", "Fish & chips")
    assert untagged.speaker is None
    assert two.speaker is None  # two people in one cue: unattributed
    assert [i.location for i in (carlos, ann, untagged, two)] == [f"cue {n}" for n in (1, 2, 3, 4)]


def _docx(path: Path, paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path.read_bytes()


def test_new_style_teams_docx_turns(tmp_path: Path) -> None:
    data = _docx(
        tmp_path / "t.docx",
        ["Weekly sync", "Ann Lee   0:03", "Hello.", "More.", "Bob Chan   1:02:07", "Bye."],
    )
    ann, bob = parse_teams_docx(data, "t.docx")
    assert (ann.speaker, ann.text, ann.start, ann.end) == (
        "Ann Lee",
        "Hello. More.",
        timedelta(seconds=3),
        timedelta(hours=1, minutes=2, seconds=7),
    )
    assert (bob.speaker, bob.location) == ("Bob Chan", "paragraph 5")


def test_docx_without_cues_or_not_a_docx_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadArchive, match="no transcript cues"):
        parse_teams_docx(_docx(tmp_path / "e.docx", ["just prose"]), "e.docx")
    with pytest.raises(BadArchive, match=r"x.docx, byte 0: not a readable .docx"):
        parse_teams_docx(b"PK\x03\x04 truncated", "x.docx")
