"""The generic archive manifest: how any other platform's export is described to Sayso.

A folder holding ``sayso-manifest.json`` next to the files it lists::

    {
      "sayso_manifest": 1,
      "platform": "jitsi",
      "files": [
        {"path": "transcript.vtt", "kind": "teams_vtt"},
        {"path": "chat.txt", "kind": "zoom_chat", "chat_started_at": "10:00:00"},
        {"path": "mix.wav", "kind": "media", "modality": "audio", "role": "mixed_audio",
         "start": 0, "end": 3600},
        {"path": "tracks/ann.wav", "kind": "media", "modality": "audio",
         "role": "participant_audio", "speaker": "Ann Lee", "start": 0, "end": 3600},
        {"path": "slides.pdf", "kind": "file", "speaker": "Ann Lee", "start": 125.5}
      ]
    }

``path`` is relative to the folder (no ``..``, no absolute paths, no symlinks).
Text kinds are parsed by the matching parser and shifted by ``start`` seconds;
``media`` needs ``modality`` and ``role``; ``file`` is an uploaded file (modality
``files``). ``speaker`` is a display name as the archive writes it. The JSON Schema is
``manifest.schema.json`` beside this module (a test keeps it in step with this model).
"""

from __future__ import annotations

import json
from datetime import time
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sayso.ingest.errors import BadArchive
from sayso.ingest.items import MediaRole, Modality
from sayso.ingest.jsonfile import load_model

MANIFEST_NAME = "sayso-manifest.json"
_FIX = "follow the schema in sayso/ingest/manifest.schema.json"

FileKind = Literal[
    "zoom_transcript_vtt",
    "zoom_captions_vtt",
    "zoom_chat",
    "teams_vtt",
    "teams_docx",
    "otter_txt",
    "media",
    "file",
]
TEXT_KINDS: frozenset[str] = frozenset(get_args(FileKind)) - {"media", "file"}


class ManifestFile(BaseModel):
    """One file of the archive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="POSIX path relative to the manifest's folder")
    kind: FileKind = Field(description="which parser reads it; media and file are not parsed")
    modality: Modality | None = Field(None, description="media: what the file holds")
    role: MediaRole | None = Field(None, description="media: which view or track it is")
    speaker: str | None = Field(None, description="display name of the one person it holds")
    start: float = Field(0.0, ge=0, description="seconds from the recording start")
    end: float | None = Field(None, ge=0, description="media: seconds from the recording start")
    chat_started_at: time | None = Field(
        None, description="zoom_chat: local wall-clock time the recording started"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ManifestFile:
        if self.kind == "media" and (self.modality is None or self.role is None):
            raise ValueError("a media file needs modality and role")
        if self.kind != "media" and self.role is not None:
            raise ValueError("only media files have a role")
        if self.kind == "file" and self.modality not in (None, "files"):
            raise ValueError("an uploaded file has modality 'files'")
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class Manifest(BaseModel):
    """A meeting archive from a platform Sayso has no dedicated reader for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sayso_manifest: Literal[1] = Field(description="format version")
    platform: str = Field(min_length=1, description="free text, e.g. 'jitsi'")
    files: list[ManifestFile] = Field(min_length=1)


def load_manifest(data: bytes, source: str = MANIFEST_NAME) -> Manifest:
    manifest = load_model(data, source, Manifest, _FIX)
    seen: set[str] = set()
    for index, entry in enumerate(manifest.files):
        if entry.path in seen:
            raise BadArchive(source, f"$.files[{index}].path", "file listed twice", "list it once")
        seen.add(entry.path)
    return manifest


def manifest_json_schema() -> str:
    """The JSON Schema of the manifest, as committed in ``manifest.schema.json``."""
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://sayso.dev/schemas/manifest-1.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
