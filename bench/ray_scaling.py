"""ray_scaling: the gate on Ray Data with 1 and then 2 local workers, and the speed-up.

``run_gate(engine="ray")`` (``decide_batch`` mapped over 100,000-segment batches by
``map_batches``) on the gate bench's synthetic world (500,000 segments by default), with
``ray.init(num_cpus=1)`` and then, after ``ray.shutdown``, ``ray.init(num_cpus=2)``.
In each setting every repetition also runs the local runner (``engine="local"``) side
by side, and every output must equal the local runner's, byte for byte. The line's
ratio is the speed-up of 2 workers over 1; ``ray_2_vs_local`` compares with the local
runner. A warm-up run per setting (worker start, imports) is not timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from bench.common import PURPOSE, interleave, median, timed
from bench.gate_world import AT, GateConfig, world
from bench.report import Reporter, note, result, skipped
from sayso.services.gating import GateInputs, run_gate

NAME = "ray_scaling"


@dataclass(frozen=True)
class RayConfig:
    segments: int = 500_000
    reps: int = 3

    @property
    def world(self) -> GateConfig:
        """The gate world scaled down: 100 segments per meeting, 40 per participant."""
        return GateConfig(
            segments=self.segments,
            meetings=self.segments // 100,
            participants=self.segments // 40,
        )


FULL = RayConfig()
QUICK = RayConfig(segments=50_000, reps=2)


def run(cfg: RayConfig, reporter: Reporter) -> None:
    try:
        import ray
    except ImportError:
        reporter.emit(skipped(NAME, "-", "ray is not installed (pip install 'sayso[ray]')"))
        return
    from sayso.services.ray_runner import connect

    inputs = gate_inputs(cfg.world)
    n = inputs.segments.num_rows
    expected = decide(inputs, "local")
    rates: dict[int, list[list[float]]] = {}
    for workers in (1, 2):
        note(f"{NAME}: {n:,} segments on {workers} Ray worker(s), {cfg.reps} reps")
        connect(num_cpus=workers)
        try:
            if not decide(inputs, "ray").equals(expected):  # also the warm-up
                raise RuntimeError(f"Ray with {workers} worker(s) differs from the local runner")
            rates[workers] = interleave(
                cfg.reps,
                lambda: n / timed(lambda: decide(inputs, "ray")),
                lambda: n / timed(lambda: decide(inputs, "local")),
            )
        finally:
            ray.shutdown()
    one, two = median(rates[1][0]), median(rates[2][0])
    local = median(rates[1][1] + rates[2][1])
    reporter.emit(
        result(
            NAME,
            rates[2][0],
            "ray_1_worker",
            rates[1][0],
            segments=n,
            local_per_s=round(local, 1),
            ray_1_vs_local=float(f"{one / local:.3g}"),
            ray_2_vs_local=float(f"{two / local:.3g}"),
        )
    )


def gate_inputs(cfg: GateConfig) -> GateInputs:
    """The world as ``gather`` hands it to ``run_gate``: ingest column names."""
    w = world(cfg)
    segments = w.segments.rename_columns(
        [
            "start" if c == "t_start" else "end" if c == "t_end" else c
            for c in w.segments.column_names
        ]
    )
    return GateInputs(segments, w.records, w.policy, w.restrictions, policy_versions={})


def decide(inputs: GateInputs, engine: Literal["local", "ray"]) -> pa.Table:
    return run_gate(inputs, purpose=PURPOSE, at=AT, engine=engine)
