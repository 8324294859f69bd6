"""The sampler against vectors worked out by hand and against an independent implementation.

Hand vector (docs/draws.md): key = 32 zero bytes. `sha256sum` of 40 zero bytes (key ‖ counter 0) is
2c34ce1df23b838c 5abf2a7f6437cca3 d3067ed509ff25f1 1df6b11b582b51eb; with `bc`:
0x2c34ce1df23b838c mod 10 = 8, 0x5abf2a7f6437cca3 mod 9 = 0, 0xd3067ed509ff25f1 mod 8 = 1,
0x1df6b11b582b51eb mod 7 = 3. Fisher–Yates on [0..9]: i=0 swaps 0↔8 → 8; i=1 j=1 → 1;
i=2 j=3 → 3 (a[3]=2); i=3 j=6 → 6. So the first four draws of 10 are [8, 1, 3, 6].
"""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.draws.sampler import ALGORITHM, Stream, sample, subkey

ZERO = bytes(32)


def test_hand_vector():
    assert sample(ZERO, 10, 4) == [8, 1, 3, 6]
    assert ALGORITHM == "sha256-ctr-fy/1"


def test_stream_words_are_the_hash_block_in_order():
    s = Stream(ZERO)
    assert [s.next64() for _ in range(4)] == [
        0x2C34CE1DF23B838C,
        0x5ABF2A7F6437CCA3,
        0xD3067ED509FF25F1,
        0x1DF6B11B582B51EB,
    ]
    # block 1: sha256sum of 39 zero bytes then 0x01
    assert s.next64() == 0x08E00266FFF0AACC


def _independent(key: bytes, n: int, k: int) -> list[int]:
    """Second implementation: a full list, words read with struct-free arithmetic."""
    words: list[int] = []
    counter = 0

    def word() -> int:
        nonlocal counter
        if not words:
            block = hashlib.sha256(key + counter.to_bytes(8, "big")).hexdigest()
            counter += 1
            words.extend(int(block[i : i + 16], 16) for i in range(0, 64, 16))
        return words.pop(0)

    def below(m: int) -> int:
        while True:
            u = word()
            if u < (2**64 // m) * m:
                return u % m

    a = list(range(n))
    for i in range(k):
        j = i + below(n - i)
        a[i], a[j] = a[j], a[i]
    return a[:k]


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(1, 300), st.data())
def test_matches_independent_implementation(key, n, data):
    k = data.draw(st.integers(0, n))
    got = sample(key, n, k)
    assert got == _independent(key, n, k)
    assert len(set(got)) == k and all(0 <= x < n for x in got)


def test_rejection_of_the_biased_tail():
    # n = 2**63 + 1: limit = 2**64 - (2**64 mod n) = n, so a word ≥ n is rejected
    s = Stream(ZERO)
    n = 2**63 + 1
    s.next64(), s.next64()  # skip to the third word, 0xd306… ≥ n: rejected
    assert s.below(n) == 0x1DF6B11B582B51EB  # the fourth word, < n, taken as is


def test_subkeys_differ_and_are_sha256():
    assert subkey(ZERO, "tier:A") == hashlib.sha256(ZERO + b"tier:A").digest()
    assert subkey(ZERO, "tier:A") != subkey(ZERO, "tier:B")


def test_bad_arguments():
    import pytest

    with pytest.raises(ValueError):
        sample(ZERO, 3, 4)
    with pytest.raises(ValueError):
        Stream(b"short")
