"""Public-card lookup benchmark (一扫可查): random subjects' cards at 1,000,000 subjects.

Starts the real server (uvicorn, N workers) on a free loopback port against the demo database
scaled to `--subjects` subjects, then drives it from a second process at 50 concurrent
connections: first `GET /healthz` of the same app (the baseline), then `GET /c/{id}` of random
subjects the public may see. Prints p50 / p99 latency and requests/s of both and the ratios.
Targets: card throughput >= 0.5 x baseline, card p99 <= 50 ms.

Load tool: Debian's `wrk` (a Lua script picks a random id per request) when it is installed,
otherwise a bounded asyncio + httpx generator in a child process (`--tool python`).
Every run is bounded in time (`--duration`) and talks to 127.0.0.1 only.

    .venv/bin/python bench/lookup.py [--subjects 1000000] [--db var/bench/lookup-1m.db]
        [--workers 2] [--connections 50] [--duration 20] [--tool wrk|python] [--write-results]

The database is built once and reused while it holds at least N subjects. `xinyong demo build
--subjects 1000000` needs about 25 minutes on an idle 2-core machine (over an hour when shared), so
by default (`--base 100000`) the benchmark builds a demo database of 100,000 subjects with the real
command and then bulk-copies it in SQL (`bulk_scale`): each copy gives every generic subject a new
id (pilot rosters are not copied), no USCC / ID number (those are unique), and a copy of its
records with new ids. The cards then have the same shape and record mix as the demo's.
`--base 0` builds the whole database with `xinyong demo build`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from xinyong.disclosure.policy import PUBLIC, subject_filter
from xinyong.store.db import make_engine
from xinyong.subjects.models import Subject

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "RESULTS.md"
BEGIN, END = "<!-- lookup:begin -->", "<!-- lookup:end -->"
ID_SAMPLE = 20_000
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"  # copy k's ids start with 'c' + DIGITS[k]: 24 chars

WRK_SCRIPT = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
math.randomseed(%(seed)d)
local n = 0
request = function()
  n = n + 1
  local i = %(sequential)s and ((n - 1) %% #ids) + 1 or math.random(#ids)
  return wrk.format("GET", "/c/" .. ids[i])
end
"""


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def ensure_db(path: Path, subjects: int, base: int) -> str:
    url = f"sqlite:///{path}"
    if path.exists():
        engine = make_engine(url)
        with engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(Subject)).scalar_one()
        engine.dispose()
        if have >= subjects:
            print(f"database: {path} ({have:,} subjects, reused)")
            return url
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    first = base if 0 < base < subjects else subjects
    print(f"building the demo database with {first:,} subjects (xinyong demo build) …", flush=True)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "demo", "build", "--subjects", str(first), "--url", url],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"built in {time.perf_counter() - t0:,.0f} s")
    if first < subjects:
        bulk_scale(path, subjects)
    return url


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def bulk_scale(path: Path, subjects: int) -> None:
    """Grow the demo database to `subjects` by copying its generic (non-pilot) subjects and their
    records in SQL, copy k getting ids 'c' + DIGITS[k] + … (still 24 characters)."""
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    have = db.execute("SELECT count(*) FROM subjects").fetchone()[0]
    generic = db.execute(
        "SELECT count(*) FROM subjects WHERE pilot IS NULL AND kind != 'carrier'"
    ).fetchone()[0]
    if generic == 0:
        raise SystemExit("the base database has no generic subjects to copy; build it with --subjects")
    override = {
        "subjects": {
            "id": "'c' || substr(:digits, :k + 1, 1) || substr(id, 3)",
            "uscc": "NULL",
            "id_number": "NULL",
            "local_code": "NULL",
            "parent_id": "NULL",
        },
        "records": {
            "id": "substr(id, 1, 60) || printf('x%03d', :k)",
            "content_id": "substr(content_id, 1, 60) || printf('x%03d', :k)",
            "subject_id": "'c' || substr(:digits, :k + 1, 1) || substr(subject_id, 3)",
            "source_record_id": "source_record_id || '#c' || :k",
        },
    }
    cols = {t: _columns(db, t) for t in override}
    select_sql = {t: ", ".join(override[t].get(c, c) for c in cols[t]) for t in override}
    k = 0
    while have < subjects:
        k += 1
        if k >= len(DIGITS):
            raise SystemExit(f"--base too small for {subjects:,} subjects: at most {len(DIGITS) - 1} copies")
        take = min(generic, subjects - have)
        with db:
            db.execute(
                "CREATE TEMP TABLE pick AS SELECT id FROM subjects WHERE pilot IS NULL AND kind != 'carrier' "
                "AND id LIKE 's%' ORDER BY id LIMIT :n",
                {"n": take},
            )
            db.execute(
                f"INSERT INTO subjects ({', '.join(cols['subjects'])}) SELECT {select_sql['subjects']} "
                "FROM subjects WHERE id IN (SELECT id FROM pick)",
                {"k": k, "digits": DIGITS},
            )
            db.execute(
                f"INSERT INTO records ({', '.join(cols['records'])}) SELECT {select_sql['records']} "
                "FROM records WHERE subject_id IN (SELECT id FROM pick)",
                {"k": k, "digits": DIGITS},
            )
            db.execute("DROP TABLE pick")
        have += take
        print(f"  bulk copy {k}: {have:,} subjects ({time.perf_counter() - t0:,.0f} s)", flush=True)
    db.execute("ANALYZE")
    db.close()


def sample_ids(url: str, n: int, seed: int) -> list[str]:
    """Random subjects the public may look up (persons have no public card)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(select(Subject.id).where(subject_filter(PUBLIC))).scalars())
    engine.dispose()
    random.Random(seed).shuffle(ids)
    print(f"public subjects: {len(ids):,}; sampling {min(n, len(ids)):,} ids")
    return ids[:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, XINYONG_DATABASE_URL=url)
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "xinyong.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a benchmark may poll for its server; tests may not
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


def warm_up(base: str, ids: list[str]) -> None:
    """Fill every worker's caches (catalogue, templates, connections) before measuring."""
    with httpx.Client(base_url=base, timeout=10) as client:
        for sid in ids[:300]:
            r = client.get(f"/c/{sid}")
            if r.status_code != 200:
                raise SystemExit(f"/c/{sid} answered {r.status_code}: {r.text[:200]}")
            client.get("/healthz")


# --------------------------------------------------------------------------- wrk


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(name: str, url: str, connections: int, duration: int, script: Path | None) -> Figures:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    lat = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", out, re.M))
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if "50" not in lat or "99" not in lat or total is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    seconds = float(total.group(2)) * (0.001 if total.group(3) == "ms" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    n_err = int(errors.group(1)) if errors else 0
    n_err += sum(int(x) for x in socket_errors.groups()) if socket_errors else 0
    return Figures(name, int(total.group(1)), seconds, _ms(lat["50"]), _ms(lat["99"]), n_err)


# --------------------------------------------------------------------------- python fallback

LOADGEN = r"""
import asyncio, json, random, sys, time
import httpx

base, paths_file, connections, duration, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
paths = open(paths_file).read().split()
rnd = random.Random(seed)
lat, errors = [], 0

async def worker(client, stop):
    global errors
    while time.perf_counter() < stop:
        t = time.perf_counter()
        r = await client.get(rnd.choice(paths))
        lat.append(time.perf_counter() - t)
        errors += r.status_code != 200

async def main():
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client, start + duration) for _ in range(connections)))
        print(json.dumps({"lat": lat, "errors": errors, "seconds": time.perf_counter() - start}))

asyncio.run(main())
"""


def run_python(name: str, base: str, paths: list[str], connections: int, duration: int, tmp: Path) -> Figures:
    paths_file = tmp / f"{name}.paths"
    paths_file.write_text("\n".join(paths))
    gen = tmp / "loadgen.py"
    gen.write_text(LOADGEN)
    out = subprocess.run(
        [sys.executable, str(gen), base, str(paths_file), str(connections), str(duration), "7"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    lat = sorted(data["lat"])
    return Figures(
        name,
        len(lat),
        data["seconds"],
        statistics.median(lat) * 1000,
        lat[int(0.99 * (len(lat) - 1))] * 1000,
        data["errors"],
    )


# --------------------------------------------------------------------------- report


def report(
    base: Figures, card: Figures, args: argparse.Namespace, subjects: int, tool: str, ratios: list[float]
) -> str:
    ratio = card.rps / base.rps
    ok_tp, ok_p99 = ratio >= 0.5, card.p99_ms <= 50
    lines = [
        f"## Public card lookup (bench/lookup.py) — {dt.date.today().isoformat()}",
        "",
        f"{platform.node() or 'machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite; "
        f"{subjects:,} subjects; uvicorn × {args.workers} workers; load: {tool}, {args.connections} connections, "
        f"{args.duration} s per run, {args.rounds} rounds (healthz then card) after an untimed warm-up pass, "
        "loopback, load generator on the same 2 cores.",
        "",
        "| endpoint | requests | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in (base, card):
        lines.append(
            f"| `{f.name}` | {f.requests:,} | {f.rps:,.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {f.errors} |"
        )
    lines += [
        "",
        f"Card / baseline throughput: **{ratio:.2f}** (target ≥ 0.5: {'met' if ok_tp else 'NOT met'}); "
        f"card p99 **{card.p99_ms:.1f} ms** (target ≤ 50 ms: {'met' if ok_p99 else 'NOT met'}); "
        f"p50 ratio {card.p50_ms / base.p50_ms:.2f}. The table shows the round with the median throughput ratio; "
        f"ratios of all rounds: {', '.join(f'{r:.2f}' for r in ratios)}.",
        "",
        f"Load average {os.getloadavg()[0]:.1f} at the end of the run: other jobs shared the 2 cores, which "
        "inflates every p99 (the baseline's too) and scatters the ratios between rounds.",
    ]
    return "\n".join(lines)


def write_results(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in current:
        current = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(current, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=ROOT / "var" / "bench" / "lookup-1m.db")
    ap.add_argument(
        "--base",
        type=int,
        default=100_000,
        help="subjects built by `xinyong demo build` before bulk copying (0: build all)",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--duration", type=int, default=20, help="seconds per endpoint (bounded)")
    ap.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    ap.add_argument(
        "--rounds", type=int, default=3, help="healthz-then-card rounds; the median-ratio round is reported"
    )
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument(
        "--write-results", action="store_true", help="replace this benchmark's section of RESULTS.md"
    )
    args = ap.parse_args()

    url = ensure_db(args.db, args.subjects, args.base)
    ids = sample_ids(url, ID_SAMPLE, args.seed)
    engine = make_engine(url)
    with engine.connect() as conn:
        subjects = conn.execute(select(func.count()).select_from(Subject)).scalar_one()
    engine.dispose()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers)
    try:
        warm_up(base_url, ids)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            if args.tool == "wrk":
                (tmp / "ids.txt").write_text("\n".join(ids) + "\n")
                script, walk = tmp / "card.lua", tmp / "walk.lua"
                script.write_text(
                    WRK_SCRIPT % {"ids": tmp / "ids.txt", "seed": args.seed, "sequential": "false"}
                )
                walk.write_text(
                    WRK_SCRIPT % {"ids": tmp / "ids.txt", "seed": args.seed, "sequential": "true"}
                )

                def measure(name: str, seconds: int) -> Figures:
                    if name == "healthz":
                        return run_wrk("GET /healthz", f"{base_url}/healthz", args.connections, seconds, None)
                    return run_wrk(
                        "GET /c/{id}", base_url, args.connections, seconds, walk if name == "walk" else script
                    )
            else:
                card_paths = [f"/c/{i}" for i in ids]

                def measure(name: str, seconds: int) -> Figures:
                    if name == "healthz":
                        return run_python(
                            "GET /healthz", base_url, ["/healthz"], args.connections, seconds, tmp
                        )
                    return run_python("GET /c/{id}", base_url, card_paths, args.connections, seconds, tmp)

            # Untimed pass walking the sampled cards in order: a serving database has its hot pages
            # in memory; the first read of a page from disk is not what this measures.
            measure("walk" if args.tool == "wrk" else "card", max(10, args.duration))
            rounds = [
                (measure("healthz", args.duration), measure("card", args.duration))
                for _ in range(args.rounds)
            ]
            for i, (h, c) in enumerate(rounds, 1):
                print(
                    f"round {i}: healthz {h.rps:,.0f} req/s p99 {h.p99_ms:.1f} ms · "
                    f"card {c.rps:,.0f} req/s p99 {c.p99_ms:.1f} ms"
                )
            # Report the round whose card/baseline ratio is the median: the two runs of a round are
            # adjacent in time, so they saw about the same load from anything else on the machine.
            base, card = sorted(rounds, key=lambda r: r[1].rps / r[0].rps)[len(rounds) // 2]
            ratios = [c.rps / h.rps for h, c in rounds]
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = report(base, card, args, subjects, args.tool, ratios)
    print()
    print(text)
    if base.errors or card.errors:
        raise SystemExit(f"errors during the run: healthz {base.errors}, card {card.errors}")
    if args.write_results:
        write_results(text)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
