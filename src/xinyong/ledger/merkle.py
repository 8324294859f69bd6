"""RFC 6962 / RFC 9162 Merkle tree hashing, proof plans and proof verification (no database).

Leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``, the hash of
an empty tree ``SHA-256("")`` (RFC 9162 §2.1.1).

Storage model: every *perfect* subtree (2**level leaves starting at a multiple of 2**level) is
addressed by a :class:`NodeKey` ``(level, index)``. In the RFC's recursive definitions every
range that is hashed is either such a perfect subtree or a left-to-right run of them with
strictly decreasing sizes (the binary decomposition of its width), which is folded from the
right. So any root, inclusion proof or consistency proof is a *plan*: a list of runs of node
keys. The store fetches the keys of a plan in one query (O(log n) rows) and :func:`evaluate`
folds them; nothing is rebuilt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

_sha256 = hashlib.sha256
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = _sha256(b"").digest()
HASH_SIZE = 32


class NodeKey(NamedTuple):
    """The perfect subtree covering leaves [index * 2**level, (index + 1) * 2**level)."""

    level: int
    index: int

    @property
    def node_id(self) -> int:
        """A single integer id (in-order numbering of a complete binary tree), used as the
        primary key of stored nodes: unique per (level, index), cheap to index."""
        return (self.index << (self.level + 1)) + (1 << self.level) - 1


class ProofError(ValueError):
    """A proof or tree-size argument is invalid; the message is bilingual."""


def leaf_hash(data: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, O(n) time and O(log n) memory (a stack of perfect subtrees)."""
    if not hashes:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []
    for h in hashes:
        level = 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    return fold_right([h for _, h in stack])


def root_from_leaves(datas: Iterable[bytes]) -> bytes:
    """MTH(D[n]) of raw leaf data (what `xinyong ledger root` prints)."""
    return root_from_leaf_hashes([leaf_hash(d) for d in datas])


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Hash a run of perfect subtrees of decreasing size: h1 . (h2 . (h3 ...))."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k (n > 1), the split point of RFC 6962 §2.1."""
    return 1 << ((n - 1).bit_length() - 1)


def range_keys(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees whose left-to-right run hashes to MTH(D[start:end]).

    Valid for the ranges the RFC recursion produces (start aligned to the width's largest
    power of two); the run has strictly decreasing sizes."""
    keys: list[NodeKey] = []
    while start < end:
        width = end - start
        level = width.bit_length() - 1
        keys.append(NodeKey(level, start >> level))
        start += 1 << level
    return keys


Plan = list[list[NodeKey]]


def root_plan(size: int) -> list[NodeKey]:
    return range_keys(0, size)


def inclusion_plan(leaf_index: int, tree_size: int) -> Plan:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 as runs of node keys, leaf first."""
    if not 0 <= leaf_index < tree_size:
        raise ProofError(
            f"leaf index {leaf_index} is outside a tree of size {tree_size} / "
            f"叶序号 {leaf_index} 超出树大小 {tree_size}"
        )
    path: Plan = []
    start, end, m = 0, tree_size, leaf_index
    # Walk down from the root; siblings are collected top-down, the proof lists them bottom-up.
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if m < k:
            path.append(range_keys(start + k, end))
            end = start + k
        else:
            path.append(range_keys(start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_plan(first: int, second: int) -> Plan:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 as runs of node keys (0 < m <= n)."""
    check_consistency_sizes(first, second)
    out: Plan = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            out.append(range_keys(start + k, end))
            end = start + k
        else:
            out.append(range_keys(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        out.append(range_keys(start, end))
    out.reverse()
    return out


def check_consistency_sizes(first: int, second: int) -> None:
    if first <= 0:
        raise ProofError(
            "a consistency proof needs a first tree size above 0 (RFC 9162 §2.1.4: 0 < m <= n) / "
            "一致性证明要求第一个树大小大于 0"
        )
    if first > second:
        raise ProofError(
            f"first tree size {first} is larger than second {second} / "
            f"第一个树大小 {first} 大于第二个 {second}"
        )


def plan_keys(plan: Iterable[Sequence[NodeKey]]) -> set[NodeKey]:
    return {key for run in plan for key in run}


def evaluate(plan: Iterable[Sequence[NodeKey]], lookup: Mapping[NodeKey, bytes] | Callable) -> list[bytes]:
    """Fold each run of a plan with the stored node hashes in `lookup`."""
    get = lookup.__getitem__ if isinstance(lookup, Mapping) else lookup
    return [fold_right([get(key) for key in run]) for run in plan]


def _lsb(x: int) -> int:
    return x & 1


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2. `leaf` is the leaf *hash*. Raises ProofError when the proof fails."""
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is outside a tree of size {tree_size} / 叶序号超出树大小")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)} / 叶哈希长度应为 32 字节")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long / 包含证明过长")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short / 包含证明过短")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root / 包含证明与根哈希不符")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2. Raises ProofError when the proof fails.

    Size 0 is rejected: the RFC's verifier is defined for 0 < first, and the transparency-dev
    vectors treat a proof from size 0 (even 0 -> 0) as an error."""
    check_consistency_sizes(first, second)
    if first == second:
        if proof:
            raise ProofError("equal tree sizes need an empty proof / 树大小相同时证明必须为空")
        if first_root != second_root:
            raise ProofError("equal tree sizes but different roots / 树大小相同但根哈希不同")
        return
    if not proof:
        raise ProofError("empty consistency proof / 一致性证明为空")
    path = list(proof)
    if first & (first - 1) == 0:  # first is a power of two: its root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long / 一致性证明过长")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short / 一致性证明过短")
    if fr != first_root:
        raise ProofError("consistency proof does not match the first root / 一致性证明与旧根不符")
    if sr != second_root:
        raise ProofError("consistency proof does not match the second root / 一致性证明与新根不符")


class Frontier:
    """The right edge of a tree: its perfect subtrees, largest first (at most log2(n)+1).

    Appending leaves to a frontier yields every newly completed perfect subtree, which is what
    the store writes; the frontier itself is read back from the store (O(log n) rows)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        keys = root_plan(size)
        if len(keys) != len(hashes):
            raise ValueError("frontier hashes do not match the tree size")
        self.size = size
        self.stack: list[tuple[int, bytes]] = [(k.level, h) for k, h in zip(keys, hashes, strict=True)]

    def append(self, leaf_hashes: Sequence[bytes], min_level: int = 1) -> list[tuple[int, bytes]]:
        """Add leaf hashes; return the new interior nodes as (node_id, hash), levels >= min_level.

        Whole aligned blocks of 2**min_level leaves are reduced level by level (one list
        comprehension per level, no per-leaf stack work), then their roots are pushed; the leaves
        before the first block boundary and after the last go through the stack one by one."""
        if min_level < 1:
            return self._push(leaf_hashes, 0, min_level)
        block = 1 << min_level
        n = len(leaf_hashes)
        lead = min(n, (-self.size) % block)
        full = (n - lead) // block * block
        new_nodes = self._push(leaf_hashes[:lead], 0, min_level)
        if full:
            row = list(leaf_hashes[lead : lead + full])
            sha, prefix = _sha256, NODE_PREFIX
            for _ in range(min_level):
                row = [sha(prefix + a + b).digest() for a, b in zip(row[0::2], row[1::2], strict=True)]
            new_nodes += self._push(row, min_level, min_level)
        new_nodes += self._push(leaf_hashes[lead + full :], 0, min_level)
        return new_nodes

    def _push(self, hashes: Sequence[bytes], level0: int, min_level: int) -> list[tuple[int, bytes]]:
        """Push perfect subtrees of level `level0` (the tree size must be a multiple of 2**level0)."""
        stack = self.stack
        size = self.size
        new_nodes: list[tuple[int, bytes]] = []
        add = new_nodes.append
        sha = _sha256
        for h in hashes:
            level = level0
            index = size >> level0
            if level0 > 0 and level0 >= min_level:
                add(((index << (level + 1)) + (1 << level) - 1, h))
            while stack and stack[-1][0] == level:
                h = sha(NODE_PREFIX + stack.pop()[1] + h).digest()
                level += 1
                index >>= 1
                if level >= min_level:
                    add(((index << (level + 1)) + (1 << level) - 1, h))
            stack.append((level, h))
            size += 1 << level0
        self.size = size
        return new_nodes

    def root(self) -> bytes:
        return fold_right([h for _, h in self.stack]) if self.stack else EMPTY_ROOT


def tree_nodes(leaf_hashes: Sequence[bytes]) -> dict[NodeKey, bytes]:
    """Every perfect subtree of an in-memory tree (level 0 included): the same nodes the store
    keeps, for auditors and tests that hold all leaves."""
    nodes = {NodeKey(0, i): h for i, h in enumerate(leaf_hashes)}
    level, row = 0, list(leaf_hashes)
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        nodes.update({NodeKey(level, i): h for i, h in enumerate(row)})
    return nodes
