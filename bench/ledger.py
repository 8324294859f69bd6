"""Transparency-log benchmark: bulk append and proof latency at 1,000,000 leaves (SQLite).

Appends N leaves through the real store path (`ledger.service.append_events` in session
transactions, as ingest calls it) and prints leaves/s beside the same run's raw
``hashlib.sha256`` rate over the same leaf bytes (target >= 0.3), then the median time of an
inclusion proof and of a consistency proof at N leaves (target < 2 ms each).

    .venv/bin/python bench/ledger.py [--leaves 1000000] [--batch 50000] [--pg] [--write-results]

--pg runs the same on a throwaway PostgreSQL server (COPY path) instead of SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import os
import platform
import pstats
import random
import statistics
import tempfile
import time
from pathlib import Path

from xinyong.ledger import merkle, service
from xinyong.store.db import make_engine, session_scope
from xinyong.store.migrate import upgrade

AT = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)
RESULTS = Path(__file__).parent / "RESULTS.md"


def events(n: int) -> list[dict[str, object]]:
    """Events shaped like ingest's record.collected ones (sha256 ids, Chinese source names)."""
    sources = ["市场监管局", "税务局", "人社局", "生态环境局"]
    return [
        {
            "type": "record.collected",
            "record_id": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
            "kind": "penalty",
            "subject_id": f"S{i % 50_000:023d}",
            "batch_id": i // 50_000,
            "source": sources[i % 4],
        }
        for i in range(n)
    ]


def raw_hash_rate(datas: list[bytes]) -> float:
    sha = hashlib.sha256
    best = 0.0
    for _ in range(3):  # best of three: the baseline should not be penalised by noise
        t = time.perf_counter()
        for d in datas:
            sha(d).digest()
        best = max(best, len(datas) / (time.perf_counter() - t))
    return best


def median_ms(fn, samples: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def run(n: int, batch: int, pg: bool = False, profile: bool = False) -> dict[str, float]:
    evs = events(n)
    stamp = service.format_at(AT)
    datas = [service.canonical_event(e, stamp) for e in evs]
    hash_rate = raw_hash_rate(datas)
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if pg:
            from xinyong.store.pgserver import start_server

            server = start_server()
            url = server.create_database("bench_ledger")
        else:
            url = f"sqlite:///{tmp}/ledger.db"
        upgrade(url)
        engine = make_engine(url)
        profiler = cProfile.Profile() if profile else None
        t = time.perf_counter()
        if profiler:
            profiler.enable()
        for start in range(0, n, batch):
            with session_scope(engine) as session:
                service.append_events(session, evs[start : start + batch], at=AT)
        if profiler:
            profiler.disable()
        append_rate = n / (time.perf_counter() - t)
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        rng = random.Random(7)
        with session_scope(engine) as session:
            expected_root = merkle.root_from_leaves(datas)
            assert service.root_at(session, n) == expected_root, "stored tree disagrees with RFC 6962"
            inclusion = median_ms(
                lambda: service.inclusion_proof(session, leaf_index=rng.randrange(n), tree_size_=n), 500
            )

            def consistency() -> None:
                first = rng.randrange(1, n)
                service.consistency_proof(session, first=first, second=n)

            consistency_ms = median_ms(consistency, 500)
        engine.dispose()
        if server is not None:
            server.stop()
    return {
        "store": "PostgreSQL" if pg else "SQLite",
        "leaves": n,
        "load": os.getloadavg()[0],
        "append_rate": append_rate,
        "hash_rate": hash_rate,
        "ratio": append_rate / hash_rate,
        "inclusion_ms": inclusion,
        "consistency_ms": consistency_ms,
    }


def write_results(r: dict, batch: int) -> None:
    begin, end = f"<!-- ledger:{r['store']}:begin -->", f"<!-- ledger:{r['store']}:end -->"
    section = "\n".join(
        [
            begin,
            f"## Ledger (transparency log, {r['store']}) — {dt.date.today().isoformat()}",
            "",
            f"`bench/ledger.py --leaves {r['leaves']} --batch {batch}` on {r['store']}; machine: 2 cores, 24 GiB "
            f"({platform.python_implementation()} {platform.python_version()}); load average "
            f"{r['load']:.1f} at the end of the run (the machine is shared: compare the ratio, not the rates).",
            "",
            "| measure | value | baseline (same run) | ratio / target |",
            "|---|---|---|---|",
            f"| append through `append_events` (serialise, hash, nodes, insert, commit) | "
            f"{r['append_rate']:,.0f} leaves/s | raw `hashlib.sha256` over the same leaf bytes "
            f"{r['hash_rate']:,.0f}/s | {r['ratio']:.3f} (target ≥ 0.3) |",
            f"| inclusion proof at {r['leaves']:,} leaves (median of 500) | {r['inclusion_ms']:.3f} ms | — | "
            "target < 2 ms |",
            f"| consistency proof at {r['leaves']:,} leaves (median of 500) | {r['consistency_ms']:.3f} ms | — | "
            "target < 2 ms |",
            "",
            *(
                ["The append target (≥ 0.3 of bare hashing) is met."]
                if r["ratio"] >= 0.3
                else [
                    f"The append target (≥ 0.3 of bare hashing) is not met ({r['ratio']:.2f}). Storage is one row per",
                    "256 leaves (pages of leaf hashes, offsets and data), one node row per 256 leaves and one",
                    "record-index row per bucket per append, so rows no longer dominate; what is left per leaf",
                    "is CPython work of the same order as one SHA-256 each — the leaf hash itself (≈ 1× the",
                    "baseline), the RFC 6962 interior hashes (≈ 1 per leaf), serialisation (one orjson call per",
                    "batch, then a cut and a splice per leaf), the record key, and the store writing ≈ 240 bytes",
                    "per leaf (commit + WAL checkpoint). See the phase table below for where the time goes.",
                ]
            ),
            *(
                [
                    "Proofs: one `UNION ALL` query (stored nodes, the one or two leaf-hash pages the lower",
                    "subtrees are recomputed from, and the last page for the tree size), then the signed head.",
                ]
                if r["store"] == "SQLite"
                else [
                    "Proofs: two round trips (one `UNION ALL` for nodes, pages and the tree size; one for the",
                    "signed head(s)), down from four.",
                ]
            ),
            end,
        ]
    )
    text = RESULTS.read_text(encoding="utf-8")
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (throwaway server) instead of SQLite")
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the append loop (top 20 by own time)"
    )
    args = parser.parse_args()
    r = run(args.leaves, args.batch, pg=args.pg, profile=args.profile)
    print(f"append:      {r['append_rate']:>12,.0f} leaves/s")
    print(f"raw sha256:  {r['hash_rate']:>12,.0f} hashes/s over the same leaf bytes")
    print(f"ratio:       {r['ratio']:>12.3f}   (target >= 0.3)")
    print(f"inclusion:   {r['inclusion_ms']:>12.3f} ms median at {r['leaves']:,} leaves (target < 2 ms)")
    print(f"consistency: {r['consistency_ms']:>12.3f} ms median at {r['leaves']:,} leaves (target < 2 ms)")
    if args.write_results:
        write_results(r, args.batch)


if __name__ == "__main__":
    main()
