"""`sayso ingest` and scenarios with an archive: segment tables in the data dir, fail closed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from sayso.ingest import BadArchive
from sayso.ledger.db import unit_of_work
from sayso.scenario.model import load_scenario
from sayso.scenario.runner import run_scenario
from sayso.services.context import Context
from sayso.services.ingest import ingest, load_segments, segments_path
from tests.integration.cli_helpers import Cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "job-interview"


def _scenario(engine: Engine, ctx: Context, base: Path = EXAMPLE) -> tuple[str, dict[str, str]]:
    raw = yaml.safe_load((EXAMPLE / "scenario.yaml").read_text())
    with unit_of_work(engine) as session:
        result = run_scenario(session, ctx, load_scenario(raw), base)
    assert result.segments == 8
    return result.meeting_id, result.participants


def test_a_scenario_ingests_its_archive_with_every_segment_attributed(
    engine: Engine, ctx: Context
) -> None:
    meeting_id, people = _scenario(engine, ctx)
    table = load_segments(ctx, meeting_id)
    rows = table.to_pylist()
    assert {r["modality"] for r in rows} == {"transcript", "chat"}
    owners = [r["participant_id"] for r in rows]
    assert set(owners) == set(people.values())
    assert owners.count(people["Diane Example"]) == 3  # two cues and one message


def test_ingesting_again_gives_the_same_table_and_leaves_sources_alone(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    copy = tmp_path / "export"
    shutil.copytree(EXAMPLE / "export", copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    meeting_id, _ = _scenario(engine, ctx)
    with unit_of_work(engine) as session:
        first = ingest(session, ctx, meeting_id, "zoom", copy)
        table = load_segments(ctx, meeting_id)
        second = ingest(session, ctx, meeting_id, "zoom", copy)
    assert first.segments == second.segments == 8
    assert load_segments(ctx, meeting_id).equals(table)
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


def test_a_broken_file_names_itself_and_keeps_the_previous_table(
    engine: Engine, ctx: Context, tmp_path: Path
) -> None:
    meeting_id, _ = _scenario(engine, ctx)
    good = segments_path(ctx, meeting_id).read_bytes()
    broken = tmp_path / "export"
    shutil.copytree(EXAMPLE / "export", broken)
    vtt = next(broken.glob("*.transcript.vtt"))
    vtt.write_text(vtt.read_text()[:120])  # cut off mid-cue
    with unit_of_work(engine) as session, pytest.raises(BadArchive) as caught:
        ingest(session, ctx, meeting_id, "zoom", broken)
    assert vtt.name in str(caught.value)
    assert "Diane" not in str(caught.value)  # no content or names in errors
    assert segments_path(ctx, meeting_id).read_bytes() == good


def test_the_cli_names_a_file_of_several_gb_and_ingests_nothing(
    db_url: str, tmp_path: Path
) -> None:
    cli = Cli(db_url, tmp_path / "keys.json")
    shutil.copytree(EXAMPLE, tmp_path / "meeting")
    meeting_id = cli.json("scenario", "run", str(tmp_path / "meeting" / "scenario.yaml"))[
        "meeting_id"
    ]
    table = tmp_path / "data" / "segments" / f"{meeting_id}.parquet"
    good = table.read_bytes()
    chat = next((tmp_path / "meeting" / "export").glob("*Chat.txt"))
    with chat.open("ab") as handle:
        handle.truncate(3 * 2**30)  # sparse: no disk used, nothing read
    out = cli("ingest", "zoom", str(chat.parent), "--meeting", meeting_id, expect=1)
    assert f"{chat.name}, whole file: 3 GiB, more than the 64 MiB" in " ".join(out.split())
    assert "check this is the right file" in " ".join(out.split())
    assert table.read_bytes() == good
    assert chat.stat().st_size == 3 * 2**30
