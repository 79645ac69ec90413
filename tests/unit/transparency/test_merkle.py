"""RFC 9162 Merkle log maths: reference vectors, an independent oracle, and properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.transparency.merkle import (
    EMPTY_ROOT,
    InMemoryNodeSource,
    NodeKey,
    ProofError,
    RootAccumulator,
    append_nodes,
    consistency_proof,
    frontier_keys,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_source,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# --- Reference vectors ------------------------------------------------------------------
# From github.com/transparency-dev/merkle (Apache-2.0), the Certificate Transparency /
# Trillian RFC 6962 test data: proof/verify_test.go (vars `leaves`, `roots`,
# `inclusionProofs`, `consistencyProofs`) and rfc6962/rfc6962_test.go (hasher vectors).
# Inclusion vectors there number leaves from 1; here they are converted to 0-based indices.

CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = {  # tree size -> root hash
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
CT_INCLUSION = [  # (0-based leaf index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _unhex(proof: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in proof]


@pytest.fixture(scope="module")
def ct_source() -> InMemoryNodeSource:
    return InMemoryNodeSource(leaf_hash(d) for d in CT_LEAVES)


def test_hasher_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_ct_roots(ct_source: InMemoryNodeSource, size: int) -> None:
    assert root_from_source(size, ct_source).hex() == CT_ROOTS[size]
    assert root_of(leaf_hash(d) for d in CT_LEAVES[:size]).hex() == CT_ROOTS[size]


def _inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[int, int, list[bytes], bytes, bytes]]:
    # The corruptions of transparency-dev/merkle proof/verify_test.go corruptInclusionProof.
    probes = [
        (index - 1, size, proof, root, leaf),
        (index + 1, size, proof, root, leaf),
        (index ^ 2, size, proof, root, leaf),
        (index, size * 2, proof, root, leaf),
        (index, size // 2, proof, root, leaf),
        (index, size, proof, root, leaf_hash(b"WrongLeaf")),
        (index, size, proof, EMPTY_ROOT, leaf),
        (index, size, proof, SOME_HASH, leaf),
        (index, size, [*proof, root], root, leaf),
        (index, size, [root, *proof], root, leaf),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, wrong, root, leaf))
    if proof:
        probes.append((index, size, proof[:-1], root, leaf))
    if len(proof) > 1:
        probes.append((index, size, [proof[0], SOME_HASH, *proof[1:]], root, leaf))
    return probes


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_ct_inclusion(
    ct_source: InMemoryNodeSource, index: int, size: int, expected: list[str]
) -> None:
    proof = inclusion_proof(index, size, ct_source)
    assert proof == _unhex(expected)
    root, leaf = bytes.fromhex(CT_ROOTS[size]), leaf_hash(CT_LEAVES[index])
    verify_inclusion(leaf, index, size, proof, root)
    for probe in _inclusion_probes(index, size, proof, root, leaf):
        with pytest.raises(ProofError):
            verify_inclusion(probe[4], probe[0], probe[1], probe[2], probe[3])


def _consistency_probes(
    m: int, n: int, proof: list[bytes], r1: bytes, r2: bytes
) -> list[tuple[int, int, list[bytes], bytes, bytes]]:
    # The corruptions of transparency-dev/merkle proof/verify_test.go corruptConsistencyProof.
    probes = [
        (m - 1, n, proof, r1, r2),
        (m + 1, n, proof, r1, r2),
        (m ^ 2, n, proof, r1, r2),
        (m, n * 2, proof, r1, r2),
        (m, n // 2, proof, r1, r2),
        (m, n, proof, SOME_HASH, r2),
        (m, n, proof, r1, SOME_HASH),
        (m, n, proof, r2, r1),
        (m, n, [], r1, r2),
        (m, n, [*proof, r1], r1, r2),
        (m, n, [*proof, r2], r1, r2),
        (m, n, [r1, *proof], r1, r2),
        (m, n, [r2, *proof], r1, r2),
        (m, n, [proof[0], *proof], r1, r2),
        (m, n, proof[:-1], r1, r2),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((m, n, wrong, r1, r2))
    return probes


@pytest.mark.parametrize(("m", "n", "expected"), CT_CONSISTENCY)
def test_ct_consistency(ct_source: InMemoryNodeSource, m: int, n: int, expected: list[str]) -> None:
    proof = consistency_proof(m, n, ct_source)
    assert proof == _unhex(expected)
    r1, r2 = bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n])
    verify_consistency(m, n, proof, r1, r2)
    if proof:
        for probe in _consistency_probes(m, n, proof, r1, r2):
            with pytest.raises(ProofError):
                verify_consistency(*probe)


# --- Which stored nodes a proof reads -------------------------------------------------
# Node IDs from transparency-dev/merkle proof/proof_test.go (TestInclusion, TestConsistency).
# Each proof entry is a group of (level, index) nodes folded right to left; Go lists a
# "rehash" group from its lower node up, so those groups appear reversed here.
_IJ = [(1, 2), (0, 6)]  # l = hash(i, j) in the size-7 picture
GO_INCLUSION_NODES: list[tuple[int, int, list[list[NodeKey]]]] = [
    (0, 7, [[(0, 1)], [(1, 1)], _IJ]),
    (1, 7, [[(0, 0)], [(1, 1)], _IJ]),
    (2, 7, [[(0, 3)], [(1, 0)], _IJ]),
    (3, 7, [[(0, 2)], [(1, 0)], _IJ]),
    (4, 7, [[(0, 5)], [(0, 6)], [(2, 0)]]),
    (5, 7, [[(0, 4)], [(0, 6)], [(2, 0)]]),
    (6, 7, [[(1, 2)], [(2, 0)]]),
    (2, 4, [[(0, 3)], [(1, 0)]]),
    (3, 5, [[(0, 2)], [(1, 0)], [(0, 4)]]),
    (3, 6, [[(0, 2)], [(1, 0)], [(1, 2)]]),
    (4, 6, [[(0, 5)], [(2, 0)]]),
    (10, 15, [[(0, 11)], [(1, 4)], [(1, 6), (0, 14)], [(3, 0)]]),
    (24, 31, [[(0, 25)], [(1, 13)], [(1, 14), (0, 30)], [(3, 2)], [(4, 0)]]),
    (
        81,
        95,
        [[(0, 80)], [(1, 41)], [(2, 21)], [(2, 22), (1, 46), (0, 94)], [(4, 4)], [(6, 0)]],
    ),
]
GO_CONSISTENCY_NODES: list[tuple[int, int, list[list[NodeKey]]]] = [
    (1, 2, [[(0, 1)]]),
    (1, 4, [[(0, 1)], [(1, 1)]]),
    (1, 6, [[(0, 1)], [(1, 1)], [(1, 2)]]),
    (2, 3, [[(0, 2)]]),
    (2, 8, [[(1, 1)], [(2, 1)]]),
    (3, 7, [[(0, 2)], [(0, 3)], [(1, 0)], _IJ]),
    (4, 7, [_IJ]),
    (5, 7, [[(0, 4)], [(0, 5)], [(0, 6)], [(2, 0)]]),
    (6, 7, [[(1, 2)], [(0, 6)], [(2, 0)]]),
    (7, 8, [[(0, 6)], [(0, 7)], [(1, 2)], [(2, 0)]]),
    (2, 4, [[(1, 1)]]),
    (3, 5, [[(0, 2)], [(0, 3)], [(1, 0)], [(0, 4)]]),
    (3, 6, [[(0, 2)], [(0, 3)], [(1, 0)], [(1, 2)]]),
    (4, 6, [[(1, 2)]]),
    (1, 7, [[(0, 1)], [(1, 1)], _IJ]),
    (10, 15, [[(1, 4)], [(1, 5)], [(1, 6), (0, 14)], [(3, 0)]]),
    (24, 31, [[(3, 2)], [(2, 6), (1, 14), (0, 30)], [(4, 0)]]),
    (
        81,
        95,
        [
            [(0, 80)],
            [(0, 81)],
            [(1, 41)],
            [(2, 21)],
            [(2, 22), (1, 46), (0, 94)],
            [(4, 4)],
            [(6, 0)],
        ],
    ),
]


class RecordingSource:
    """Wraps a source and records every get_nodes call, to check proofs read once."""

    def __init__(self, inner: InMemoryNodeSource) -> None:
        self.inner = inner
        self.calls: list[list[NodeKey]] = []

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        self.calls.append(list(keys))
        return self.inner.get_nodes(keys)


@pytest.fixture(scope="module")
def source_100() -> InMemoryNodeSource:
    return InMemoryNodeSource(leaf_hash(i.to_bytes(2, "big")) for i in range(100))


def _expected(groups: list[list[NodeKey]], source: InMemoryNodeSource) -> list[bytes]:
    out = []
    for group in groups:
        hashes = [source.nodes[key] for key in group]
        value = hashes[-1]
        for left in reversed(hashes[:-1]):
            value = node_hash(left, value)
        out.append(value)
    return out


@pytest.mark.parametrize(("index", "size", "groups"), GO_INCLUSION_NODES)
def test_inclusion_reads_expected_nodes_once(
    source_100: InMemoryNodeSource, index: int, size: int, groups: list[list[NodeKey]]
) -> None:
    recording = RecordingSource(source_100)
    assert inclusion_proof(index, size, recording) == _expected(groups, source_100)
    assert len(recording.calls) == 1
    assert sorted(recording.calls[0]) == sorted(key for group in groups for key in group)


@pytest.mark.parametrize(("m", "n", "groups"), GO_CONSISTENCY_NODES)
def test_consistency_reads_expected_nodes_once(
    source_100: InMemoryNodeSource, m: int, n: int, groups: list[list[NodeKey]]
) -> None:
    recording = RecordingSource(source_100)
    assert consistency_proof(m, n, recording) == _expected(groups, source_100)
    assert len(recording.calls) == 1
    assert sorted(recording.calls[0]) == sorted(key for group in groups for key in group)


def test_trivial_requests_read_nothing(source_100: InMemoryNodeSource) -> None:
    recording = RecordingSource(source_100)
    assert root_from_source(0, recording) == EMPTY_ROOT
    assert inclusion_proof(0, 1, recording) == []
    assert consistency_proof(0, 9, recording) == []
    assert consistency_proof(9, 9, recording) == []
    assert recording.calls == []
    root_from_source(77, recording)
    assert recording.calls == [frontier_keys(77)]


def test_frontier_keys() -> None:
    assert frontier_keys(0) == []
    assert frontier_keys(1) == [(0, 0)]
    assert frontier_keys(13) == [(3, 0), (2, 2), (0, 12)]
    assert frontier_keys(64) == [(6, 0)]


# --- Independent reference: the RFC 9162 recursions written out literally -----------------


def _mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return node_hash(_mth(d[:k]), _mth(d[k:]))


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


def test_exhaustive_small_trees_match_rfc_recursions() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(33)]
    source = InMemoryNodeSource(hashes)
    for n in range(1, 34):
        root = _mth(hashes[:n])
        assert root_from_source(n, source) == root
        for i in range(n):
            proof = inclusion_proof(i, n, source)
            assert proof == _path(i, hashes[:n])
            verify_inclusion(hashes[i], i, n, proof, root)
        for m in range(1, n + 1):
            proof = consistency_proof(m, n, source)
            assert proof == (_subproof(m, hashes[:n], True) if m < n else [])
            verify_consistency(m, n, proof, _mth(hashes[:m]), root)


# --- pymerkle (GPL-3.0, test oracle only) ---------------------------------------------

distinct_leaves = st.lists(st.binary(max_size=6), min_size=1, max_size=300, unique=True)


def _oracle(data: Sequence[bytes]) -> pymerkle.InmemoryTree:
    tree = pymerkle.InmemoryTree(algorithm="sha256")  # RFC 6962 prefixes: security on
    assert tree.security
    for entry in data:
        tree.append_entry(entry)
    return tree


@settings(max_examples=25, deadline=None)
@given(data=distinct_leaves, picks=st.lists(st.integers(min_value=0), min_size=1, max_size=8))
def test_matches_pymerkle(data: list[bytes], picks: list[int]) -> None:
    tree, source = _oracle(data), InMemoryNodeSource(leaf_hash(d) for d in data)
    n = len(data)
    assert tree.get_leaf(1) == leaf_hash(data[0])
    assert tree.get_root(n) == source.root()
    for pick in picks:
        size, index = pick % n + 1, pick % (pick % n + 1)
        old = (pick // 7) % size + 1
        assert tree.get_root(size) == source.root(size)
        # pymerkle's path starts with the leaf itself, then the RFC 9162 PATH.
        ours = inclusion_proof(index, size, source)
        assert tree.prove_inclusion(index + 1, size).path[1:] == ours
        # pymerkle's consistency paths use another (valid) layout: cross-verify instead.
        theirs = tree.prove_consistency(old, size)
        pymerkle.verify_consistency(source.root(old), source.root(size), theirs)
        mine = consistency_proof(old, size, source)
        verify_consistency(old, size, mine, tree.get_root(old), tree.get_root(size))


# --- Properties -------------------------------------------------------------------------


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    data = draw(distinct_leaves)
    return [leaf_hash(d) for d in data], draw(st.integers(0, len(data) - 1))


def _flip(value: bytes, at: int) -> bytes:
    at %= len(value)
    return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1 :]


@settings(max_examples=60, deadline=None)
@given(case=tree_and_index(), where=st.integers(min_value=0), byte=st.integers(min_value=0))
def test_inclusion_verifies_and_tampering_fails(
    case: tuple[list[bytes], int], where: int, byte: int
) -> None:
    hashes, index = case
    source, size = InMemoryNodeSource(hashes), len(hashes)
    root, leaf = source.root(), hashes[index]
    proof = inclusion_proof(index, size, source)
    verify_inclusion(leaf, index, size, proof, root)
    bad: list[tuple[bytes, int, int, list[bytes], bytes]] = [
        (_flip(leaf, byte), index, size, proof, root),
        (leaf, index, size, proof, _flip(root, byte)),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size + 1, proof, root_of([*hashes, SOME_HASH])),
    ]
    if proof:
        at = where % len(proof)
        bad.append(
            (leaf, index, size, [*proof[:at], _flip(proof[at], byte), *proof[at + 1 :]], root)
        )
        bad.append((leaf, index, size, proof[:-1], root))
    other = where % size
    if other != index:
        bad.append((leaf, other, size, proof, root))
    if size > 1 and index < size - 1:
        bad.append((leaf, index, size - 1, proof, source.root(size - 1)))
    for args in bad:
        with pytest.raises(ProofError):
            verify_inclusion(*args)


@settings(max_examples=60, deadline=None)
@given(data=distinct_leaves, pick=st.integers(min_value=0), byte=st.integers(min_value=0))
def test_consistency_verifies_and_tampering_fails(data: list[bytes], pick: int, byte: int) -> None:
    source, n = InMemoryNodeSource(leaf_hash(d) for d in data), len(data)
    m = pick % n + 1
    proof, r1, r2 = consistency_proof(m, n, source), source.root(m), source.root()
    verify_consistency(m, n, proof, r1, r2)
    verify_consistency(0, n, [], EMPTY_ROOT, r2)
    bad: list[tuple[int, int, list[bytes], bytes, bytes]] = [
        (m, n, proof, _flip(r1, byte), r2),
        (m, n, proof, r1, _flip(r2, byte)),
        (m, n, [*proof, r1], r1, r2),
        (m, n + 1, proof, r1, root_of([*(leaf_hash(d) for d in data), SOME_HASH])),
    ]
    if proof:
        at = pick % len(proof)
        bad.append((m, n, [*proof[:at], _flip(proof[at], byte), *proof[at + 1 :]], r1, r2))
        bad.append((m, n, proof[:-1], r1, r2))
    other = byte % (n + 1)
    if other != m and (proof or other != 0):  # m == n: the empty tree is a prefix too
        bad.append((other, n, proof, source.root(other), r2))
    for args in bad:
        with pytest.raises(ProofError):
            verify_consistency(*args)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.binary(max_size=4), max_size=200),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10),
)
def test_batched_appends_store_the_same_nodes(data: list[bytes], cuts: list[int]) -> None:
    hashes = [leaf_hash(d) for d in data]
    whole = append_nodes(0, {}, hashes)
    assert len(whole) == 2 * len(hashes) - bin(len(hashes)).count("1")  # N-popcount hashes
    batched, pieces = InMemoryNodeSource(), []
    bounds = sorted({0, len(hashes), *(c for c in cuts if c <= len(hashes))})
    for start, end in pairwise(bounds):
        pieces.extend(batched.extend(hashes[start:end]))
    assert pieces == whole
    assert dict(batched.nodes) == {(level, index): h for level, index, h in whole}


@settings(max_examples=40, deadline=None)
@given(data=st.lists(st.binary(max_size=4), max_size=150))
def test_accumulator_matches_source_for_every_prefix(data: list[bytes]) -> None:
    source, acc = InMemoryNodeSource(leaf_hash(d) for d in data), RootAccumulator()
    assert acc.root() == EMPTY_ROOT
    for size, d in enumerate(data, start=1):
        acc.append(leaf_hash(d))
        assert acc.size == size
        assert acc.root() == root_from_source(size, source)
        assert acc.nodes() == {key: source.nodes[key] for key in frontier_keys(size)}
    resumed = RootAccumulator.from_frontier(acc.size, acc.nodes())
    resumed.append(SOME_HASH)
    acc.append(SOME_HASH)
    assert resumed.root() == acc.root()


# --- Bad arguments ----------------------------------------------------------------------


def test_bad_arguments_raise_proof_error(ct_source: InMemoryNodeSource) -> None:
    root = bytes.fromhex(CT_ROOTS[8])
    for index, size in [(8, 8), (-1, 8), (0, 0)]:
        with pytest.raises(ProofError, match="not inside"):
            inclusion_proof(index, size, ct_source)
        with pytest.raises(ProofError):
            verify_inclusion(leaf_hash(b""), index, size, [], root)
    for m, n in [(5, 4), (-1, 3)]:
        with pytest.raises(ProofError):
            consistency_proof(m, n, ct_source)
    with pytest.raises(ProofError):
        frontier_keys(-1)
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(b"short", 0, 1, [], root)
    with pytest.raises(ProofError, match="32-byte"):
        verify_consistency(1, 2, [b"x"], root, root)
    with pytest.raises(ProofError, match="32-byte"):
        append_nodes(0, {}, [b"not a hash"])
    with pytest.raises(ProofError, match="32-byte"):
        RootAccumulator().append(b"")


def test_trivial_consistency_rules() -> None:
    r1, r2 = leaf_hash(b"1"), leaf_hash(b"2")
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    verify_consistency(3, 3, [], r1, r1)
    for args in [
        (3, 3, [], r1, r2),  # same size, different roots
        (3, 3, [r1], r1, r1),  # same size, non-empty proof
        (0, 3, [], r1, r2),  # an empty tree has the empty root
        (0, 3, [r1], EMPTY_ROOT, r2),
        (1, 2, [], r1, r2),  # sizes differ, empty proof
    ]:
        with pytest.raises(ProofError):
            verify_consistency(*args)


def test_missing_nodes_raise_key_error(ct_source: InMemoryNodeSource) -> None:
    with pytest.raises(KeyError):
        inclusion_proof(0, 9, ct_source)
    with pytest.raises(KeyError):
        consistency_proof(3, 12, ct_source)
    with pytest.raises(KeyError, match="lacks node"):
        append_nodes(3, {(1, 0): SOME_HASH}, [SOME_HASH])
