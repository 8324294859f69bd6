"""A real server for the hardening tests: `xinyong serve` (uvicorn) in a child process on loopback.

Load, fault and fuzz findings are about the real server (event loop, thread pool, connection pool,
process death), which the in-process TestClient does not have.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`with LiveServer(url, env) as srv:` → srv.base is http://127.0.0.1:<port>; srv.kill() sends SIGKILL."""

    def __init__(self, database_url: str, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = (
            os.environ
            | {
                "XINYONG_DATABASE_URL": database_url,
                "XINYONG_DATA_DIR": str(data_dir),
                "XINYONG_SECRET_KEY": "live-test-secret",
                "PYTHONPATH": str(REPO / "src"),
            }
            | env
        )
        self.log = data_dir / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> LiveServer:  # a loaded 2-core CI box needs 30 s+ to import
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xinyong.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no rollback by the process itself."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def seed_subjects(engine, n: int, district: str = "120101") -> list[str]:  # noqa: ANN001
    """`n` public enterprises named 天津…有限公司 (so `q=天津` matches all of them); their ids."""
    from helpers.rows import subject_row
    from xinyong.store.db import session_scope

    when = dt.datetime(2025, 1, 1)
    ids = [f"LOAD-{i:05d}" for i in range(n)]
    with session_scope(engine) as s:
        s.add_all(
            [
                subject_row(
                    sid,
                    seen=when,
                    name=f"天津负载测试{i:05d}有限公司",
                    district=district,
                    source="市场监管委",
                    legal_rep="张三",
                    industry="零售",
                )
                for i, sid in enumerate(ids)
            ]
        )
    return ids
