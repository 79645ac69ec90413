"""The dataset card (README.md of an export): what is in it, what was left out and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

from sayso.exports.parts import SUFFIX


@dataclass(frozen=True)
class CardFacts:
    export_id: str
    purpose: str
    recipient: str | None
    meetings: list[str]
    policy_versions: dict[str, int]
    checkpoint_note: str
    decided_at: str
    engine: str

    def as_metadata(self, checkpoint_size: int) -> dict[str, object]:
        return {
            "purpose": self.purpose,
            "recipient": self.recipient,
            "meetings": self.meetings,
            "policy_versions": self.policy_versions,
            "decided_at": self.decided_at,
            "checkpoint_size": checkpoint_size,
        }


def render(facts: CardFacts, manifest: pa.Table) -> str:
    rows = manifest.select(["allowed", "reason", "modality"]).to_pylist()
    kept = Counter(r["modality"] for r in rows if r["allowed"])
    withheld = Counter(r["reason"] for r in rows if not r["allowed"])
    outputs = manifest.column("output").to_pylist()
    parted = sorted({o for o in outputs if o and o.endswith(SUFFIX)})
    lines = [
        f"# Sayso export {facts.export_id}",
        "",
        f"Purpose: **{facts.purpose}**"
        + (f", for recipient **{facts.recipient}**" if facts.recipient else "")
        + ". Use it for nothing else: every media file carries the same terms.",
        "",
        f"Built from {len(facts.meetings)} meeting(s); every item was decided at "
        f"{facts.decided_at} under the log checkpoint below, by the {facts.engine} engine.",
        "Only content that a consent in force covers (participant, kind of content, purpose",
        "and its whole time span) is here. Everything else was left out; `manifest.parquet`",
        "lists every item, kept or not, with the consent record and log index behind it.",
        "",
        "## Kept",
        "",
        *(f"- {m}: {n}" for m, n in sorted(kept.items())),
        *([] if kept else ["- nothing"]),
        "",
        "## Left out, by reason",
        "",
        *(f"- {reason}: {n}" for reason, n in sorted(withheld.items())),
        *([] if withheld else ["- nothing"]),
        "",
        *_parts_section(parted),
        *_text_section(kept),
        "## Policy versions",
        "",
        *(f"- org {org}: version {v}" for org, v in sorted(facts.policy_versions.items())),
        "",
        "## Log checkpoint",
        "",
        "```",
        facts.checkpoint_note.rstrip("\n"),
        "```",
        "",
        "Check this export with `sayso audit DIR`. If someone withdraws later, the export",
        "is flagged in the registry and must be rebuilt without their content.",
        "",
    ]
    return "\n".join(lines)


def _parts_section(parted: list[str]) -> list[str]:
    if not parted:
        return []
    return [
        "## Long WAV audio, in parts",
        "",
        "Each of these is a folder of WAV files `NAME.part001-of-NNN.wav` …, each a complete",
        "file with its own C2PA manifest, each starting at the sample where the one before",
        "ends; every part but the last is equally long (whole minutes where they fit):",
        "",
        *(f"- `{folder}/`" for folder in parted),
        "",
    ]


def _text_section(kept: Counter[str]) -> list[str]:
    if not any(kept[m] for m in ("transcript", "chat", "reactions")):
        return []
    return [
        "## Text files",
        "",
        "Each is in the format it came in and holds only kept items: a transcript (WebVTT)",
        "whole kept cues; a chat whole kept messages, never a private one, and a quote of a",
        "message left out reads `[withheld]`; an Otter export whole kept turns. A Teams",
        "`.docx` is a new document holding only the kept entries' text: no document",
        "properties, comments, headers, footers, tables, images or styles of the original.",
        "",
    ]
