"""``sayso audit DIR``: check an export from the log up, without the gate.

For every item of the manifest: the consent record that allowed it is in the log
under the export's checkpoint (inclusion proof from the stored event, not from the
derived state), and ``decide`` over the logged events re-derives the same decision.
Then the content: no withheld cue, message, turn or entry is in an exported text file
(``auditing_text``), no withheld sample is audible, every media file's C2PA manifest
holds. Each mismatch is a violation, named without personal data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayso.domain.decision import Restriction, Segment, decide
from sayso.domain.fold import fold_events
from sayso.domain.policy import Policy
from sayso.domain.records import ConsentEvent, ConsentRecord
from sayso.errors import NotFound
from sayso.exports import manifest
from sayso.exports.parts import parts_folder, read_parts
from sayso.ingest.archive import text_kind
from sayso.ledger import log_store
from sayso.ledger.models import ConsentEventRow, LogLeaf, Meeting
from sayso.ledger.models import Restriction as RestrictionRow
from sayso.redact import DEFAULT_MARGIN, Interval, complement, leaked_samples, widen
from sayso.services import policies
from sayso.services.auditing_text import text_violations
from sayso.services.context import Context
from sayso.services.exporting_files import LEFT_OUT_BY_EXPORT, SPAN
from sayso.services.ingest import archive_source, load_segments, meeting_people
from sayso.transparency import ProofError, inclusion_proof, leaf_hash, verify_inclusion


@dataclass
class AuditReport:
    checked: int = 0
    violations: list[str] = field(default_factory=list)

    def fail(self, text: str) -> None:
        self.violations.append(text)


def audit(session: Session, ctx: Context, folder: Path) -> AuditReport:
    table = manifest.read(folder)
    facts = manifest.facts_of(table)
    report = AuditReport()
    at = datetime.fromisoformat(str(facts["decided_at"]))
    size = int(facts["checkpoint_size"])
    root = log_store.checkpoint_at(session, size).root
    rows = table.to_pylist()
    for meeting_id in sorted({str(r["meeting_id"]) for r in rows}):
        mine = [r for r in rows if r["meeting_id"] == meeting_id]
        _audit_meeting(session, ctx, facts, meeting_id, mine, at, size, bytes(root), report)
    _audit_content(ctx, folder, rows, str(facts["purpose"]), report)
    return report


def _audit_meeting(
    session: Session,
    ctx: Context,
    facts: dict[str, Any],
    meeting_id: str,
    rows: list[dict[str, Any]],
    at: datetime,
    size: int,
    root: bytes,
    report: AuditReport,
) -> None:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("the export names a meeting this ledger does not hold")
    export_id = str(rows[0]["export_id"])
    people = {
        manifest.pseudonym(export_id, pid): pid for pid in meeting_people(session, meeting_id)
    }
    version = int(facts["policy_versions"][meeting.org_id])
    policy = policies.policy_version(session, meeting.org_id, version).policy
    records = _logged_records(session, list(people.values()), size)
    restrictions = _restrictions(session, meeting.org_id)
    proved: set[int] = set()
    segments = load_segments(ctx, meeting_id)
    private_ids = set(segments.filter(segments.column("private")).column("segment_id").to_pylist())
    for row in rows:
        report.checked += 1
        who = people.get(row["participant"]) if row["participant"] else None
        if row["participant"] and who is None:
            report.fail(f"item {row['segment_id']}: its participant is not in the meeting")
            continue
        _check_decision(
            row, who, meeting, policy, records, restrictions, facts, at, report, private_ids
        )
        index = row["log_index"]
        if row["allowed"] and index is not None and index not in proved:
            _check_inclusion(session, row, size, root, report)
            proved.add(index)


def _logged_records(session: Session, people: list[str], size: int) -> list[ConsentRecord]:
    """Records folded from the logged events themselves (not the derived state table)."""
    rows = session.execute(
        select(ConsentEventRow.document, ConsentEventRow.log_index).where(
            ConsentEventRow.principal_id.in_(people), ConsentEventRow.log_index < size
        )
    ).all()
    return fold_events(ConsentEvent.from_document(json.loads(doc), idx) for doc, idx in rows)


def _restrictions(session: Session, org_id: str) -> list[Restriction]:
    rows = session.execute(select(RestrictionRow).where(RestrictionRow.org_id == org_id)).scalars()
    return [Restriction(r.purpose, r.meeting_id) for r in rows]


def _check_decision(
    row: dict[str, Any],
    who: str | None,
    meeting: Meeting,
    policy: Policy,
    records: list[ConsentRecord],
    restrictions: list[Restriction],
    facts: dict[str, Any],
    at: datetime,
    report: AuditReport,
    private_ids: set[str],
) -> None:
    segment = Segment(
        meeting.org_id,
        meeting.id,
        who,
        row["modality"],
        row["start"],
        row["end"],
        meeting.series_id,
    )
    private = row["reason"] == "private_message"
    if private:
        segment = Segment(
            segment.org_id,
            segment.meeting_id,
            who,
            segment.modality,
            segment.t_start,
            segment.t_end,
            segment.series_id,
            True,
        )
    want = decide(
        records,
        policy,
        segment,
        str(facts["purpose"]),
        at,
        restrictions=restrictions,
        recipient=facts.get("recipient"),
    )
    if row["reason"] in LEFT_OUT_BY_EXPORT and want.allowed and not row["allowed"]:
        return  # allowed, but the export left it out (it could not be shown safely)
    got = (row["allowed"], row["reason"], row["record_id"], row["log_index"])
    expected = (want.allowed, want.reason.value, want.record_id, want.log_index)
    if got != expected:
        report.fail(
            f"item {row['segment_id']} ({row['source']}, {row['location']}): the manifest says "
            f"{row['reason']}, the log says {want.reason.value}"
        )


def _check_inclusion(
    session: Session, row: dict[str, Any], size: int, root: bytes, report: AuditReport
) -> None:
    event = session.get(ConsentEventRow, row["record_id"])
    leaf = session.get(LogLeaf, row["log_index"])
    where = f"item {row['segment_id']}: record at log index {row['log_index']}"
    if event is None or leaf is None or event.log_index != row["log_index"]:
        report.fail(f"{where} is not in the log")
        return
    commitment = hashlib.sha256(bytes(event.salt) + event.document.encode()).digest()
    proof = inclusion_proof(event.log_index, size, log_store.DbNodeSource(session))
    try:
        verify_inclusion(leaf_hash(commitment), event.log_index, size, proof, root)
    except ProofError:
        report.fail(f"{where} is not included under the export's checkpoint")


def _audit_content(
    ctx: Context,
    folder: Path,
    rows: list[dict[str, Any]],
    purpose: str,
    report: AuditReport,
) -> None:
    """No withheld text is in an exported text file; no withheld sample is audible."""
    by_output: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_output.setdefault(f"{row['meeting_id']}/{row['source']}", []).append(row)
    for target, items in sorted(by_output.items()):
        if parts_folder(folder / target).is_dir():
            _audit_parts(ctx, folder / target, items, purpose, report)
            continue
        if not (folder / target).is_file():
            continue
        if target.lower().endswith(MEDIA_SUFFIXES):
            _audit_c2pa(ctx, folder / target, items[0]["export_id"], purpose, report)
        if target.lower().endswith(AUDIO_SUFFIXES):
            _audit_audio(folder / target, items, report)
            continue
        archive = archive_source(ctx, items[0]["meeting_id"])
        kind = text_kind(archive.format, archive.root, items[0]["source"])
        if kind is not None:
            source = archive.root / items[0]["source"]
            for problem in text_violations(kind, source, folder / target, target, items):
                report.fail(problem)


AUDIO_SUFFIXES = (".m4a", ".wav", ".mp3", ".aac")
MEDIA_SUFFIXES = (".m4a", ".wav", ".mp4")


def _audit_c2pa(
    ctx: Context, path: Path, export_id: str, purpose: str, report: AuditReport
) -> None:
    """Each media file carries an intact manifest that allows this export's purpose only."""
    from sayso.exports.c2pa_certs import ca_pem
    from sayso.exports.c2pa_sign import training_mining
    from sayso.exports.c2pa_verify import verify_media

    where = f"{path.parent.name}/{path.name}"
    check = verify_media(path, trust_anchors=ca_pem(ctx.settings.resolved_key_file().parent))
    if not check.integrity:
        report.fail(f"{where}: its C2PA manifest is missing or does not match the file")
        return
    export = check.export or {}
    wanted = {k for k, v in training_mining(purpose).items() if v.get("use") == "allowed"}
    named = (export.get("export_id"), export.get("purpose"))
    if named != (export_id, purpose) or check.allowed_uses() != wanted:
        report.fail(f"{where}: its C2PA manifest names another export or other uses")
    if check.title != path.name:
        report.fail(f"{where}: its C2PA manifest was signed for another file")


def _audit_audio(
    path: Path,
    items: list[dict[str, Any]],
    report: AuditReport,
    parts: Sequence[Path] = (),
) -> None:
    tracks = [r for r in items if SPAN not in r["location"]]
    if len(tracks) != 1:
        return
    origin = tracks[0]["start"]  # when the file began: a span's position is its time less this
    # A span wholly before the file (speech of an earlier recording) is not in it.
    spans = [r for r in items if SPAN in r["location"] and r["end"] > max(r["start"], origin)]

    def interval(r: dict[str, Any]) -> Interval:
        return Interval(max(r["start"] - origin, timedelta(0)), r["end"] - origin)

    if tracks[0]["location"].endswith("participant_audio"):
        withheld = complement([interval(r) for r in spans if r["allowed"]], path.name)
    else:
        speech = [interval(r) for r in spans if not r["allowed"]]
        withheld = widen(speech, DEFAULT_MARGIN, path.name)
    if withheld and leaked_samples(list(parts) or path, withheld):
        report.fail(f"{path.parent.name}/{path.name}: withheld audio is audible")


def _audit_parts(
    ctx: Context,
    path: Path,
    items: list[dict[str, Any]],
    purpose: str,
    report: AuditReport,
) -> None:
    """A long WAV file exported in parts: every part's manifest, no leak across them."""
    folder = parts_folder(path)
    parts, problem = read_parts(folder, path.name)
    if problem:
        report.fail(f"{path.parent.name}/{folder.name}: {problem}")
        return
    for part in parts:
        _audit_c2pa(ctx, part, items[0]["export_id"], purpose, report)
    _audit_audio(folder, items, report, parts)
