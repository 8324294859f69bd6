"""Issue 9, defect 1: card + search traffic together must not stall the server.

The probe that found it: 50 connections on /api/v1/public/search?q=天津&limit=50 plus 20 on a card
for 10 s — the card never answered and /healthz timed out for minutes, because the card handler was
`async` and waited for a pooled database connection on the event loop. Here the same mix runs for
a few seconds against a real uvicorn on loopback with a deliberately tiny pool (2 connections,
0.5 s checkout timeout), so the pool is the bottleneck for sure: /healthz must answer every probe
promptly, the card must keep answering (200, or a fast 503 when no connection is free), nothing
may be a 500 or a transport error, and the server is fine afterwards.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from hardening_live import LiveServer, seed_subjects

from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade

DURATION = 4.0
SEARCHERS, CARDS = 24, 4


def _hammer(url: str, stop: threading.Event, out: list) -> None:
    with httpx.Client(timeout=15) as client:
        while not stop.is_set():
            start = time.monotonic()
            try:
                r = client.get(url)
                out.append((r.status_code, time.monotonic() - start, r.text[:300]))
            except httpx.HTTPError as exc:  # a stalled server shows up here as a timeout
                out.append((None, time.monotonic() - start, repr(exc)))


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_card_and_healthz_answer_under_mixed_search_load(store, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}" if store == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(url)
    engine = make_engine(url)
    ids = seed_subjects(engine, 3000)
    engine.dispose()
    env = {
        "XINYONG_DB_POOL_SIZE": "2",
        "XINYONG_DB_POOL_OVERFLOW": "0",
        "XINYONG_DB_POOL_TIMEOUT": "0.5",
        "XINYONG_PUBLIC_SEARCH_RATE": "1000000",
    }  # the search rate limit is not what is tested here
    with LiveServer(url, tmp_path, **env) as srv:
        stop = threading.Event()
        search, card, health = [], [], []
        threads = [
            threading.Thread(
                target=_hammer, args=(f"{srv.base}/api/v1/public/search?q=天津&limit=50", stop, search)
            )
            for _ in range(SEARCHERS)
        ] + [
            threading.Thread(target=_hammer, args=(f"{srv.base}/c/{ids[7]}", stop, card))
            for _ in range(CARDS)
        ]
        for t in threads:
            t.start()
        time.sleep(0.5)  # let the searches fill the pool first
        until = time.monotonic() + DURATION  # the load runs this long once every thread has started
        with httpx.Client(timeout=15) as probe:
            while time.monotonic() < until:
                start = time.monotonic()
                try:
                    health.append(
                        (probe.get(f"{srv.base}/healthz").status_code, time.monotonic() - start, "")
                    )
                except httpx.HTTPError as exc:
                    health.append((None, time.monotonic() - start, repr(exc)))
                time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(30)
        after = httpx.get(f"{srv.base}/c/{ids[7]}", timeout=10)

    for name, rows in (("search", search), ("card", card), ("healthz", health)):
        bad = [r for r in rows if r[0] not in (200, 503)]
        assert not bad, f"{name}: {bad[:3]}"
    assert health and all(code == 200 and took < 2.0 for code, took, _ in health), max(
        t for _, t, _ in health
    )
    assert sum(code == 200 for code, _, _ in card) >= 5, card[:5]
    assert max(took for _, took, _ in card) < 5.0
    for code, _, body in search + card:
        if code == 503:  # a fast, explained refusal, not a hang
            assert "retry" in body and "稍后重试" in body
    assert after.status_code == 200 and "天津负载测试00007有限公司" in after.text


def test_exhausted_pool_is_one_fast_503_with_a_bilingual_body(tmp_path, monkeypatch):
    """No free connection within XINYONG_DB_POOL_TIMEOUT: that request gets 503 + Retry-After at
    once (not after 30 s); once the connection is back the same request is a 200."""
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    from xinyong.settings import Settings

    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    engine = make_engine(url)
    ids = seed_subjects(engine, 3)
    engine.dispose()
    monkeypatch.setenv("XINYONG_DB_POOL_SIZE", "1")
    monkeypatch.setenv("XINYONG_DB_POOL_OVERFLOW", "0")
    monkeypatch.setenv("XINYONG_DB_POOL_TIMEOUT", "0.2")
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        held = app.state.engine.connect()  # the only connection of the pool
        start = time.monotonic()
        busy = client.get(f"/c/{ids[0]}")
        took = time.monotonic() - start
        held.close()
        ok = client.get(f"/c/{ids[0]}")
    app.state.engine.dispose()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json()["detail"]["zh"] == "服务繁忙，请稍后重试" and "retry" in busy.json()["detail"]["en"]
    assert took < 2.0
    assert ok.status_code == 200
