"""Soak: bounded mixed traffic against a real server on loopback (`make soak`, issue 9).

Starts `xinyong serve --workers N` on a fresh store (SQLite by default, or --database-url for
PostgreSQL) seeded with --subjects enterprises and three logins, then for --seconds runs, from
threads in this process: public cards, public searches, officer archive reads and department
ingests (one small CSV per push). Prints per kind: requests, req/s, p50, p99, errors, and the
server's resident memory at start and end. Exit 1 when any request failed (5xx or transport error).

    python bench/soak.py --seconds 60 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes (MB)."""
    total = 0
    pids = [pid] + [
        int(p)
        for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _seed(url: str, n: int) -> tuple[list[str], dict[str, str]]:
    from xinyong.accounts import service as accounts
    from xinyong.store.db import make_engine, session_scope
    from xinyong.store.migrate import upgrade
    from xinyong.subjects.models import Subject

    upgrade(url)
    engine = make_engine(url)
    when = dt.datetime(2025, 1, 1)
    ids = [f"SOAK-{i:06d}" for i in range(n)]
    with session_scope(engine) as s:
        s.add_all(
            [
                Subject(
                    id=sid,
                    kind="enterprise",
                    source="市场监管委",
                    first_seen=when,
                    last_seen=when,
                    attributes={},
                    name=f"天津压测{i:06d}有限公司",
                    district_code="120101",
                    legal_rep="张三",
                    industry="零售",
                )
                for i, sid in enumerate(ids)
            ]
        )
    keys = {}
    with session_scope(engine) as s:
        for name, spec in {
            "officer": dict(role="district_officer", district_code="120101"),
            "dept": dict(role="department", kinds=["penalty"], sources=["压测推送"]),
        }.items():
            user = accounts.create_user(s, username=name, **spec)
            keys[name] = accounts.issue_api_key(s, user=user, name="soak")[0]
    engine.dispose()
    return ids, keys


def _penalty_csv(seq: int) -> bytes:
    from xinyong.subjects.identifiers import make_uscc

    row = {
        "行政相对人名称": f"天津压测推送{seq}有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc(f"91120101MA{seq:07d}"[:17]),
        "法定代表人": "张三",
        "处罚决定书文号": f"津压测罚〔2026〕{seq}号",
        "违法行为类型": "违反《食品安全法》",
        "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告",
        "处罚内容": "警告",
        "处罚决定日期": "2026/5/1",
        "处罚机关": "天津市和平区市场监督管理局",
        "处罚机关统一社会信用代码": make_uscc("11120101MB1234567"),
        "数据来源单位": "天津市和平区市场监督管理局",
    }
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(row))
    w.writeheader()
    w.writerow(row)
    return out.getvalue().encode("utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--subjects", type=int, default=20000)
    ap.add_argument("--database-url", default=None, help="an empty store (default: a temporary SQLite file)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="xinyong-soak-"))
    url = args.database_url or f"sqlite:///{tmp / 'soak.db'}"
    ids, keys = _seed(url, args.subjects)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "XINYONG_DATABASE_URL": url,
        "XINYONG_DATA_DIR": str(tmp),
        "PYTHONPATH": str(REPO / "src"),
        "XINYONG_PUBLIC_SEARCH_RATE": "100000000",
    }  # one load generator address
    server = subprocess.Popen(
        [sys.executable, "-m", "xinyong.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        for _ in range(20):  # warm every worker
            httpx.get(f"{base}/c/{ids[0]}", timeout=10)
        rss_start = _rss_mb(server.pid)
        results: dict[str, list[tuple[float, bool]]] = {
            k: [] for k in ("card", "search", "archive", "ingest")
        }
        stop = threading.Event()
        seq = iter(range(1, 10**9))
        lock = threading.Lock()

        def loop(kind: str) -> None:
            rnd = random.Random()
            officer = {"Authorization": f"Bearer {keys['officer']}"}
            dept = {"Authorization": f"Bearer {keys['dept']}"}
            with httpx.Client(base_url=base, timeout=30) as c:
                while not stop.is_set():
                    start = time.perf_counter()
                    try:
                        if kind == "card":
                            r = c.get(f"/c/{rnd.choice(ids)}")
                        elif kind == "search":
                            r = c.get(
                                "/api/v1/public/search",
                                params={"q": f"压测{rnd.randrange(100):02d}", "limit": 20},
                            )
                        elif kind == "archive":
                            r = c.get(f"/api/v1/subjects/{rnd.choice(ids)}/archive", headers=officer)
                        else:
                            with lock:
                                n = next(seq)
                            r = c.post(
                                "/api/v1/ingest",
                                headers=dept,
                                data={"source": "压测推送"},
                                files={"file": (f"p{n}.csv", _penalty_csv(n), "text/csv")},
                            )
                            time.sleep(0.5)
                        ok = r.status_code < 500 and r.status_code not in (401, 403, 422)
                    except httpx.HTTPError:
                        ok = False
                    results[kind].append((time.perf_counter() - start, ok))

        mix = ["card"] * 8 + ["search"] * 4 + ["archive"] * 2 + ["ingest"]
        threads = [threading.Thread(target=loop, args=(k,)) for k in mix]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.perf_counter() - t0
        rss_end = _rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    load = os.getloadavg()
    print(
        f"soak {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {args.seconds:.0f} s · workers {args.workers} · "
        f"{args.subjects} subjects · {url.split(':')[0]} · loadavg {load[0]:.1f}"
    )
    print(f"{'kind':8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    failed = 0
    for kind, rows in results.items():
        times = sorted(t for t, _ in rows)
        errors = sum(not ok for _, ok in rows)
        failed += errors
        if not times:
            print(f"{kind:8} {0:>9}")
            continue
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"{kind:8} {len(rows):>9} {len(rows) / elapsed:>8.1f} {statistics.median(times) * 1000:>8.1f} "
            f"{p99 * 1000:>8.1f} {errors:>7}"
        )
    print(f"server memory (all workers): start {rss_start:.0f} MB, end {rss_end:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
