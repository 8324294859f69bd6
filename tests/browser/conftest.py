"""Browser fixtures: a small demo database served by uvicorn on a free loopback port, and Debian's
chromium driven by Playwright (never `playwright install`: no browser downloads here)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.live import served
from helpers.provision import require_or_skip

CHROMIUM = os.environ.get("XINYONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
    """The demo app served by uvicorn in a thread (helpers.live.served)."""
    from xinyong.app import create_app
    from xinyong.settings import Settings

    with served(create_app(Settings(database_url=demo_url))) as base:
        yield base


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
