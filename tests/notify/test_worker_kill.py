"""Kill a real `xinyong worker` process (SIGKILL) while a webhook is in flight: nothing is lost,
the inbox gets the event once, and the webhook is sent again with the same webhook-id."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from helpers.notify_world import Receiver, make_users
from xinyong.notify import emit, service
from xinyong.notify.models import Delivery, InboxItem
from xinyong.notify.worker import run_once
from xinyong.settings import Settings
from xinyong.store.db import session_scope

SRC = Path(__file__).resolve().parents[2] / "src"


def worker_process(db_url: str, tmp_path: Path, *args: str) -> subprocess.Popen:
    env = os.environ | {
        "PYTHONPATH": str(SRC),
        "XINYONG_DATABASE_URL": db_url,
        "XINYONG_DATA_DIR": str(tmp_path),
        "XINYONG_WORKER_LEASE": "2",
        "XINYONG_WORKER_INTERVAL": "0.2",
    }
    script = Path(sys.executable).parent / "xinyong"
    return subprocess.Popen(
        [sys.executable, str(script), "worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_mid_delivery_loses_nothing_and_inbox_gets_it_once(db_url, engine, tmp_path):
    gate = threading.Event()
    r = Receiver(gate=gate).start()
    proc = None
    try:
        (user,) = make_users(engine, ("officer-k", "district_officer", "120101", None))
        with session_scope(engine) as s:
            ep = service.add_endpoint(s, url=r.url, actor="test", timeout_seconds=20)
            secret = ep.secret
            emit(
                s, kind="alert.raised", payload={"title_zh": "预警"}, user_ids=[user], district_code="120101"
            )
        proc = worker_process(db_url, tmp_path)
        assert r.arrived.wait(45), "the worker never sent the webhook"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with session_scope(engine) as s:
            assert s.scalar(select(func.count()).select_from(InboxItem)) == 1
            d = s.scalars(select(Delivery)).one()
            assert d.status == "pending" and d.delivered_at is None  # the outcome was never recorded
        gate.set()  # the receiver answers a connection nobody listens to any more
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the lease (2 s) runs out; then another worker takes over
            if run_once(engine, settings=Settings())["delivered"]:
                break
            time.sleep(0.2)
        with session_scope(engine) as s:
            assert s.scalars(select(Delivery)).one().status == "delivered"
            assert s.scalar(select(func.count()).select_from(InboxItem)) == 1
        assert len(r.hits) == 2
        assert r.hits[0].headers["webhook-id"] == r.hits[1].headers["webhook-id"]
        for hit in r.hits:
            Webhook(secret).verify(hit.body, hit.headers)
        assert run_once(engine, now=dt.datetime.now(dt.UTC).replace(tzinfo=None), settings=Settings()) == {
            "events": 0,
            "delivered": 0,
            "failed": 0,
            "dead": 0,
            "disabled": 0,
        }
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        r.stop()
