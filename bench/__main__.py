"""``python -m bench``: run the benches, print JSON lines, append them to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from bench import (
    api_consent_write,
    audio_redact,
    export_meeting,
    gate,
    ledger_append,
    log_proofs,
    ray_scaling,
    receipt_sign,
)
from bench.report import Reporter, note

BENCHES = (
    "ledger_append",
    "receipt_sign",
    "log_proofs",
    "api_consent_write",
    "audio_redact",
    "export_meeting",
    "gate",
    "ray_scaling",
)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=BENCHES, help="run this bench alone")
    parser.add_argument(
        "--quick", action="store_true", help="a small smoke run (not added to the docs)"
    )
    parser.add_argument(
        "--no-docs",
        action="store_true",
        help="print the JSON lines only; do not append them to docs/benchmarks.md",
    )
    parser.add_argument(
        "--events", type=int, help="log_proofs ledger size (default 1,000,000; 10,000 if --quick)"
    )
    parser.add_argument(
        "--minutes",
        type=int,
        help="export_meeting length (default 60; 5 if --quick); a sixth as long runs too",
    )
    return parser.parse_args()


def main() -> None:
    args = _args()
    if args.events is not None and args.events < 1:
        raise SystemExit("--events must be at least 1")
    if args.minutes is not None and args.minutes < 1:
        raise SystemExit("--minutes must be at least 1")
    reporter = Reporter(write_docs=not (args.quick or args.no_docs))
    chosen = [args.only] if args.only else list(BENCHES)
    started = time.perf_counter()
    if "ledger_append" in chosen:
        ledger_append.run(ledger_append.QUICK if args.quick else ledger_append.FULL, reporter)
    if "receipt_sign" in chosen:
        receipt_sign.run(receipt_sign.QUICK if args.quick else receipt_sign.FULL, reporter)
    if "log_proofs" in chosen:
        cfg = log_proofs.QUICK if args.quick else log_proofs.FULL
        log_proofs.run(cfg if args.events is None else replace(cfg, events=args.events), reporter)
    if "api_consent_write" in chosen:
        api_consent_write.run(
            api_consent_write.QUICK if args.quick else api_consent_write.FULL, reporter
        )
    if "audio_redact" in chosen:
        audio_redact.run(audio_redact.QUICK if args.quick else audio_redact.FULL, reporter)
    if "export_meeting" in chosen:
        cfg = export_meeting.QUICK if args.quick else export_meeting.FULL
        minutes = cfg.minutes if args.minutes is None else args.minutes
        export_meeting.run(replace(cfg, minutes=minutes), reporter)
    if "gate" in chosen:
        gate.run(gate.QUICK if args.quick else gate.FULL, reporter)
    if "ray_scaling" in chosen:
        ray_scaling.run(ray_scaling.QUICK if args.quick else ray_scaling.FULL, reporter)
    note(f"bench: done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
