"""Every real export, end to end: scenario, ingest, export (both engines), audit; and
the audit catching withheld text, a private message or a withheld quote put back.

The real files are copied into a temporary folder at test time (never into the
repository); their speakers become the meeting's participants, every other one saying
yes to recording and transcription, the rest no.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import Engine

from sayso.exports import manifest
from sayso.ingest import read_archive
from sayso.ingest.teams import parse_teams_vtt
from sayso.ledger.db import unit_of_work
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services import ray_runner
from sayso.services.auditing import audit
from sayso.services.context import Context
from sayso.services.exporting import export

REPO = Path(__file__).resolve().parents[2]
# (format, folder name, files): local chats need the recording's start, which Zoom puts
# in the local recording folder's name.
CASES = {
    "zse": (
        "zoom",
        "export",
        [
            "zse__GMT20240124-202901_Recording.transcript.vtt",
            "zse__GMT20240124-202901_Recording.cc.vtt",
            "zse__GMT20240124-202901_RecordingnewChat.txt",
        ],
    ),
    "cip": ("zoom", "export", ["cip__transcript.vtt"]),
    "sasdh": ("zoom", "2023-03-15 14.00.00 Bibsoc", ["sasdh__meeting_saved_chat.txt"]),
    "cvkelly": ("zoom", "2020-09-04 10.00.00 Class", ["cvkelly__meeting_saved_chat.txt"]),
    "fabacademy": ("zoom", "2020-04-01 15.00.00 Fab", ["fabacademy__10-wednesday.txt"]),
    "teams": ("teams", "export", ["unstructured__teams_chat.docx"]),
    "otter": ("otter", "export", ["ladybug__62-security.md"]),
}
RENAMES = {
    "cip__transcript.vtt": "GMT20230422-100000_Recording.transcript.vtt",
    "fabacademy__10-wednesday.txt": "meeting_saved_chat.txt",
}


def _realworld() -> Path:
    folder = Path(os.environ.get("SAYSO_REALWORLD_DIR", REPO.parent / "shared/fixtures/realworld"))
    if not folder.is_dir():
        pytest.skip(f"real-world fixtures not found at {folder} (set SAYSO_REALWORLD_DIR)")
    return folder


def _archive(case: str, tmp_path: Path) -> tuple[str, Path]:
    fmt, folder_name, files = CASES[case]
    folder = tmp_path / folder_name
    folder.mkdir()
    for name in files:
        target = RENAMES.get(name, name.split("__", 1)[1])
        shutil.copyfile(_realworld() / name, folder / target)
    return fmt, folder


def _scenario(fmt: str, folder: Path) -> dict[str, object]:
    archive = read_archive(fmt, folder)  # type: ignore[arg-type]
    names = sorted({i.speaker for i in archive.items if i.speaker})
    people = [
        {
            "name": name,
            "decisions": [
                {"at": "-1d", "grant" if n % 2 == 0 else "refuse": ["recording", "transcription"]}
            ],
        }
        for n, name in enumerate(names)
    ]
    return {
        "org": "Real exports",
        "meeting": {"title": folder.name, "starts_at": "2024-01-24T20:29:01Z"},
        "participants": people,
        "archive": {"format": fmt, "path": folder.name},
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_real_export_goes_end_to_end_with_no_violation(
    engine: Engine, ctx: Context, tmp_path: Path, case: str
) -> None:
    fmt, folder = _archive(case, tmp_path)
    with unit_of_work(engine) as session:
        result = run_scenario(session, ctx, load_scenario(_scenario(fmt, folder)), tmp_path)
    assert result.segments
    out = tmp_path / "dataset"
    with unit_of_work(engine) as session:
        done = export(session, ctx, purpose="recording", meeting_ids=[result.meeting_id], out=out)
    rows = manifest.read(out).to_pylist()
    assert len(rows) == done.kept + done.withheld
    assert not any(r["allowed"] and r["participant"] is None for r in rows)  # fail closed
    assert "no_redactor" not in {r["reason"] for r in rows}  # every real format is redacted
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert report.violations == []
    assert report.checked == len(rows)


def _exported(engine: Engine, ctx: Context, fmt: str, folder: Path) -> tuple[Path, list[Any]]:
    """Run the scenario and export it; the dataset folder and the manifest's rows."""
    with unit_of_work(engine) as session:
        result = run_scenario(session, ctx, load_scenario(_scenario(fmt, folder)), folder.parent)
    out = folder.parent / "dataset"
    with unit_of_work(engine) as session:
        export(session, ctx, purpose="recording", meeting_ids=[result.meeting_id], out=out)
    return out, manifest.read(out).to_pylist()


def _violations(engine: Engine, ctx: Context, out: Path) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        return audit(session, ctx, out).violations


# What the audit calls one item of each format.
_UNIT = {
    "cvkelly": "message",
    "fabacademy": "message",
    "sasdh": "message",
    "otter": "turn",
    "teams": "entry",
}


@pytest.mark.parametrize("case", sorted(_UNIT))
def test_withheld_text_put_back_into_a_real_export_is_caught_by_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path, case: str
) -> None:
    fmt, folder = _archive(case, tmp_path)
    out, rows = _exported(engine, ctx, fmt, folder)
    withheld = {r["location"] for r in rows if not r["allowed"]}
    items = [i for i in read_archive(fmt, folder).items if i.location in withheld]  # type: ignore[arg-type]
    secret = max((i.text or "" for i in items), key=len)  # the longest: said by nobody else
    target = next(p for p in out.glob("*/*") if p.suffix in (".txt", ".md", ".docx"))
    assert _violations(engine, ctx, out) == []
    if target.suffix == ".docx":
        document = docx.Document(str(target))
        document.add_paragraph(secret)
        document.save(str(target))
    else:
        assert secret not in target.read_text("utf-8")
        target.write_text(target.read_text("utf-8") + secret + "\n", "utf-8")
    assert [v.split(": ", 1)[1] for v in _violations(engine, ctx, out)] == [
        f"holds the text of a withheld {_UNIT[case]}"
    ]


def test_withheld_text_hidden_in_a_docx_s_properties_is_caught_by_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    fmt, folder = _archive("teams", tmp_path)
    out, _ = _exported(engine, ctx, fmt, folder)
    target = next(out.glob("*/*.docx"))
    document = docx.Document(str(target))
    document.core_properties.title = "OK. Yeah."  # what the withheld Some Body said
    document.save(str(target))
    violations = " ".join(_violations(engine, ctx, out))
    assert "holds parts beyond the transcript text" in violations
    assert "holds the text of a withheld entry" in violations


def test_a_private_message_put_back_into_a_real_chat_is_caught_by_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    fmt, folder = _archive("cvkelly", tmp_path)
    out, _ = _exported(engine, ctx, fmt, folder)
    source = (folder / "meeting_saved_chat.txt").read_bytes().decode()
    private = next(line for line in source.splitlines() if "(Privately)" in line)
    target = next(out.glob("*/*.txt"))
    assert "(Privately)" not in target.read_text("utf-8")
    target.write_text(target.read_text("utf-8") + private + "\r\n", "utf-8")
    assert "holds a private message" in " ".join(_violations(engine, ctx, out))


def test_a_reaction_quoting_a_withheld_message_put_back_is_caught_by_the_audit(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    fmt, folder = _archive("sasdh", tmp_path)
    out, rows = _exported(engine, ctx, fmt, folder)
    withheld = {r["location"] for r in rows if not r["allowed"]}
    items = read_archive(fmt, folder).items  # type: ignore[arg-type]
    said = max((i.text or "" for i in items if i.location in withheld and not i.private), key=len)
    quote = said[:20] + "..."  # as Zoom quotes: about 20 characters, then an ellipsis
    target = next(out.glob("*/*.txt"))
    reaction = f'23:59:59 From Mallory to Everyone:\n\tReacted to "{quote}" with 👍\n'
    target.write_text(target.read_text("utf-8") + reaction, "utf-8")
    assert [v.split(": ", 1)[1] for v in _violations(engine, ctx, out)] == [
        "quotes a withheld message"
    ]


def test_a_teams_vtt_export_is_valid_vtt_without_the_withheld_cues(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copyfile(REPO / "tests/unit/ingest/fixtures/teams_entities.vtt", folder / "t.vtt")
    out, _ = _exported(engine, ctx, "teams", folder)  # Ann & Co yes, Carlos Farías no
    text = next(out.glob("*/t.vtt")).read_text("utf-8")
    said = [(i.speaker, i.text) for i in parse_teams_vtt(text, "t.vtt")]
    assert said == [("Ann & Co", "Fish & chips")]
    assert "Hola" not in text
    assert "3f2b1c9e-1111-2222-3333-444455556666/13-0" in text  # Teams cue ids kept
    assert _violations(engine, ctx, out) == []


def test_a_manifest_archive_s_text_files_are_redacted_by_the_kind_it_names(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    """Names no platform would give: the manifest's kind picks the redactor, not the name."""
    folder = tmp_path / "export"
    folder.mkdir()
    files = {
        "cvkelly__meeting_saved_chat.txt": ("class.txt", "zoom_chat"),
        "cip__transcript.vtt": ("talk.vtt", "zoom_transcript_vtt"),
        "unstructured__teams_chat.docx": ("teams.docx", "teams_docx"),
        "ladybug__62-security.md": ("podcast.md", "otter_txt"),
    }
    entries = []
    for real, (name, kind) in files.items():
        shutil.copyfile(_realworld() / real, folder / name)
        entry = {"path": name, "kind": kind}
        entries.append({**entry, "chat_started_at": "10:00:00"} if kind == "zoom_chat" else entry)
    body = {"sayso_manifest": 1, "platform": "mixed", "files": entries}
    (folder / "sayso-manifest.json").write_text(json.dumps(body), "utf-8")
    out, rows = _exported(engine, ctx, "manifest", folder)
    assert "no_redactor" not in {r["reason"] for r in rows}
    assert sorted(p.name for p in out.glob("*/*")) == sorted(n for n, _ in files.values())
    chat = next(out.glob("*/class.txt")).read_text("utf-8")
    kept = {r["location"] for r in rows if r["allowed"] and r["source"] == "class.txt"}
    assert 0 < chat.count(" From ") == len(kept)  # one line per kept message, none private
    assert "(Privately)" not in chat
    assert "## Text files" in (out / "README.md").read_text("utf-8")  # the card says how
    assert _violations(engine, ctx, out) == []


@pytest.mark.slow
def test_ray_exports_the_real_transcript_exactly_as_the_local_engine(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    fmt, folder = _archive("zse", tmp_path)
    with unit_of_work(engine) as session:
        meeting = run_scenario(session, ctx, load_scenario(_scenario(fmt, folder)), tmp_path)
    ray_runner.connect(num_cpus=2)
    outs = {}
    for engine_name in ("local", "ray"):
        outs[engine_name] = tmp_path / engine_name
        with unit_of_work(engine) as session:
            export(
                session,
                ctx,
                purpose="recording",
                meeting_ids=[meeting.meeting_id],
                out=outs[engine_name],
                engine=engine_name,  # type: ignore[arg-type]
            )
    assert manifest.read(outs["local"]).equals(manifest.read(outs["ray"]))
    for path in outs["local"].rglob("*.vtt"):
        twin = outs["ray"] / path.relative_to(outs["local"])
        assert twin.read_bytes() == path.read_bytes()
