"""Ingest: meeting export folders parsed into attributable segments (pure parsing, no database).

``read_archive`` reads a Zoom, Teams, Otter or manifest-described folder; ``to_table``
turns its items and media into the segment table the gate decides on.
"""

from sayso.ingest.archive import Archive, ArchiveFormat, read_archive
from sayso.ingest.errors import BadArchive
from sayso.ingest.items import Item, MediaFile
from sayso.ingest.names import NameMatch, match_names
from sayso.ingest.segments import read_parquet, to_table, write_parquet

__all__ = [
    "Archive",
    "ArchiveFormat",
    "BadArchive",
    "Item",
    "MediaFile",
    "NameMatch",
    "match_names",
    "read_archive",
    "read_parquet",
    "to_table",
    "write_parquet",
]
