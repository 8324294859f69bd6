"""Ingest benchmark: N generated 双公示 penalty rows through the full pipeline vs plain executemany.

    .venv/bin/python bench/ingest.py [--records 1000000] [--pg/--no-pg] [--subjects N] [--reimport]
                                     [--corrections/--no-corrections]

For each store (SQLite file, and a throwaway PostgreSQL from xinyong.store.pgserver):
  pipeline   `ingest_file` end to end on a fresh database: read the CSV, normalise, validate (USCC
             check characters, dates, enums, amounts, required fields), hash, deduplicate, upsert
             subjects, insert records, append one transparency-log leaf per record, commit.
  baseline   the same record rows (read back from the pipeline's database) inserted with plain
             `executemany` into the same table layout on a fresh database, then commit — the cost of
             just writing the rows. Subjects and the batch row are loaded first, untimed (foreign keys).
  ratio      pipeline records/s ÷ baseline records/s (target ≥ 0.5).
  corrected  (--corrections, default on) re-import the same N rows into the pipeline's database with
             every tenth row corrected (another fine): 10% corrections (a new version, a copy of
             version 1, the record row updated, a `record.corrected` leaf each) and 90% duplicates;
             records/s over all N rows, and its ratio to the same executemany baseline.
On PostgreSQL the pipeline writes with COPY; the baseline is executemany as the issue defines it,
and a COPY baseline of the same rows is printed beside it for honesty.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from xinyong.ingest import service
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade
from xinyong.subjects.identifiers import make_uscc

HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1(统一社会信用代码)",
    "法定代表人",
    "处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
]
DISTRICTS = [
    "120101",
    "120102",
    "120103",
    "120104",
    "120105",
    "120106",
    "120110",
    "120111",
    "120112",
    "120113",
    "120114",
    "120115",
    "120116",
    "120117",
    "120118",
    "120119",
]
TYPES = ["警告", "罚款", "警告;罚款", "没收违法所得;罚款", "责令停产停业", "吊销许可证"]
FACTS = [
    "经营超过保质期的食品",
    "未按规定公示营业执照",
    "发布虚假广告",
    "销售不合格产品",
    "未取得许可从事经营活动",
]
RECORD_COLUMNS = service.RECORD_COLUMNS


def generate(path: Path, n: int, subjects: int, correct_every: int = 0) -> None:
    """Deterministic 双公示 2.0 penalty rows (Chinese headers), as a department exports them; with
    `correct_every` k, every k-th row carries a corrected fine (same 文号, other content)."""
    codes = [make_uscc(f"91{DISTRICTS[i % 16]}MA{i:07d}") for i in range(subjects)]
    authority = make_uscc("11120000MB0000000")
    start = dt.date(2019, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for i in range(n):
            s = i % subjects
            day = start + dt.timedelta(days=i % 1800)
            fine = (i % 50) * 1000 + (500 if correct_every and i % correct_every == 0 else 0)
            w.writerow(
                [
                    f"天津市某某商贸有限公司{s}",
                    "法人及非法人组织",
                    codes[s],
                    "张三",
                    f"津市监罚〔{day.year}〕{i}号",
                    "违反《食品安全法》",
                    FACTS[i % 5],
                    "《中华人民共和国食品安全法》第一百二十四条",
                    TYPES[i % 6],
                    f"罚款人民币{fine}元",
                    f"{fine / 10000:.2f}",
                    f"{day.year}/{day.month}/{day.day}",
                    "",
                    "",
                    "天津市市场监督管理委员会",
                    authority,
                    "天津市市场监督管理委员会",
                ]
            )


@contextmanager
def timed_ledger():
    """Measure the time spent inside the transparency-log append (part of the pipeline)."""
    from xinyong.ledger import service as ledger

    original = ledger.append_events
    spent = [0.0]

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    ledger.append_events = wrapper
    try:
        yield spent
    finally:
        ledger.append_events = original


def run_pipeline(url: str, path: Path) -> tuple[float, float, service.BatchResult]:
    upgrade(url)
    engine = make_engine(url)
    with timed_ledger() as spent:
        t = time.perf_counter()
        result = service.ingest_file(engine=engine, path=path, source="bench")
        elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed, spent[0], result


def rows_of(url: str) -> tuple[list[tuple], list[tuple], list[str], tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        cols = ", ".join(RECORD_COLUMNS)
        records = [tuple(r) for r in conn.exec_driver_sql(f"SELECT {cols} FROM records").all()]
        # the baseline inserts them in file order (the n in 津市监罚〔YYYY〕n号 is the row index)
        records.sort(key=lambda r: int(r[4].split("〕")[1].rstrip("号")))
        subj_cols = [
            c
            for c in (
                "id",
                "kind",
                "name",
                "uscc",
                "division_code",
                "district_code",
                "legal_rep",
                "attributes",
                "source",
                "first_seen",
                "last_seen",
            )
        ]
        subjects = [
            tuple(r) for r in conn.exec_driver_sql(f"SELECT {', '.join(subj_cols)} FROM subjects").all()
        ]
        batch = tuple(
            conn.exec_driver_sql(
                "SELECT id, source, read, accepted, duplicates, rejected, unknown_columns, started_at FROM ingest_batches"
            ).one()
        )
    engine.dispose()
    return records, subjects, subj_cols, batch


def _json_text(value: object) -> object:
    import json

    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def run_baseline(
    url: str,
    records: list[tuple],
    subjects: list[tuple],
    subj_cols: list[str],
    batch: tuple,
    copy: bool = False,
    tuned: bool = False,
) -> float:
    """Plain executemany (or COPY) of the rows in file order; `tuned`: in id order with the pipeline's
    SQLite bulk page cache, i.e. the insert exactly as the pipeline does it (validation cost isolated)."""
    upgrade(url)
    engine = make_engine(url)
    records = [
        tuple(_json_text(v) for v in r) for r in records
    ]  # JSON columns as text, as the driver takes them
    with engine.begin() as conn:  # untimed: what the records refer to
        marks = ", ".join(["%s" if engine.dialect.name == "postgresql" else "?"] * len(subj_cols))
        conn.exec_driver_sql(
            f"INSERT INTO subjects ({', '.join(subj_cols)}) VALUES ({marks})",
            [tuple(_json_text(v) for v in s) for s in subjects],
        )
        conn.exec_driver_sql(
            "INSERT INTO ingest_batches (id, source, read, accepted, duplicates, rejected, unknown_columns, started_at) "
            + (
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                if engine.dialect.name == "postgresql"
                else "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            [tuple(_json_text(v) for v in batch)],
        )
    cols = ", ".join(RECORD_COLUMNS)
    if tuned:
        records = sorted(records)
    t = time.perf_counter()
    with engine.begin() as conn:
        if tuned and engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA cache_size={service.SQLITE_BULK_CACHE_KIB}")
        if engine.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            if copy:
                with raw.cursor().copy(f"COPY records ({cols}) FROM STDIN") as cp:
                    for r in records:
                        cp.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(RECORD_COLUMNS))
                raw.cursor().executemany(f"INSERT INTO records ({cols}) VALUES ({marks})", records)
        else:
            marks = ", ".join(["?"] * len(RECORD_COLUMNS))
            conn.connection.driver_connection.executemany(
                f"INSERT INTO records ({cols}) VALUES ({marks})", records
            )
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed


def report(store: str, n: int, pipe: float, ledger: float, base: float, extra: str = "") -> None:
    pr, br = n / pipe, n / base
    print(
        f"{store:<10} pipeline {pr:>9,.0f} rec/s ({pipe:6.1f} s; transparency log {ledger:5.1f} s) | "
        f"executemany baseline {br:>9,.0f} rec/s ({base:6.1f} s) | ratio {pr / br:.2f}{extra}",
        flush=True,
    )


def main() -> None:
    # A SIGTERM (timeout, kill) still runs the clean-up below: the PostgreSQL server and temp files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--subjects", type=int, default=None, help="distinct subjects (default records / 10)")
    ap.add_argument("--pg", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument(
        "--reimport", action="store_true", help="also time re-importing the same file (all duplicates)"
    )
    ap.add_argument(
        "--corrections",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time re-importing the rows with 10%% of them corrected",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="interleaved runs per store; the best of each is reported"
    )
    args = ap.parse_args()
    n = args.records
    work = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    try:
        path = work / "penalties.csv"
        t = time.perf_counter()
        generate(path, n, args.subjects or max(1, n // 10))
        fixed = work / "penalties-corrected.csv"
        if args.corrections:
            generate(fixed, n, args.subjects or max(1, n // 10), correct_every=10)
        print(
            f"# {dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · {n:,} records "
            f"({path.stat().st_size / 1e6:.0f} MB CSV, generated in {time.perf_counter() - t:.1f} s)",
            flush=True,
        )
        stores = [("sqlite", lambda name: f"sqlite:///{work / name}.db")] if args.sqlite else []
        server = None
        if args.pg:
            from xinyong.store.pgserver import start_server

            server = start_server()
            stores.append(("postgresql", lambda name: server.create_database(name)))
        try:
            for store, make_url in stores:
                # Interleaved repeats, best of each: the machine is shared, so a slow moment should not
                # land on one side of the ratio only.
                pipes, bases, copies, tuned, urls = [], [], [], [], []
                for k in range(args.repeat):
                    pipe_url = make_url(f"pipeline{k}")
                    urls.append(pipe_url)
                    pipes.append(run_pipeline(pipe_url, path))
                    assert pipes[-1][2].accepted == n, pipes[-1][2].summary()
                    data = rows_of(pipe_url)
                    bases.append(run_baseline(make_url(f"baseline{k}"), *data))
                    if store == "postgresql":
                        copies.append(run_baseline(make_url(f"copy{k}"), *data, copy=True))
                    else:
                        tuned.append(run_baseline(make_url(f"tuned{k}"), *data, tuned=True))
                pipe, ledger, result = min(pipes, key=lambda p: p[0])
                base = min(bases)
                if copies:
                    copy = min(copies)
                    extra = f" | COPY baseline {n / copy:,.0f} rec/s ({copy:.1f} s), ratio to it {copy / pipe:.2f}"
                else:
                    best = min(tuned)
                    extra = (
                        f" | id-ordered bulk-cache executemany {n / best:,.0f} rec/s ({best:.1f} s), "
                        f"ratio to it {best / pipe:.2f}"
                    )
                report(store, n, pipe, ledger, base, extra)
                if args.corrections:
                    best = min(range(len(pipes)), key=lambda k: pipes[k][0])
                    engine = make_engine(urls[best])
                    with timed_ledger() as spent:
                        t = time.perf_counter()
                        fix = service.ingest_file(engine=engine, path=fixed, source="bench")
                        took = time.perf_counter() - t
                    engine.dispose()
                    assert (fix.corrected, fix.duplicates, fix.accepted) == (
                        -(-n // 10),
                        n - -(-n // 10),
                        0,
                    ), fix.summary()
                    print(
                        f"{store:<10} corrected  {n / took:>9,.0f} rec/s ({took:6.1f} s; transparency log "
                        f"{spent[0]:5.1f} s; {fix.corrected:,} corrected, {fix.duplicates:,} duplicates) | "
                        f"ratio to executemany baseline {(n / took) / (n / base):.2f}",
                        flush=True,
                    )
                if args.reimport:
                    engine = make_engine(pipe_url)
                    t = time.perf_counter()
                    again = service.ingest_file(engine=engine, path=path, source="bench")
                    print(
                        f"{store:<10} re-import: {again.duplicates:,} duplicates, {again.accepted} new, "
                        f"{time.perf_counter() - t:.1f} s",
                        flush=True,
                    )
                    engine.dispose()
        finally:
            if server:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
