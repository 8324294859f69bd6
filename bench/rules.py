"""One list rule over 1,000,000 subjects' facts: `python bench/rules.py [--subjects 1000000]`.

The rule service's bulk path (`xinyong.rules.service.evaluate_table`: the CEL rule translated to one
DuckDB SQL predicate over an Arrow facts table) against the same predicate written as a Python lambda
over the same facts (column lists zipped row by row) — the baseline, measured in the same run. Both must
give the same answers. Target (issue 12): rules/s ≥ 0.3 × the lambda's. Facts are synthetic with a
fixed seed (numpy; the figures do not depend on the exact values). Results go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pyarrow as pa

from xinyong.rules.service import check_expression, evaluate_table

RULE = (
    'kind == "enterprise" && grade["city_enterprise"] in ["A", "B"] '
    '&& records.negative_serious_3y == 0 && records.penalty_any_1y <= 1 && !("jinnan_expo" in pilots)'
)


def lam(kind, grade, serious, penalties, pilots) -> bool:  # noqa: ANN001 - the baseline predicate
    return (
        kind == "enterprise"
        and grade in ("A", "B")
        and serious == 0
        and penalties <= 1
        and "jinnan_expo" not in pilots
    )


def facts(n: int) -> dict[str, list]:
    rng = np.random.default_rng(12)
    kinds = np.array(["enterprise", "individual_business", "person"])[rng.integers(0, 3, n)]
    grades = np.array(["A", "B", "C", "D", ""])[rng.integers(0, 5, n)]
    serious = rng.poisson(0.1, n)
    penalties = rng.poisson(0.6, n)
    pilot_pool = [[], [], ["jinnan_expo"], ["heping_pilot"], ["heping_pilot", "jinnan_expo"]]
    pilots = [pilot_pool[i] for i in rng.integers(0, len(pilot_pool), n)]
    return {
        "subject_id": [f"S{i:07d}" for i in range(n)],
        "kind": kinds.tolist(),
        "grade[city_enterprise]": grades.tolist(),
        "records.negative_serious_3y": serious.tolist(),
        "records.penalty_any_1y": penalties.tolist(),
        "pilots": pilots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs each")
    args = parser.parse_args()
    n = args.subjects
    cols = facts(n)
    rule = check_expression(RULE)
    table = pa.table(
        {
            "subject_id": pa.array(cols["subject_id"], pa.string()),
            "kind": pa.array(cols["kind"], pa.string()),
            "grade[city_enterprise]": pa.array(cols["grade[city_enterprise]"], pa.string()),
            "records.negative_serious_3y": pa.array(cols["records.negative_serious_3y"], pa.int64()),
            "records.penalty_any_1y": pa.array(cols["records.penalty_any_1y"], pa.int64()),
            "pilots": pa.array(cols["pilots"], pa.list_(pa.string())),
        }
    )
    args_cols = [
        cols["kind"],
        cols["grade[city_enterprise]"],
        cols["records.negative_serious_3y"],
        cols["records.penalty_any_1y"],
        cols["pilots"],
    ]
    lam_times, sql_times = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        expected = [lam(*row) for row in zip(*args_cols, strict=True)]
        lam_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        got = evaluate_table(rule, table).column("result").to_pylist()
        sql_times.append(time.perf_counter() - t)
    assert got == expected, "the rule and the lambda disagree"
    # the reference evaluator (cel) on a sample, for scale
    sample = min(n, 20_000)
    rows = [
        dict(zip(rule.reads, vals, strict=True)) for vals in zip(*(cols[c] for c in rule.reads), strict=True)
    ]
    t = time.perf_counter()
    ref = [rule.run(r) for r in rows[:sample]]
    cel_rate = sample / (time.perf_counter() - t)
    assert ref == expected[:sample]
    lam_rate, sql_rate = n / min(lam_times), n / min(sql_times)
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    print(f"subjects: {n:,}; matches: {sum(expected):,}")
    print(f"python lambda (baseline): {min(lam_times):.3f} s, {lam_rate:,.0f} rules/s")
    print(f"rule service (DuckDB predicate): {min(sql_times):.3f} s, {sql_rate:,.0f} rules/s")
    print(f"reference cel per subject (sample {sample:,}): {cel_rate:,.0f} rules/s")
    print(f"ratio rule service / lambda: {sql_rate / lam_rate:.2f} (target ≥ 0.3)")


if __name__ == "__main__":
    main()
