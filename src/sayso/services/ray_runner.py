"""The gate on Ray Data (``sayso[ray]``): the same ``decide_batch`` mapped over batches.

Ray is imported only here, only when ``--engine ray`` is asked for, so the base
install stays small. ``ray.init`` runs locally with ``num_cpus`` workers, or joins
the cluster at ``address``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sayso.errors import InvalidInput
from sayso.gate import DECISION_SCHEMA, decide_batch

if TYPE_CHECKING:
    from sayso.services.gating import GateInputs


def connect(address: str | None = None, num_cpus: int | None = None) -> None:
    """Start (or join) Ray once per process."""
    try:
        import ray
    except ImportError:
        raise InvalidInput(
            "the Ray engine needs the `ray` extra: pip install 'sayso[ray]'"
        ) from None
    if ray.is_initialized():
        return
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=num_cpus, **options)


def decide_on_ray(
    inputs: GateInputs,
    gate_view: pa.Table,
    purpose: str,
    at: datetime,
    recipient: str | None,
    batch_size: int,
) -> pa.Table:
    import ray
    import ray.data

    connect()
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    decide = functools.partial(
        decide_batch,
        records=inputs.records,
        policy=inputs.policy,
        restrictions=inputs.restrictions,
        purpose=purpose,
        at=at,
        recipient=recipient,
    )
    # One block per batch, so Ray can hand the batches to several workers at once.
    blocks = [
        gate_view.slice(start, batch_size) for start in range(0, gate_view.num_rows, batch_size)
    ]
    dataset = ray.data.from_arrow(blocks or [gate_view]).map_batches(
        decide, batch_format="pyarrow", batch_size=batch_size
    )
    tables = [ray.get(ref) for ref in dataset.to_arrow_refs()]
    if not tables:
        return DECISION_SCHEMA.empty_table()
    out: pa.Table = pa.concat_tables(tables).cast(DECISION_SCHEMA)
    return out
