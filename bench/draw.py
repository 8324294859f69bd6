"""Benchmark: a stratified 5 % draw from 1,000,000 subjects with 5,000 inspectors and avoidance.

Times `xinyong.draws.compute.run_draw` (targets per tier by the SHA-256 sampler, then two inspectors per
target with own-unit and last-inspector avoidance) beside a plain `random.sample` of the same number of
targets from the same population, in the same run; prints the ratio (target ≤ 20× and < 5 s, issue 12).
Also times building the numbered pool snapshot and its SHA-256 (the commit step).

    PYTHONPATH=src python bench/draw.py [--subjects 1000000] [--inspectors 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time

from xinyong.draws import compute

TIERS = [("good", 500), ("watch", 500), ("dishonest", 500), ("ungraded", 500)]  # 5 % in every stratum


def build(n: int, p: int) -> tuple[list[compute.Candidate], list[compute.Inspector], dict]:
    """Synthetic pool, deterministic: tiers 60/25/5/10 %; every inspector tied to 2 subjects (own unit);
    every 10th subject has 2 last-time inspectors; every 20th sits in a carrier (its parent)."""
    weights = [60, 25, 5, 10]
    tier_of = [t for (t, _), w in zip(TIERS, weights, strict=True) for _ in range(w)]
    cands = []
    for i in range(n):
        sid = f"s{i:07d}"
        units = (sid, f"c{i // 20:06d}") if i % 20 == 0 else (sid,)
        last = (f"i{(i * 7) % p:05d}", f"i{(i * 13 + 1) % p:05d}") if i % 10 == 0 else ()
        cands.append(compute.Candidate(sid, tier_of[i % 100], units, last))
    inspectors = [
        compute.Inspector(f"i{k:05d}", (f"s{(k * 197) % n:07d}", f"c{(k * 31) % (n // 20):06d}"))
        for k in range(p)
    ]
    plan = {"tiers": [{"id": t, "ratio_bp": bp} for t, bp in TIERS], "inspectors_per_target": 2}
    return cands, inspectors, plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cands, inspectors, plan = build(args.subjects, args.inspectors)
    seed = hashlib.sha256(b"bench").digest()
    k = sum(compute.quota(sum(1 for c in cands if c.tier == t), bp) for t, bp in TIERS)
    population = range(args.subjects)

    t0 = time.perf_counter()
    text = compute.pool_text(cands, inspectors)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    snapshot_s = time.perf_counter() - t0

    tier_ids = [t for t, _ in TIERS]
    draw_s, full_s, base_s = [], [], []
    for r in range(args.repeat):
        t0 = time.perf_counter()
        random.Random(r).sample(population, k)
        base_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        members = compute.strata(cands, tier_ids)
        t1 = time.perf_counter()
        result = compute.run_draw(
            candidates=cands, inspectors=inspectors, plan=plan, seed=seed, members=members
        )
        t2 = time.perf_counter()
        draw_s.append(t2 - t1)
        full_s.append(t2 - t0)
    assert len(result.targets) == k and all(len(v) == 2 for v in result.assignments.values())
    best_draw, best_full, best_base = min(draw_s), min(full_s), min(base_s)
    print(
        f"subjects {args.subjects:,}  inspectors {args.inspectors:,}  targets {k:,} (5 % per tier, 2 inspectors each)"
    )
    print(f"pool snapshot + SHA-256: {snapshot_s:.2f} s ({len(text) / 1e6:.1f} MB, {digest[:16]}…)")
    print(f"random.sample baseline:  {best_base * 1000:.1f} ms (best of {args.repeat})")
    print(
        f"verifiable draw:         {best_draw * 1000:.1f} ms (best of {args.repeat}), targets + inspectors with avoidance"
    )
    print(
        f"  with stratification:   {best_full * 1000:.1f} ms (grouping the pool by tier, once per snapshot)"
    )
    print(
        f"ratio draw / random.sample: {best_draw / best_base:.1f}x; with stratification {best_full / best_base:.1f}x"
    )
    print("target: ≤ 20x and < 5 s")


if __name__ == "__main__":
    main()
