"""The draw sampler: integers and SHA-256 only, so a draw replays byte for byte on any Python.

Algorithm ``sha256-ctr-fy/1`` (ALGORITHM; recorded on every draw):

* **Stream.** Block *c* (c = 0, 1, 2 …) is ``SHA-256(key ‖ c as 8 bytes big-endian)``; each
  32-byte block gives four 64-bit unsigned integers (big-endian, in order). ``key`` is 32 bytes.
* **Uniform integer below n** (n ≥ 1): take the next integer *u*; reject it while
  ``u ≥ 2**64 − (2**64 mod n)`` (so every residue is equally likely); return ``u mod n``.
* **Sample k of n** (positions 0 … n−1 of a numbered pool): partial Fisher–Yates over a virtual
  array ``a[i] = i`` kept sparse in a dict: for i = 0 … k−1, ``j = i + uniform(n − i)``, swap
  ``a[i]`` and ``a[j]``; the sample is ``a[0 … k−1]`` in that order (the order matters: it is the
  order in which inspectors are assigned).
* **Sub-keys.** Independent streams for strata and targets: ``subkey(seed, label) =
  SHA-256(seed ‖ label as UTF-8)``.

Nothing here uses `random` or NumPy, whose streams may change between versions (reference (b),
"RNG reproducibility facts"). tests/draws/test_sampler.py checks the output against vectors
worked out by hand from these definitions and against a second, independent implementation.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator

ALGORITHM = "sha256-ctr-fy/1"
_TWO64 = 1 << 64
_UNPACK = struct.Struct(">4Q").unpack


def _words(key: bytes) -> Iterator[int]:
    """The 64-bit words of stream(key), in order (SHA-256 counter mode, big-endian)."""
    sha = hashlib.sha256
    counter = 0
    while True:
        yield from _UNPACK(sha(key + counter.to_bytes(8, "big")).digest())
        counter += 1


class Stream:
    """Deterministic stream of 64-bit integers from a 32-byte key (SHA-256 in counter mode)."""

    __slots__ = ("next64",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("stream key must be 32 bytes / 随机流密钥须为 32 字节")
        self.next64 = _words(key).__next__  # the next unsigned 64-bit integer

    def below(self, n: int) -> int:
        """Uniform integer in [0, n) by rejection (n ≥ 1)."""
        if n < 1:
            raise ValueError("n must be ≥ 1")
        limit = _TWO64 - (_TWO64 % n)
        nxt = self.next64
        u = nxt()
        while u >= limit:
            u = nxt()
        return u % n


def subkey(seed: bytes, label: str) -> bytes:
    """SHA-256(seed ‖ label): the key of an independent stream (a stratum, a target)."""
    return hashlib.sha256(seed + label.encode("utf-8")).digest()


def permutation_prefix(stream: Stream, n: int) -> Iterator[int]:
    """Positions of a Fisher–Yates shuffle of range(n), lazily: the i-th value is a[i] after step i.

    Stops after n values. Memory is O(values taken), so a caller may take a few of a large pool."""
    swapped: dict[int, int] = {}
    get = swapped.get
    for i in range(n):
        j = i + stream.below(n - i)
        aj = get(j, j)
        swapped[j] = get(i, i)
        yield aj


def sample(key: bytes, n: int, k: int) -> list[int]:
    """k distinct positions of range(n) in draw order (partial Fisher–Yates). Raises ValueError
    when k > n or k < 0."""
    if not 0 <= k <= n:
        raise ValueError(f"cannot draw {k} of {n} / 无法从 {n} 个中抽取 {k} 个")
    nxt = _words(key).__next__
    swapped: dict[int, int] = {}
    get = swapped.get
    out = []
    append = out.append
    two64 = _TWO64
    for i in range(k):
        m = n - i
        limit = two64 - two64 % m
        u = nxt()
        while u >= limit:
            u = nxt()
        j = i + u % m
        aj = get(j, j)
        swapped[j] = get(i, i)
        append(aj)
    return out
