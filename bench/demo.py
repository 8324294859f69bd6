"""Demo build at benchmark scale: `python bench/demo.py [--subjects 100000] [--stores sqlite,postgresql]`.

Baseline (same run): generating the same subjects and records in memory without writing them.
The ratio says how much of the build is the store and the ingest pipeline (validation, dedup,
provenance, transparency log) rather than the generator. Results go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from xinyong.demo.generator import DemoConfig
from xinyong.demo.records import RecordMaker
from xinyong.demo.service import all_subjects, build_demo
from xinyong.programmes.service import load_programmes


def generate_only(config: DemoConfig) -> tuple[int, int, float]:
    started = time.perf_counter()
    total, subjects = all_subjects(load_programmes(), config)
    makers: dict[str, RecordMaker] = {}
    n_subjects = n_records = 0
    for s in subjects:
        maker = makers.setdefault(s.district_code, RecordMaker(config, s.district_code, s.district_name))
        n_subjects += 1
        n_records += sum(1 for _ in maker.records(s))
    return n_subjects, n_records, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--chunk", type=int, default=20_000)
    args = parser.parse_args()
    config = DemoConfig(subjects=args.subjects)
    print(f"machine: {platform.machine()}, python {platform.python_version()}, subjects {args.subjects:,}")
    subjects, records, base = generate_only(config)
    print(
        f"baseline generate only: {subjects:,} subjects, {records:,} records in {base:.1f}s "
        f"({records / base:,.0f} records/s)"
    )
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            server = None
            if store == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            else:
                from xinyong.store.pgserver import start_server

                server = start_server()
                url = server.create_database("demo_bench")
            try:
                report = build_demo(url=url, config=config, chunk=args.chunk)
            finally:
                if server is not None:
                    server.stop()
        print(
            f"{store}: {report.subjects:,} subjects, {report.records:,} records, {report.batches} batches in "
            f"{report.seconds:.1f}s ({report.records / report.seconds:,.0f} records/s); "
            f"ratio to generate-only {base / report.seconds:.2f}"
        )


if __name__ == "__main__":
    main()
