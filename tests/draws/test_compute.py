"""compute.run_draw against a second implementation written from docs/draws.md, and its invariants."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.draws import compute


def _words(key: bytes):
    c = 0
    while True:
        h = hashlib.sha256(key + c.to_bytes(8, "big")).hexdigest()
        for i in range(0, 64, 16):
            yield int(h[i : i + 16], 16)
        c += 1


def _below(words, n: int) -> int:
    while True:
        u = next(words)
        if u < (2**64 // n) * n:
            return u % n


def _reference(cands, inspectors, plan, seed):
    """The algorithm as docs/draws.md states it, with plain lists."""
    targets = []
    for tier in plan["tiers"]:
        members = [n for n, c in enumerate(cands) if c.tier == tier["id"]]
        k = math.ceil(len(members) * tier["ratio_bp"] / 10000)
        words = _words(hashlib.sha256(seed + f"tier:{tier['id']}".encode()).digest())
        a = list(range(len(members)))
        for i in range(k):
            j = i + _below(words, len(members) - i)
            a[i], a[j] = a[j], a[i]
        targets += [members[x] for x in a[:k]]
    words = _words(hashlib.sha256(seed + b"inspectors").digest())
    out = []
    for n in targets:
        c = cands[n]
        ok = [
            i.inspector_id
            for i in inspectors
            if not set(i.units) & set(c.units) and i.inspector_id not in c.last
        ]
        if len(ok) < plan["inspectors_per_target"]:
            return None
        chosen = []
        while len(chosen) < plan["inspectors_per_target"]:
            pick = inspectors[_below(words, len(inspectors))].inspector_id
            if pick in ok and pick not in chosen:
                chosen.append(pick)
        out.append((c.subject_id, c.tier, chosen))
    return out


@st.composite
def pools(draw):
    n = draw(st.integers(1, 40))
    p = draw(st.integers(1, 8))
    ids = [f"s{i:03d}" for i in range(n)]
    ins = [f"i{k}" for k in range(p)]
    cands = [
        compute.Candidate(
            ids[i],
            draw(st.sampled_from(["a", "b", "c"])),
            (ids[i],),
            tuple(sorted(draw(st.sets(st.sampled_from(ins), max_size=2)))),
        )
        for i in range(n)
    ]
    inspectors = [
        compute.Inspector(k, tuple(sorted(draw(st.sets(st.sampled_from(ids), max_size=3))))) for k in ins
    ]
    plan = {
        "tiers": [{"id": t, "ratio_bp": draw(st.integers(0, 10000))} for t in ("a", "b", "c")],
        "inspectors_per_target": draw(st.integers(1, 3)),
    }
    return cands, inspectors, plan, draw(st.binary(min_size=32, max_size=32))


@settings(max_examples=150, deadline=None)
@given(pools())
def test_matches_reference_and_keeps_avoidance(pool):
    cands, inspectors, plan, seed = pool
    expected = _reference(cands, inspectors, plan, seed)
    if expected is None:
        with pytest.raises(compute.DrawShortfall):
            compute.run_draw(candidates=cands, inspectors=inspectors, plan=plan, seed=seed)
        return
    got = compute.run_draw(candidates=cands, inspectors=inspectors, plan=plan, seed=seed)
    assert [(s, t, got.assignments[s]) for s, t in got.targets] == expected


def test_pool_text_round_trips_and_refuses_separators():
    cands = [compute.Candidate("s1", "a", ("s1", "c1"), ("i2",))]
    ins = [compute.Inspector("i1", ("s1",)), compute.Inspector("i2", ())]
    text = compute.pool_text(cands, ins)
    assert text == "T\t0\ts1\ta\ts1,c1\ti2\nI\t0\ti1\ts1\nI\t1\ti2\t\n"
    assert compute.parse_pool(text) == (cands, ins)
    with pytest.raises(ValueError):
        compute.pool_text([compute.Candidate("s,1", "a")], [])
    with pytest.raises(ValueError, match="line 2"):
        compute.parse_pool("T\t0\ts1\ta\t\t\nX\n")


def _refusable(cands, inspectors, plan) -> bool:
    """Brute force from docs/draws.md: some subject that may be drawn (its tier's quota > 0) has fewer
    than k inspectors outside its own unit and last time's, or the pool itself is below k."""
    per = plan["inspectors_per_target"]
    quotas = {}
    for tier in plan["tiers"]:
        size = sum(c.tier == tier["id"] for c in cands)
        quotas[tier["id"]] = math.ceil(size * tier["ratio_bp"] / 10000)
    if sum(quotas.values()) == 0:
        return False
    if len(inspectors) < per:
        return True
    for c in cands:
        if quotas.get(c.tier, 0) == 0:
            continue
        ok = [i for i in inspectors if not set(i.units) & set(c.units) and i.inspector_id not in c.last]
        if len(ok) < per:
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(pools())
def test_feasibility_is_known_before_the_seed(pool):
    """Without a cap, the commit-time check refuses exactly the pools a brute force refuses, and a pool
    it accepts never fails at the run, whatever the seed (the reference implementation draws it)."""
    cands, inspectors, plan, seed = pool
    problems = compute.feasibility(cands, inspectors, plan)
    assert bool(problems) == _refusable(cands, inspectors, plan)
    if not problems:
        assert _reference(cands, inspectors, plan, seed) is not None
