"""RFC 9162 tree hashing and proofs: the RFC's own 7-leaf example by hand, then properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.merkle import (
    EMPTY_ROOT,
    PerfectSubtrees,
    RootBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    subtree_of,
    verify_consistency,
    verify_inclusion,
)

# RFC 9162 §2.1.5's example tree of seven leaves d0..d6:
#             hash
#            /    \
#           k      m
#          / \    / \
#         g   h  i   j
#        / \ / \ / \ |
#        a b c d e f d6
D = [f"d{i}".encode() for i in range(7)]
a, b, c, d, e, f, j = (leaf_hash(x) for x in D)
g, h, i = node_hash(a, b), node_hash(c, d), node_hash(e, f)
k, m = node_hash(g, h), node_hash(i, j)
HASH7 = node_hash(k, m)
LEAVES7 = [a, b, c, d, e, f, j]


def test_leaf_and_node_hashes_are_domain_separated_sha256():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert root([a]) == a


def test_the_root_of_the_rfc_example_tree_is_built_from_the_largest_power_of_two_split():
    assert root(LEAVES7) == HASH7
    assert root(LEAVES7[:3]) == node_hash(g, c)
    assert root(LEAVES7[:6]) == node_hash(k, i)


@pytest.mark.parametrize(("index", "expected"), [(0, [b, h, m]), (3, [c, g, m]), (4, [f, j, k]), (6, [i, k])])
def test_inclusion_paths_of_the_rfc_example(index, expected):
    proof = inclusion_proof(index, 7, subtree_of(LEAVES7))
    assert proof == expected
    assert verify_inclusion(LEAVES7[index], index, 7, proof, HASH7)


@pytest.mark.parametrize(("old", "expected"), [(3, [c, d, g, m]), (4, [m]), (6, [i, j, k])])
def test_consistency_proofs_of_the_rfc_example(old, expected):
    proof = consistency_proof(old, 7, subtree_of(LEAVES7))
    assert proof == expected
    assert verify_consistency(old, 7, root(LEAVES7[:old]), HASH7, proof)


def test_a_consistency_proof_fails_against_another_old_root():
    proof = consistency_proof(3, 7, subtree_of(LEAVES7))
    assert not verify_consistency(3, 7, root([a, b, leaf_hash(b"forged")]), HASH7, proof)


def test_proofs_out_of_range_are_refused():
    with pytest.raises(ValueError):
        inclusion_proof(7, 7, subtree_of(LEAVES7))
    with pytest.raises(ValueError):
        consistency_proof(8, 7, subtree_of(LEAVES7))
    assert not verify_inclusion(a, 7, 7, [], HASH7)
    assert not verify_consistency(8, 7, HASH7, HASH7, [])


def test_equal_and_empty_trees_are_consistent_with_an_empty_proof_only():
    assert verify_consistency(7, 7, HASH7, HASH7, [])
    assert not verify_consistency(7, 7, HASH7, g, [])
    assert verify_consistency(0, 7, EMPTY_ROOT, HASH7, [])
    assert not verify_consistency(3, 7, root(LEAVES7[:3]), HASH7, [])


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(lambda xs: [leaf_hash(x) for x in xs])


@settings(max_examples=200, deadline=None)
@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies_and_a_changed_leaf_fails(leaves, data):
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(index, n, subtree_of(leaves))
    top = root(leaves)
    assert verify_inclusion(leaves[index], index, n, proof, top)
    assert not verify_inclusion(leaf_hash(b"changed" + leaves[index]), index, n, proof, top)
    if n > 1:
        other = data.draw(st.integers(0, n - 1).filter(lambda x: x != index))
        assert not verify_inclusion(leaves[index], other, n, proof, top) or leaves[other] == leaves[index]


@settings(max_examples=200, deadline=None)
@given(leaf_lists, st.data())
def test_every_consistency_proof_verifies_and_a_changed_old_leaf_fails(leaves, data):
    n = len(leaves)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, n, subtree_of(leaves))
    assert verify_consistency(m, n, root(leaves[:m]), root(leaves), proof)
    changed = data.draw(st.integers(0, m - 1))
    forged = [*leaves[:changed], leaf_hash(b"changed" + leaves[changed]), *leaves[changed + 1:]]
    assert not verify_consistency(m, n, root(forged[:m]), root(leaves), proof)
    assert not verify_consistency(m, n, root(leaves[:m]), root(forged), proof)


@given(leaf_lists)
def test_the_streaming_root_matches_the_recursive_definition(leaves):
    def mth(xs):
        if len(xs) == 1:
            return xs[0]
        kk = 1 << ((len(xs) - 1).bit_length() - 1)
        return node_hash(mth(xs[:kk]), mth(xs[kk:]))

    builder = RootBuilder()
    for x in leaves:
        builder.add(x)
    assert builder.root() == mth(leaves) and builder.size == len(leaves)


class CountingLog:
    """Leaf hashes read through `leaves(start, end)`, counting how many were read."""

    def __init__(self, leaves):
        self.all, self.read = leaves, 0

    def leaves(self, start, end):
        self.read += end - start
        return iter(self.all[start:end])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=4), min_size=1, max_size=300).map(lambda xs: [leaf_hash(x) for x in xs]),
       st.sampled_from([1, 2, 4, 16]), st.data())
def test_proofs_and_roots_from_kept_perfect_subtrees_equal_those_from_the_leaves(leaves, block, data):
    """The cache answers exactly what reading every leaf answers, for a log that grows between questions."""
    kept = PerfectSubtrees(block)
    log = CountingLog(leaves)
    for size in sorted(data.draw(st.lists(st.integers(1, len(leaves)), min_size=1, max_size=4))):
        subtree = kept.over(log.leaves)
        assert subtree(0, size) == root(leaves[:size])
        index, old = data.draw(st.integers(0, size - 1)), data.draw(st.integers(0, size))
        assert inclusion_proof(index, size, subtree) == inclusion_proof(index, size, subtree_of(leaves))
        assert consistency_proof(old, size, subtree) == consistency_proof(old, size, subtree_of(leaves))


def test_once_the_perfect_subtrees_are_kept_a_proof_reads_about_a_block_per_level():
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(5000)]
    kept, log = PerfectSubtrees(64), CountingLog(leaves)
    assert kept.over(log.leaves)(0, 5000) == root(leaves)
    assert log.read == 5000  # the first pass reads every leaf once
    log.read = 0
    proof = inclusion_proof(1234, 5000, kept.over(log.leaves))
    assert verify_inclusion(leaves[1234], 1234, 5000, proof, root(leaves))
    # 5000 = 4096 + 512 + 256 + 128 + 8: everything at or above 64 leaves is kept; under it, each level of
    # the path reads at most one block: 13 levels, 64 leaves each at most (here: 63 + the 8 of the tail).
    assert log.read <= 13 * 64
    log.read = 0
    assert kept.over(log.leaves)(0, 5000) == root(leaves) and log.read == 8  # only the tail under a block


def test_a_block_that_is_not_a_power_of_two_is_refused():
    with pytest.raises(ValueError, match="power of two"):
        PerfectSubtrees(1000)
