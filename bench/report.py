"""One JSON line per result on stdout, and the same figures appended to docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import median

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
CORE = ("bench", "store", "sayso_per_s", "baseline", "baseline_per_s", "ratio")
TABLE_HEAD = (
    "| Date (UTC) | Machine | Bench | Store | Sayso /s | Baseline | Baseline /s | Ratio "
    "| Details |\n|---|---|---|---|---:|---|---:|---:|---|\n"
)

INTRO = """# Benchmarks

`make bench` (or `.venv/bin/python -m bench`) measures Sayso's speed as a ratio against a
baseline run in the same process, side by side: each repetition runs Sayso and then its
baseline (the order rotates from one repetition to the next), and each figure is the
median of the repetitions. No test asserts a speed; these are figures to watch, not gates.

- `ledger_append` (SQLite, then PostgreSQL): durable consent events per second through
  `append_decisions` in one `unit_of_work` per batch of 1,000 requests of one participant:
  what the issue names (the events, the derived state, the log leaves and nodes, one
  signed checkpoint per batch, committed), and **no receipts** (`append_decisions` is
  `record_decisions` without them; it writes its rows with the driver's `executemany`
  on SQLite and `COPY` on PostgreSQL). Baseline: the bare driver (`sqlite3` with WAL and
  `synchronous=FULL`; `psycopg`) inserting rows of the same shapes (one event with the
  same ~1 KB document, one leaf, ~2 nodes, one state row per event) with `executemany`,
  committed per 1,000, into a second database of the same store and schema. Goal: ratio
  ≥ 0.5. Until 2026-11-27 20:54 this line measured `record_decisions`, receipts included;
  that figure is now `ledger_append_with_receipts`, and the old no-receipts figure was
  `ledger_append_no_receipts`.
- `ledger_append_with_receipts`: the same batches through `record_decisions`, which also
  builds one signed receipt (inclusion proof and JWS) per event, into a third database;
  against the same baseline. It shows what issuing receipts costs.
- `receipt_sign`: `ReceiptSigner.sign(payload, record_json)` per second on a realistic
  receipt payload (~1 KB event, 20-hash inclusion proof, signed checkpoint), given, as
  `record_decisions` gives it, the event document's stored canonical JSON (so the record
  is not encoded again; the JWS is byte for byte the one signed from the payload alone),
  against bare Ed25519 `private_key.sign` of the same canonical bytes (`cryptography`).
  Goal: ratio ≥ 0.7.
- `log_proofs_inclusion_generate`: RFC 9162 inclusion proofs per second read from the
  stored nodes of a SQLite ledger (`DbNodeSource`), against the same proofs from an
  `InMemoryNodeSource`. Goal: ≥ 1,000/s.
- `log_proofs_inclusion_verify`: `verify_inclusion` per second, against a bare hashlib
  RFC 9162 path fold. Goal: ≥ 1,000/s.
- `log_proofs`: `sayso log verify` (`verify_log`) over the whole ledger, in events per
  second, against one hashlib pass computing the RFC 6962 root of the stored leaf hashes
  (read with `sqlite3`): the floor. Goal: ≤ 30 s at 1,000,000 events.

The `log_proofs` ledger (1,000,000 events by default, `--events N` to change) is written
directly with `sqlite3`, row for row what the service stores, with a signed checkpoint
every 1,000 events; it must pass `verify_log`, and it is cached under `bench/out/`
(git-ignored, keyed by size and schema revision) so later runs skip the build. Proof
repetitions are time-boxed (5 s each: `sayso_proofs_per_rep` says how many proofs one
took), and `verify_log` starts no new repetition after 300 s (`reps` says how many ran,
`reps_cut_at_s` that the box cut them short). PostgreSQL comes from
`SAYSO_BENCH_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`); the
bench creates its scratch databases there and drops them afterwards. If PostgreSQL is
unreachable its line says `skipped` and why. Re-run one bench with `--only NAME`;
`--quick` is a small smoke run that prints its lines but does not add them here.

## Runs

"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def result(
    bench: str,
    sayso_rates: list[float],
    baseline: str,
    baseline_rates: list[float],
    store: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON line of one bench: medians of the repetitions and their ratio."""
    sayso, base = median(sayso_rates), median(baseline_rates)
    line: dict[str, Any] = {"bench": bench}
    if store is not None:
        line["store"] = store
    line |= {
        "sayso_per_s": round(sayso, 1),
        "baseline": baseline,
        "baseline_per_s": round(base, 1),
        "ratio": float(f"{sayso / base:.3g}"),
        "reps": len(sayso_rates),
    }
    return line | extra


def skipped(bench: str, store: str, reason: str) -> dict[str, Any]:
    return {"bench": bench, "store": store, "skipped": reason}


class Reporter:
    """Prints each line as it comes; appends them to the docs unless told not to."""

    def __init__(self, write_docs: bool, docs: Path = DOCS) -> None:
        self.write_docs = write_docs
        self.docs = docs
        self.date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
        self.machine = machine()

    def emit(self, line: dict[str, Any]) -> None:
        print(json.dumps(line), flush=True)
        if self.write_docs:
            self._append(line)

    def _append(self, line: dict[str, Any]) -> None:
        if not self.docs.exists():
            self.docs.parent.mkdir(parents=True, exist_ok=True)
            self.docs.write_text(INTRO + TABLE_HEAD, encoding="utf-8")
        with self.docs.open("a", encoding="utf-8") as handle:
            handle.write(self._row(line))

    def _row(self, line: dict[str, Any]) -> str:
        details = ", ".join(f"{k}={v}" for k, v in line.items() if k not in CORE)
        cells = [
            self.date,
            self.machine,
            f"`{line['bench']}`",
            line.get("store", "-"),
            _num(line.get("sayso_per_s")),
            line.get("baseline", "-"),
            _num(line.get("baseline_per_s")),
            _ratio(line.get("ratio")),
            details.replace("|", "\\|"),
        ]
        return "| " + " | ".join(str(c) for c in cells) + " |\n"


def _num(value: object, places: int = 1) -> str:
    if isinstance(value, int | float):
        return f"{value:,.{places}f}"
    return "-"


def _ratio(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "-"


def note(text: str) -> None:
    """Progress for people, on stderr, so stdout stays JSON lines only."""
    print(text, file=sys.stderr, flush=True)
