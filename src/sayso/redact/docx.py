"""Teams ``.docx`` transcripts: a new document holding only the allowed entries' text.

Nothing of the source package is copied: the result is rebuilt from the lines ingest
read for each kept entry (its timing or ``Name  0:03`` header, name and text), one
paragraph per source paragraph, line breaks where the source had them. So nothing a
withheld person said can ride along elsewhere in the package: document properties
(author, title, last editor), comments, headers and footers, footnotes, tracked
changes, tables (Teams puts "saved by NAME" in one), images, styles and the text
before the first entry (title, attendee list) are all left out. The package is the
minimal one Word opens: three parts, fixed zip timestamps (the same input gives the
same bytes). The result is parsed again and checked before it is returned.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Iterator, Sequence
from itertools import groupby
from xml.sax.saxutils import escape

from sayso.ingest.errors import BadArchive
from sayso.ingest.teams import DocxEntry, DocxLine, docx_entries
from sayso.redact.errors import RedactError

PARTS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
# A bare CR would read back as a line break: it is written as a character reference.
_CR = {"\r": "&#13;"}
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no build time in the bytes


def _run(lines: Sequence[DocxLine]) -> str:
    texts = [f'<w:t xml:space="preserve">{escape(line.text, _CR)}</w:t>' for line in lines]
    return f"<w:p><w:r>{'<w:br/>'.join(texts)}</w:r></w:p>"


def _paragraphs(entries: Sequence[DocxEntry]) -> Iterator[str]:
    """Each entry's lines, grouped by the source paragraph they came from."""
    for entry in entries:
        for _, lines in groupby(entry.lines, key=lambda line: line.paragraph):
            yield _run(list(lines))


def _document(entries: Sequence[DocxEntry]) -> str:
    body = "".join(_paragraphs(entries)) or "<w:p/>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )


def _package(document: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in zip(PARTS, (_CONTENT_TYPES, _RELS, document), strict=True):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def redact_docx(data: bytes, source: str, allowed: Collection[str]) -> bytes:
    """A ``.docx`` holding only the entries whose location (``paragraph N``) is ``allowed``.

    A file ingest would refuse raises ``BadArchive``.
    """
    kept = [e for e in docx_entries(data, source) if e.item.location in allowed]
    out = _package(_document(kept))
    _check(out, source, kept)
    return out


def _check(out: bytes, source: str, kept: Sequence[DocxEntry]) -> None:
    """The output reads back, with ingest's own parser, as exactly the kept entries."""
    if not kept:
        return

    def said(entries: Sequence[DocxEntry]) -> list[tuple[object, ...]]:
        return [(e.item.speaker, e.item.start, e.item.text) for e in entries]

    try:
        again = docx_entries(out, source)
    except BadArchive:
        raise RedactError(
            source, "the redacted transcript does not read back", "report this"
        ) from None
    if said(again) != said(kept):
        raise RedactError(
            source, "the redacted transcript does not hold exactly the kept entries", "report this"
        )
