"""Merkle tree hashing, inclusion and consistency proofs, as RFC 9162 §2.1 defines them.

Pure functions over leaf hashes (`leaf_hash(data)` = SHA-256(0x00 || data)); interior
nodes are SHA-256(0x01 || left || right); the tree over n leaves splits at the largest
power of two smaller than n. Proofs are built from a `subtree(start, end)` function that
answers MTH(D[start:end]), so a caller may stream a large log instead of holding it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Subtree = Callable[[int, int], bytes]  # MTH(D[start:end]) of the log's leaves, start < end

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class RootBuilder:
    """MTH of leaf hashes fed one at a time, in O(log n) memory: a stack of perfect subtrees."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaves in the subtree, its hash), largest first

    def add(self, leaf: bytes) -> None:
        self.size += 1
        width, node = 1, leaf
        while self._stack and self._stack[-1][0] == width:
            _, left = self._stack.pop()
            width, node = 2 * width, node_hash(left, node)
        self._stack.append((width, node))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH of these leaf hashes."""
    builder = RootBuilder()
    for leaf in leaves:
        builder.add(leaf)
    return builder.root()


def subtree_of(leaves: Sequence[bytes]) -> Subtree:
    """`subtree` over leaf hashes held in memory."""
    return lambda start, end: root(leaves[start:end])


class PerfectSubtrees:
    """MTH(D[start:end]) over a log read through `leaves(start, end)`, keeping the hash of every perfect subtree
    of `block` leaves or more once computed.

    Every subtree RFC 9162's recursion visits starts at a multiple of the largest power of two below its size, so
    its perfect subtrees are aligned and a log that only grows never changes them: after one pass, a proof or a
    root reads at most about `block` leaves per level instead of the whole log. Thread-safe enough for
    its use: two threads may compute the same hash, and both store the same bytes.
    """

    def __init__(self, block: int = 1024) -> None:
        if block < 1 or block & (block - 1):
            raise ValueError(f"block must be a power of two, not {block}")
        self.block = block
        self._hashes: dict[tuple[int, int], bytes] = {}  # (start, leaves) -> MTH

    def __len__(self) -> int:
        return len(self._hashes)

    def over(self, leaves: Callable[[int, int], Iterable[bytes]]) -> Subtree:
        """`subtree(start, end)` for `end` within the log that `leaves` reads."""

        def mth(start: int, end: int) -> bytes:
            n = end - start
            perfect = n >= self.block and not n & (n - 1)
            if perfect and (found := self._hashes.get((start, n))) is not None:
                return found
            if n <= self.block:
                found = root(leaves(start, end))
            else:
                k = split(n)
                found = node_hash(mth(start, start + k), mth(start + k, end))
            if perfect:
                self._hashes[(start, n)] = found
            return found

        return mth


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return [*path(m, start, start + k), subtree(start + k, end)]
        return [*path(m - k, start + k, end), subtree(start, start + k)]

    return path(index, 0, size)


def consistency_proof(old: int, new: int, subtree: Subtree) -> list[bytes]:
    """PROOF(old, D[new]) (RFC 9162 §2.1.4.1): empty when old is 0 or old equals new."""
    if not 0 <= old <= new:
        raise ValueError(f"a tree of {new} cannot extend one of {old}")
    if old in (0, new):
        return []

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [subtree(start, end)]
        k = split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), subtree(start + k, end)]
        return [*subproof(m - k, start + k, end, False), subtree(start, start + k)]

    return subproof(old, 0, new, True)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """Whether `proof` shows the leaf hash at `index` in the tree of `size` with this root (§2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `new` with `new_root` extends the one of `old` with `old_root` (§2.1.4.2)."""
    if not 0 <= old <= new:
        return False
    if old == 0:
        return not proof  # every tree extends the empty one
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old tree is itself a subtree of the new
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
