"""Arrow columns as NumPy arrays: the few conversions the gate's index and decision share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sayso.gate.tables import TS

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

NEVER = np.iinfo(np.int64).max  # an open end: later than any time


def as_numpy(values: Any) -> npt.NDArray[Any]:
    """A non-null Arrow array or chunked array as a NumPy array."""
    return np.asarray(values.to_numpy(zero_copy_only=False))


def micros(at: datetime) -> int:
    """A time as microseconds since the epoch."""
    value: int = pa.scalar(at, type=TS).value
    return value


def micros_array(values: Any, none: int) -> I64:
    """Timestamps as microseconds since the epoch (nulls as ``none``)."""
    us = pc.cast(pc.cast(values, TS), pa.int64())
    return as_numpy(pc.fill_null(us, none)).astype(np.int64)


def lookup(values: Any, among: Any) -> I64:
    """Each value's position in ``among`` (-1: null or absent)."""
    return as_numpy(pc.fill_null(pc.index_in(values, value_set=among), -1)).astype(np.int64)


def encode(values: Any, missing: int = -1) -> tuple[pa.Array, I64]:
    """The distinct non-null values, and each value's position among them."""
    distinct = pc.unique(values).drop_null()
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    codes = as_numpy(pc.fill_null(pc.index_in(values, value_set=distinct), missing))
    return distinct, codes.astype(np.int64)


def concat(*values: Any) -> pa.ChunkedArray:
    """Non-null strings of several arrays or chunked arrays, as one chunked array."""
    chunks = [c for v in values for c in (v.chunks if isinstance(v, pa.ChunkedArray) else [v])]
    return pa.chunked_array(chunks, pa.string()).drop_null()


def member(lists: Any, values: pa.Array) -> Bools:
    """(row, j): the list in row ``row`` holds ``values[j]``."""
    out = np.zeros((len(lists), len(values)), np.bool_)
    if len(values) == 0 or len(lists) == 0:
        return out
    parent = as_numpy(pc.list_parent_indices(lists)).astype(np.int64)
    code = lookup(pc.list_flatten(lists), values)
    out[parent[code >= 0], code[code >= 0]] = True
    return out
