"""Canonical JSON and its hash: the one byte form every hash and signature is taken over."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: equal data gives equal bytes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(value: Any) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``value``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()


# ``text`` as canonical JSON writes it, quotes included (json's own C function), for
# encoders that write a known document shape field by field; a non-string raises TypeError.
json_string: Callable[[str], str] = encode_basestring


def json_strings(items: Iterable[str]) -> str:
    """A list of strings as canonical JSON writes it."""
    return "[" + ",".join(map(encode_basestring, items)) + "]"
