"""Browser fixtures: a small demo database served by uvicorn on a free loopback port, and Debian's
chromium driven by Playwright (never `playwright install`: no browser downloads here)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("XINYONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_or_skip(part: str, reason: str) -> None:
    """The root conftest's require_or_skip (loaded by path: tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_root_conftest", Path(__file__).parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.require_or_skip(part, reason)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """The demo database at a fifth of the pilot roster sizes, with the demo logins (built once per
    test process; the browser modules share it)."""
    from xinyong.accounts.service import seed_demo_users
    from xinyong.store.db import make_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "demo", "build", "--url", url, "--scale", "0.2"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    engine = make_engine(url)
    seed_demo_users(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def live_server(demo_url) -> Iterator[str]:
    """uvicorn in a thread. The socket is bound and listening before the thread starts, so the
    first request simply waits in the backlog: no polling for readiness."""
    import uvicorn

    from xinyong.app import create_app
    from xinyong.settings import Settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    app = create_app(Settings(database_url=demo_url))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        require_or_skip("browser", f"no chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "unavailable"
            require_or_skip("browser", f"chromium did not start: {exc}")
        yield b
        b.close()
