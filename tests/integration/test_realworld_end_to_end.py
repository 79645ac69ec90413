"""Every real export, end to end: scenario, ingest, export (both engines), audit.

The real files are copied into a temporary folder at test time (never into the
repository); their speakers become the meeting's participants, every other one saying
yes to recording and transcription, the rest no.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sayso.exports import manifest
from sayso.ingest import read_archive
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
    with unit_of_work(engine, readonly=True) as session:
        report = audit(session, ctx, out)
    assert report.violations == []
    assert report.checked == len(rows)


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
