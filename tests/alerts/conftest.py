from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))

import pytest  # noqa: E402
from notify_world import Receiver, SmtpServer  # noqa: E402


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()
