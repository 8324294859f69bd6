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

The database is built once with `xinyong demo build --subjects N` and reused while it holds at
least N subjects.
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

WRK_SCRIPT = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", "/c/" .. ids[math.random(#ids)])
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


def ensure_db(path: Path, subjects: int) -> str:
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
    print(f"building the demo database with {subjects:,} subjects (xinyong demo build) …", flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xinyong.cli", "demo", "build", "--subjects", str(subjects), "--url", url],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"built in {time.perf_counter() - t0:,.0f} s")
    return url


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
    cmd = [sys.executable, "-m", "uvicorn", "xinyong.app:create_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
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
    out = subprocess.run([sys.executable, str(gen), base, str(paths_file), str(connections), str(duration), "7"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    lat = sorted(data["lat"])
    return Figures(name, len(lat), data["seconds"], statistics.median(lat) * 1000,
                   lat[int(0.99 * (len(lat) - 1))] * 1000, data["errors"])


# --------------------------------------------------------------------------- report


def report(base: Figures, card: Figures, args: argparse.Namespace, subjects: int, tool: str) -> str:
    ratio = card.rps / base.rps
    ok_tp, ok_p99 = ratio >= 0.5, card.p99_ms <= 50
    lines = [
        f"## Public card lookup (bench/lookup.py) — {dt.date.today().isoformat()}",
        "",
        f"{platform.node() or 'machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite; "
        f"{subjects:,} subjects; uvicorn × {args.workers} workers; load: {tool}, {args.connections} connections, "
        f"{args.duration} s per endpoint, loopback, load generator on the same 2 cores.",
        "",
        "| endpoint | requests | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in (base, card):
        lines.append(f"| `{f.name}` | {f.requests:,} | {f.rps:,.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {f.errors} |")
    lines += [
        "",
        f"Card / baseline throughput: **{ratio:.2f}** (target ≥ 0.5: {'met' if ok_tp else 'NOT met'}); "
        f"card p99 **{card.p99_ms:.1f} ms** (target ≤ 50 ms: {'met' if ok_p99 else 'NOT met'}); "
        f"p50 ratio {card.p50_ms / base.p50_ms:.2f}.",
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
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--duration", type=int, default=20, help="seconds per endpoint (bounded)")
    ap.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--write-results", action="store_true", help="replace this benchmark's section of RESULTS.md")
    args = ap.parse_args()

    url = ensure_db(args.db, args.subjects)
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
                script = tmp / "card.lua"
                script.write_text(WRK_SCRIPT % {"ids": tmp / "ids.txt", "seed": args.seed})
                base = run_wrk("GET /healthz", f"{base_url}/healthz", args.connections, args.duration, None)
                card = run_wrk("GET /c/{id}", base_url, args.connections, args.duration, script)
            else:
                base = run_python("GET /healthz", base_url, ["/healthz"], args.connections, args.duration, tmp)
                card = run_python("GET /c/{id}", base_url, [f"/c/{i}" for i in ids], args.connections,
                                  args.duration, tmp)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = report(base, card, args, subjects, args.tool)
    print()
    print(text)
    if base.errors or card.errors:
        raise SystemExit(f"errors during the run: healthz {base.errors}, card {card.errors}")
    if args.write_results:
        write_results(text)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
