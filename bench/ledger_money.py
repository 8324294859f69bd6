"""Books benchmark: 1,000,000 postings (village points and medical charges mixed, 10 % retries) through
`books.post_many`, beside plain `executemany` of the same posting rows into a bare table, on SQLite and
PostgreSQL; and a balance read at 1 M postings.

    PYTHONPATH=src python bench/ledger_money.py [--postings 1000000] [--batch 5000] [--stores sqlite,postgresql]

Prints postings/s, the baseline rows/s measured in the same run, their ratio (target ≥ 0.3) and the
median balance read (target < 5 ms). For SQLite (in-process) it also prints the ratio of CPU seconds, which a
shared machine's load does not distort. Figures go to bench/RESULTS.md with the date and `uptime`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, insert, select

from xinyong.books import service as books
from xinyong.books.models import BookAccount
from xinyong.books.service import PostRequest
from xinyong.store.db import make_engine, session_scope
from xinyong.store.migrate import upgrade

VILLAGERS, VILLAGES, PATIENTS, HOSPITALS = 2_000, 100, 2_000, 10


def setup(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        for v in range(VILLAGES):
            books.open_account(s, code=f"issue:{v}", unit="points", domain="bench", floor=None)
        for i in range(VILLAGERS):
            books.open_account(s, code=f"villager:{i}", unit="points", domain="bench", floor=0)
        for h in range(HOSPITALS):
            books.open_account(s, code=f"hospital:{h}", unit="fen", domain="bench", floor=None)
        for p in range(PATIENTS):  # large lines: charges are rarely refused, as in a healthy scheme
            books.open_account(s, code=f"line:{p}", unit="fen", domain="bench", floor=-(10**12))


def requests(postings: int, seed: int = 7) -> list[PostRequest]:
    """postings/2 new two-leg transactions plus 10 % retries of earlier ones, shuffled into order."""
    rng = random.Random(seed)
    fresh = []
    for n in range(postings // 2):
        if n % 2 == 0:
            i = rng.randrange(VILLAGERS)
            pts = rng.choice([3, 5, 8, 10])
            legs = ((f"issue:{i % VILLAGES}", -pts), (f"villager:{i}", pts))
            fresh.append(PostRequest(f"p{n}", legs, "points.award", "bench"))
        else:
            p = rng.randrange(PATIENTS)
            fen = rng.randrange(500, 50_000)
            legs = ((f"line:{p}", -fen), (f"hospital:{p % HOSPITALS}", fen))
            fresh.append(PostRequest(f"c{n}", legs, "medical.charge", "bench"))
    out: list[PostRequest] = []
    for n, req in enumerate(fresh):
        out.append(req)
        if n % 10 == 9:  # a retry of a recent request (same key, same content)
            out.append(fresh[rng.randrange(max(0, n - 2000), n + 1)])
    return out


def run_books(engine, reqs: list[PostRequest], batch: int) -> tuple[float, float, int, int]:  # noqa: ANN001
    """Wall seconds, this process's CPU seconds, transactions applied, replays."""
    t0, c0 = time.perf_counter(), time.process_time()
    applied = replayed = 0
    for i in range(0, len(reqs), batch):
        with session_scope(engine) as s:
            for r in books.post_many(s, reqs[i : i + batch]):
                if isinstance(r, books.Posted):
                    replayed += r.replayed
                    applied += not r.replayed
    return time.perf_counter() - t0, time.process_time() - c0, applied, replayed


def run_baseline(engine, reqs: list[PostRequest], batch: int) -> tuple[float, float, int]:  # noqa: ANN001
    """The same posting rows (transaction number, account id, amount), executemany into a bare table."""
    meta = MetaData()
    table = Table(
        "bench_plain_postings",
        meta,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("transaction_id", Integer),
        Column("account_id", Integer),
        Column("amount", BigInteger),
    )
    meta.create_all(engine)
    with session_scope(engine) as s:
        ids = dict(s.execute(select(BookAccount.code, BookAccount.id)).all())
    seen: set[str] = set()
    rows = []
    for n, r in enumerate(reqs):
        if r.idempotency_key in seen:
            continue
        seen.add(r.idempotency_key)
        rows += [{"transaction_id": n, "account_id": ids[c], "amount": a} for c, a in r.legs]
    per = batch * 2
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(rows), per):
        with engine.begin() as conn:
            conn.execute(insert(table), rows[i : i + per])
    return time.perf_counter() - t0, time.process_time() - c0, len(rows)


def balance_read(engine, samples: int = 1000) -> float:  # noqa: ANN001
    times = []
    with session_scope(engine) as s:
        for i in range(samples):
            t0 = time.perf_counter()
            books.balance(s, f"villager:{i % VILLAGERS}")
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--postings", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--stores", default="sqlite,postgresql")
    args = ap.parse_args()
    reqs = requests(args.postings)
    print(f"requests {len(reqs):,} ({len(reqs) - args.postings // 2:,} retries), batch {args.batch:,}")
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            server = None
            if store == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'books.db'}"
            else:
                from xinyong.store.pgserver import start_server

                server = start_server()
                url = server.create_database("books_bench")
            try:
                upgrade(url)
                engine = make_engine(url)
                setup(engine)
                secs, cpu, applied, replayed = run_books(engine, reqs, args.batch)
                with session_scope(engine) as s:
                    postings = books.check(s)
                base_secs, base_cpu, base_rows = run_baseline(engine, reqs, args.batch)
                read_ms = balance_read(engine)
                engine.dispose()
            finally:
                if server is not None:
                    server.stop()
        n_post = applied * 2
        rate, base_rate = n_post / secs, base_rows / base_secs
        print(
            f"{store}: {n_post:,} postings ({applied:,} transactions, {replayed:,} replays) in {secs:.1f}s = "
            f"{rate:,.0f} postings/s; plain executemany {base_rows:,} rows in {base_secs:.1f}s = {base_rate:,.0f}/s; "
            f"ratio {rate / base_rate:.2f} (target >= 0.3); balance read median {read_ms:.3f} ms (target < 5 ms); "
            f"check {postings}"
        )
        if store == "sqlite":  # in-process store: CPU seconds compare without the machine's load
            print(
                f"  sqlite CPU seconds: books {cpu:.2f}, baseline {base_cpu:.2f}; CPU ratio {base_cpu / cpu * n_post / base_rows:.2f}"
            )


if __name__ == "__main__":
    main()
