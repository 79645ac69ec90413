"""RFC 9162 Merkle tree maths (RFC 6962 hashing) over stored perfect-subtree hashes.

Any subtree hash a proof needs, ``MTH(D[a:b])``, is the right-to-left fold of the stored
perfect subtrees of the binary decomposition of ``[a, b)``: a proof lists the ranges it
needs, fetches all their keys in one ``get_nodes`` call and folds. Nothing is rebuilt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""``(level, index)``: the perfect subtree covering ``[index * 2**level, (index+1) * 2**level)``."""


class ProofError(ValueError):
    """A proof does not verify, or a proof was asked for with impossible arguments."""


class NodeSource(Protocol):
    """Where proofs read stored perfect-subtree hashes from (a database, a dict)."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the hash of every requested node; raise if any is missing."""
        ...


def leaf_hash(data: bytes) -> bytes:
    """Hash a log entry as an RFC 6962 leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their RFC 6962 parent: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def frontier_keys(size: int) -> list[NodeKey]:
    """List, left to right, the perfect subtrees whose concatenation is a tree of `size` leaves."""
    if size < 0:
        raise ProofError(f"A tree size cannot be negative, got {size}.")
    return _range_keys(0, size)


def _range_keys(start: int, end: int) -> list[NodeKey]:
    # Binary decomposition of [start, end), largest piece first. Only valid for the ranges
    # RFC 9162 recursion produces, whose start is aligned to the largest piece.
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        assert start & ((1 << level) - 1) == 0, "range is not an RFC 6962 subtree"
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    # Right-to-left fold of a decomposition: MTH of the whole range.
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _split(width: int) -> int:
    # The largest power of two strictly smaller than width (width >= 2): RFC 9162's k.
    return 1 << ((width - 1).bit_length() - 1)


def _check_hashes(what: str, values: Iterable[bytes]) -> None:
    if not all(isinstance(value, bytes) and len(value) == HASH_SIZE for value in values):
        raise ProofError(f"The {what} must each be a {HASH_SIZE}-byte SHA-256 hash.")


def append_nodes(
    size: int, frontier: Mapping[NodeKey, bytes], leaf_hashes: Sequence[bytes]
) -> list[tuple[int, int, bytes]]:
    """Return every new perfect-subtree node ``(level, index, hash)`` that appending creates."""
    stack = _frontier_hashes(size, frontier)
    created: list[tuple[int, int, bytes]] = []
    add, push, pop, sha256 = created.append, stack.append, stack.pop, hashlib.sha256
    for position, value in enumerate(leaf_hashes, start=size):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            _check_hashes("leaf hashes to append", [value])
        add((0, position, value))
        level, remaining = 0, position
        while remaining & 1:  # leaf `position` completes one perfect subtree per trailing 1 bit
            value = sha256(b"\x01" + pop() + value).digest()
            level, remaining = level + 1, remaining >> 1
            add((level, remaining, value))
        push(value)
    return created


def _frontier_hashes(size: int, frontier: Mapping[NodeKey, bytes]) -> list[bytes]:
    try:
        return [frontier[key] for key in frontier_keys(size)]
    except KeyError as missing:
        raise KeyError(f"The frontier of size {size} lacks node {missing.args[0]}.") from None


def _fetch_folded(ranges: Sequence[tuple[int, int]], source: NodeSource) -> list[bytes]:
    # One get_nodes call for every key of every range, then one fold per range.
    per_range = [_range_keys(start, end) for start, end in ranges]
    wanted = list(dict.fromkeys(key for keys in per_range for key in keys))
    if not wanted:
        return []
    found = source.get_nodes(wanted)
    return [_fold([found[key] for key in keys]) for keys in per_range]


def root_from_source(size: int, source: NodeSource) -> bytes:
    """Compute the root of the first `size` leaves from stored nodes, in one read."""
    if size < 0:
        raise ProofError(f"A tree size cannot be negative, got {size}.")
    if size == 0:
        return EMPTY_ROOT
    return _fetch_folded([(0, size)], source)[0]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    # RFC 9162 §2.1.3.1 PATH(m, D[n]), as the leaf ranges of its hashes, leaf to root.
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """Build the RFC 9162 inclusion proof (PATH) of leaf `index` in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"Leaf index {index} is not inside a tree of size {size}.")
    return _fetch_folded(_inclusion_ranges(index, size), source)


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    # RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], true), as leaf ranges, deepest first.
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def consistency_proof(old_size: int, new_size: int, source: NodeSource) -> list[bytes]:
    """Build the RFC 9162 consistency proof (PROOF) that `old_size` is a prefix of `new_size`."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"Cannot prove size {old_size} is a prefix of size {new_size}.")
    if old_size in (0, new_size):
        return []
    return _fetch_folded(_consistency_ranges(old_size, new_size), source)


def _chain(fn: int, sn: int, seed: bytes, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    # The loop shared by RFC 9162 §2.1.3.2 step 4 and §2.1.4.2 step 6: `fr` folds only the
    # left siblings (the old tree's root), `sr` folds every hash (the full root).
    fr = sr = seed
    for c in path:
        if sn == 0:
            raise ProofError("The proof has more hashes than the tree is deep.")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("The proof has fewer hashes than the tree is deep.")
    return fr, sr


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check, by RFC 9162 §2.1.3.2, that leaf hash `leaf` sits at `index` under `root`."""
    _check_hashes("leaf hash, root hash and proof entries", [leaf, root, *proof])
    if not 0 <= index < size:
        raise ProofError(f"Leaf index {index} is not inside a tree of size {size}.")
    _, computed = _chain(index, size - 1, leaf, proof)
    if not hmac.compare_digest(computed, root):
        raise ProofError("The inclusion proof does not lead to the given root hash.")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check, by RFC 9162 §2.1.4.2, that the tree `old_root` is a prefix of `new_root`."""
    _check_hashes("root hashes and proof entries", [old_root, new_root, *proof])
    if not 0 <= old_size <= new_size:
        raise ProofError(f"Size {old_size} cannot be a prefix of size {new_size}.")
    if old_size in (0, new_size):
        _verify_trivial_consistency(old_size, new_size, proof, old_root, new_root)
        return
    if not proof:
        raise ProofError("The consistency proof is empty but the sizes differ.")
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed, new_computed = _chain(fn, sn, path[0], path[1:])
    if not hmac.compare_digest(old_computed, old_root):
        raise ProofError("The consistency proof does not lead to the old root hash.")
    if not hmac.compare_digest(new_computed, new_root):
        raise ProofError("The consistency proof does not lead to the new root hash.")


def _verify_trivial_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    # An empty tree is a prefix of every tree; a tree is a prefix of itself.
    if proof:
        raise ProofError(f"A consistency proof from size {old_size} must be empty.")
    if old_size == 0 and not hmac.compare_digest(old_root, EMPTY_ROOT):
        raise ProofError("The old root is not the root of the empty tree.")
    if old_size == new_size and not hmac.compare_digest(old_root, new_root):
        raise ProofError("Two trees of the same size have different root hashes.")


class RootAccumulator:
    """Streaming RFC 6962 root over leaf hashes appended one by one.

    A compact range (a stack of frontier hashes): O(log n) memory, about one hash per leaf.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []  # hashes of frontier_keys(self._size), left to right

    @classmethod
    def from_frontier(cls, size: int, frontier: Mapping[NodeKey, bytes]) -> RootAccumulator:
        """Resume accumulating after `size` leaves, given the hashes of frontier_keys(size)."""
        acc = cls()
        acc._stack = _frontier_hashes(size, frontier)
        acc._size = size
        return acc

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash, merging equal-height perfect subtrees as they complete."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            _check_hashes("leaf hashes to append", [leaf_hash])
        stack, value, remaining = self._stack, leaf_hash, self._size
        while remaining & 1:
            value = hashlib.sha256(b"\x01" + stack.pop() + value).digest()
            remaining >>= 1
        stack.append(value)
        self._size += 1

    @property
    def size(self) -> int:
        """How many leaves have been appended."""
        return self._size

    def root(self) -> bytes:
        """Return the root of every leaf appended so far (EMPTY_ROOT when none)."""
        return _fold(self._stack) if self._stack else EMPTY_ROOT

    def nodes(self) -> dict[NodeKey, bytes]:
        """Return the frontier (hashes of frontier_keys(size)) to compare with stored nodes."""
        return dict(zip(frontier_keys(self._size), self._stack, strict=True))


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """Compute the RFC 6962 root of a sequence of leaf hashes in one streaming pass."""
    acc = RootAccumulator()
    for value in leaf_hashes:
        acc.append(value)
    return acc.root()


class InMemoryNodeSource:
    """A dict of perfect-subtree hashes, grown with append_nodes: for tests and small callers."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self._size = 0
        self.extend(leaf_hashes)

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append leaf hashes, store the nodes they create and return those nodes."""
        frontier = {key: self._nodes[key] for key in frontier_keys(self._size)}
        created = append_nodes(self._size, frontier, list(leaf_hashes))
        for level, index, value in created:
            self._nodes[(level, index)] = value
        self._size += sum(1 for level, _, _ in created if level == 0)
        return created

    @property
    def size(self) -> int:
        """How many leaves the source holds."""
        return self._size

    @property
    def nodes(self) -> Mapping[NodeKey, bytes]:
        """A read-only view of every stored node."""
        return MappingProxyType(self._nodes)

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the requested nodes, raising KeyError for any that is not stored."""
        return {key: self._nodes[key] for key in keys}

    def root(self, size: int | None = None) -> bytes:
        """Return the root of the first `size` leaves (all of them by default)."""
        return root_from_source(self._size if size is None else size, self)
