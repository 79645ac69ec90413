"""``sayso export``: a consented dataset for one purpose, built, registered and provable.

The gate decides every segment under one signed checkpoint; the sources are redacted
into a hidden working folder beside the destination, which is renamed into place only
when everything is written: nothing partial is ever exported. The export's id is
derived from its inputs and checkpoint, so a re-run gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from sayso.errors import InvalidInput
from sayso.exports import card, manifest
from sayso.exports.parts import in_parts
from sayso.ingest.archive import text_kind
from sayso.ledger.models import ExportRow, ExportSubject
from sayso.services import logs
from sayso.services.context import Context
from sayso.services.exporting_files import (
    NO_REDACTOR,
    ORPHANED,
    SPAN,
    SPAN_MODALITY,
    redact_source,
)
from sayso.services.gating import Engine, gather, run_gate
from sayso.services.ingest import archive_source, segments_path

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    folder: Path
    kept: int
    withheld: int
    files: int
    checkpoint_size: int
    replayed: bool = False


def export(
    session: Session,
    ctx: Context,
    *,
    purpose: str,
    meeting_ids: Sequence[str],
    out: Path,
    recipient: str | None = None,
    engine: Engine = "local",
    progress: Progress | None = None,
) -> ExportResult:
    if not meeting_ids:
        raise InvalidInput("name at least one meeting to export (--meetings ID …)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInput(f"{out} exists and is not an empty folder; choose a new one")
    checkpoint = logs.checkpoint_now(session, ctx)
    inputs = gather(session, ctx, meeting_ids)
    decided_at = checkpoint.created_at
    decided = run_gate(inputs, purpose=purpose, at=decided_at, recipient=recipient, engine=engine)
    spans = _speech_spans(inputs.segments)
    if spans.num_rows:
        span_inputs = replace(inputs, segments=spans)
        decided = pa.concat_tables(
            [
                decided,
                run_gate(
                    span_inputs, purpose=purpose, at=decided_at, recipient=recipient, engine=engine
                ),
            ]
        )
    export_id = _export_id(ctx, purpose, recipient, meeting_ids, checkpoint.size)
    existing = session.get(ExportRow, export_id)
    work = out.parent / f".{out.name}.partial-{export_id[:12]}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        orphaned: set[tuple[str, str, str]] = set()
        outputs = _write_sources(ctx, decided, work, progress, orphaned)
        decided = _fail_closed(decided, outputs, orphaned)
        facts = card.CardFacts(
            export_id=export_id,
            purpose=purpose,
            recipient=recipient,
            meetings=list(meeting_ids),
            policy_versions=inputs.policy_versions,
            checkpoint_note=checkpoint.note,
            decided_at=decided_at.isoformat(),
            engine=engine,
        )
        table = manifest.build(export_id, decided, outputs, facts.as_metadata(checkpoint.size))
        manifest.write(table, work)
        _sign_media(ctx, work, purpose, export_id, checkpoint.size, table.num_rows)
        (work / "README.md").write_text(card.render(facts, table), "utf-8")
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kept = int(pc.sum(table.column("allowed")).as_py() or 0)
    result = ExportResult(
        export_id,
        out,
        kept,
        table.num_rows - kept,
        len(set(outputs.values())),
        checkpoint.size,
        replayed=existing is not None,
    )
    if existing is None:
        _register(session, ctx, result, purpose, recipient, meeting_ids, decided)
    return result


def _sign_media(
    ctx: Context, work: Path, purpose: str, export_id: str, size: int, rows: int
) -> None:
    """A C2PA manifest on every media file: only this purpose's uses allowed, signed."""
    from sayso.exports.c2pa_sign import MEDIA_TYPES, sign_media  # c2pa is slow to import

    stamp = {"checkpoint_size": size, "manifest_rows": rows}
    key_dir = ctx.settings.resolved_key_file().parent
    for path in sorted(p for p in work.rglob("*") if p.suffix.lower() in MEDIA_TYPES):
        sign_media(
            path,
            path,
            ring=ctx.keyring,
            key_dir=key_dir,
            purpose=purpose,
            export_id=export_id,
            facts=stamp,
        )


def _speech_spans(segments: pa.Table) -> pa.Table:
    """One item per (media file, span of speech in the transcript): media are redacted by
    these spans, each decided by the gate for the file's kind of content."""
    rows = segments.to_pylist()
    speech = [r for r in rows if r["modality"] == "transcript"]
    out = []
    for track in rows:
        role = str(track["location"]).removeprefix("track ")
        modality = SPAN_MODALITY.get(role)
        if modality is None:
            continue
        for cue in speech:
            if cue["meeting_id"] != track["meeting_id"]:
                continue
            if role == "participant_audio" and cue["participant_id"] != track["participant_id"]:
                continue  # a person's own track: their own speech spans
            if cue["end"] <= track["start"] or cue["start"] >= track["end"]:
                continue  # speech outside this file (another recording) is not in it
            key = f"{track['segment_id']}\x00{cue['segment_id']}".encode()
            out.append(
                {
                    **cue,
                    "segment_id": hashlib.sha256(key).hexdigest()[:32],
                    "modality": modality,
                    "source": track["source"],
                    "location": f"{track['location']}{SPAN}{cue['location']}",
                }
            )
    return pa.Table.from_pylist(out, schema=segments.schema)


def _export_id(
    ctx: Context, purpose: str, recipient: str | None, meetings: Sequence[str], size: int
) -> str:
    """The same purpose, meetings, segment tables and checkpoint give the same id."""
    digest = hashlib.sha256()
    digest.update(json.dumps([purpose, recipient, sorted(meetings), size]).encode())
    for meeting_id in sorted(meetings):
        digest.update(hashlib.sha256(segments_path(ctx, meeting_id).read_bytes()).digest())
    hexed = digest.hexdigest()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:32]}"


def _write_sources(
    ctx: Context,
    decided: pa.Table,
    work: Path,
    progress: Progress | None,
    orphaned: set[tuple[str, str, str]],
) -> dict[tuple[str, str], str]:
    """Redact each source file of the decided segments into ``work``."""
    outputs: dict[tuple[str, str], str] = {}
    groups: dict[tuple[str, str], list[dict[str, object]]] = {}
    for row in decided.to_pylist():
        groups.setdefault((str(row["meeting_id"]), str(row["source"])), []).append(row)
    for n, ((meeting_id, source), rows) in enumerate(sorted(groups.items()), start=1):
        if progress:
            progress("redacting", n, len(groups))
        if not any(r["allowed"] for r in rows):
            continue  # nothing of this file may be used: it is not exported at all
        archive = archive_source(ctx, meeting_id)
        kind = text_kind(archive.format, archive.root, source)
        target = Path(meeting_id) / source
        (work / target).parent.mkdir(parents=True, exist_ok=True)
        extra = redact_source(archive.root / source, work / target, rows, kind)
        if extra is not None:
            # A long WAV file becomes a folder of parts (c2pa-rs signs WAV in memory).
            outputs[(meeting_id, source)] = in_parts(work / target).relative_to(work).as_posix()
            orphaned.update((meeting_id, source, location) for location in extra)
    return outputs


def _fail_closed(
    decided: pa.Table, outputs: dict[tuple[str, str], str], orphaned: set[tuple[str, str, str]]
) -> pa.Table:
    """Allowed items the export left out (no redactor for their file, or a cue that would
    read as someone else's words) are marked so, with the reason."""
    keys = zip(
        decided.column("meeting_id").to_pylist(),
        decided.column("source").to_pylist(),
        decided.column("location").to_pylist(),
        strict=True,
    )
    why = [
        None
        if (m, s) in outputs and (m, s, loc) not in orphaned
        else (NO_REDACTOR if (m, s) not in outputs else ORPHANED)
        for m, s, loc in keys
    ]
    lost = pc.and_(decided.column("allowed"), pa.array([w is not None for w in why]))
    if not pc.any(lost).as_py():
        return decided
    reason = pc.if_else(lost, pa.array([w or "" for w in why]), decided.column("reason"))
    allowed = pc.and_(decided.column("allowed"), pc.invert(lost))
    decided = decided.set_column(decided.schema.get_field_index("reason"), "reason", reason)
    return decided.set_column(decided.schema.get_field_index("allowed"), "allowed", allowed)


def _register(
    session: Session,
    ctx: Context,
    result: ExportResult,
    purpose: str,
    recipient: str | None,
    meetings: Sequence[str],
    decided: pa.Table,
) -> None:
    session.add(
        ExportRow(
            id=result.export_id,
            org_id=str(decided.column("org_id")[0].as_py()) if decided.num_rows else "",
            meeting_id=meetings[0] if len(meetings) == 1 else None,
            purpose=purpose,
            recipient=recipient,
            status="current",
            location=str(result.folder.resolve()),
            created_at=ctx.clock(),
            checkpoint_size=result.checkpoint_size,
            items_kept=result.kept,
            items_withheld=result.withheld,
        )
    )
    session.flush()
    kept: dict[str, int] = {}
    for row in decided.filter(decided.column("allowed")).select(["participant_id"]).to_pylist():
        if row["participant_id"]:
            kept[row["participant_id"]] = kept.get(row["participant_id"], 0) + 1
    for participant_id, items in sorted(kept.items()):
        session.add(
            ExportSubject(export_id=result.export_id, participant_id=participant_id, items=items)
        )
    session.flush()
