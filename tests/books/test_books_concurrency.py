"""Real concurrent writers (threads, each its own connection) on PostgreSQL and SQLite: a balance
never goes below its floor (no double spend, never over the line) and a request retried in parallel is
applied exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from xinyong.books import service as books
from xinyong.books.service import BelowFloorError, PostRequest
from xinyong.store.db import session_scope


def test_parallel_spends_never_overdraw(engine):
    with session_scope(engine) as s:
        books.open_account(s, code="src", unit="fen", domain="t", floor=None)
        books.open_account(s, code="line", unit="fen", domain="t", floor=-1_000)  # a 10 CNY line
        books.open_account(s, code="shop", unit="fen", domain="t", floor=None)

    def spend(i: int) -> str:
        req = PostRequest(f"spend-{i}", (("line", -300), ("shop", 300)), "charge", "t")
        try:
            return "ok" if not books.run(engine, lambda s: books.post(s, req)).replayed else "replay"
        except BelowFloorError:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(spend, range(16)))
    # 1,000 fen of line / 300 per charge → exactly 3 charges fit, the other 13 are refused
    assert outcomes.count("ok") == 3 and outcomes.count("refused") == 13
    with session_scope(engine) as s:
        assert books.balance(s, "line") == -900
        assert books.check(s)["below_floor"] == 0


def test_parallel_retries_of_one_request_apply_once(engine):
    with session_scope(engine) as s:
        books.open_account(s, code="src", unit="points", domain="t", floor=None)
        books.open_account(s, code="v", unit="points", domain="t", floor=0)
    req = PostRequest("same-key", (("src", -25), ("v", 25)), "earn", "t")

    def send(_i: int) -> books.Posted:
        return books.run(engine, lambda s: books.post(s, req))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, range(12)))
    assert sum(not r.replayed for r in results) == 1
    assert len({r.transaction_id for r in results}) == 1
    with session_scope(engine) as s:
        assert books.balance(s, "v") == 25
        assert books.check(s)["transactions"] == 1
