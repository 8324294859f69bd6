"""Done when: an ingested serious penalty on a whitelisted firm produces an inbox alert, an e-mail
(to a real aiosmtpd server) and a signed webhook (verified with standardwebhooks) within one minute,
with a real `xinyong worker` process running. Polls; no fixed sleeps decide the outcome."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from alerts_world import heping_whitelist, ingest_penalty
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from helpers.notify_world import make_users
from xinyong.alerts import service
from xinyong.notify import service as notify
from xinyong.notify.models import InboxItem
from xinyong.store.db import session_scope

SRC = Path(__file__).resolve().parents[2] / "src"
DEADLINE = 50.0  # seconds, from the ingestion to the last of the three channels


def test_serious_penalty_on_whitelisted_firm_reaches_inbox_mail_and_webhook(
    db_url, engine, tmp_path, smtp, receiver
):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    (officer,) = make_users(engine, ("officer-e2e", "district_officer", "120101", None))
    _, firm = ingest_penalty(engine, 1, "警告", now)  # the firm exists; a warning fires nothing
    with session_scope(engine) as s:
        notify.set_contact(s, user_id=officer, email="officer@heping.example")
        secret = notify.add_endpoint(
            s, url=receiver.url, actor="t", district_code="120101", kinds=["alert."]
        ).secret
        heping_whitelist(s, officer, [firm], actor="t")
    env = os.environ | {
        "PYTHONPATH": str(SRC),
        "XINYONG_DATABASE_URL": db_url,
        "XINYONG_DATA_DIR": str(tmp_path),
        "XINYONG_SMTP_HOST": "127.0.0.1",
        "XINYONG_SMTP_PORT": str(smtp.port),
        "XINYONG_WORKER_INTERVAL": "0.5",
    }
    proc = subprocess.Popen(
        [sys.executable, str(Path(sys.executable).parent / "xinyong"), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        banner = proc.stdout.readline().decode()  # "worker started …": the worker is running
        assert "worker started" in banner, proc.stderr.read().decode()[-2000:]
        started = time.monotonic()
        ingest_penalty(engine, 2, "吊销营业执照", dt.datetime.now(dt.UTC).replace(tzinfo=None))
        inbox = mail = hook = None
        while time.monotonic() - started < DEADLINE and not (inbox and mail and hook):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            with session_scope(engine) as s:
                inbox = (
                    inbox
                    or s.scalars(
                        select(InboxItem).where(
                            InboxItem.user_id == officer, InboxItem.kind == "alert.raised"
                        )
                    ).first()
                )
            mail = mail or next((m for m in smtp.messages if "信用风险预警" in str(m["Subject"])), None)
            hook = hook or next((h for h in receiver.hits), None)
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert inbox is not None and "新增严重行政处罚" in inbox.title_zh, (
            f"no inbox alert after {elapsed:.1f}s"
        )
        assert mail is not None and mail["To"] == "officer@heping.example", f"no e-mail after {elapsed:.1f}s"
        assert hook is not None, f"no webhook after {elapsed:.1f}s"
        doc = Webhook(secret).verify(
            hook.body, hook.headers
        )  # raises unless signed with the endpoint's secret
        assert doc["type"] == "alert.raised" and doc["data"]["subject_id"] == firm
        assert doc["data"]["payload"]["rule_id"] == "serious_penalty"
        assert elapsed < 60
        print(f"end-to-end: inbox, e-mail and signed webhook {elapsed:.1f} s after ingestion")
        with session_scope(engine) as s:
            assert service.open_suspension(s, "heping_white", firm) is not None
    finally:
        proc.kill()
        proc.wait(10)
