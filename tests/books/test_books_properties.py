"""Property tests (hypothesis): any sequence of writes — good, bad, replayed, conflicting, and the same
request sent by several threads at once — leaves every transaction balanced, no balance below its
floor, every checkpoint equal to the re-derived sum, and balances equal to an independent model.

Each example works in its own accounts (a fresh prefix), so one migrated store serves all examples.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.books import service as books
from xinyong.books.service import BooksError, PostRequest
from xinyong.store.db import session_scope

ACCOUNTS = ["a", "b", "c"]  # floor 0; "src" has no floor
KEYS = [f"k{i}" for i in range(6)]  # few keys, so replays and conflicts are frequent

amounts = st.one_of(st.integers(min_value=1, max_value=60), st.sampled_from([0, -5, 2.5]))
op = st.tuples(
    st.sampled_from(KEYS),
    st.sampled_from(["src", *ACCOUNTS]),
    st.sampled_from(ACCOUNTS),
    amounts,
    st.integers(min_value=1, max_value=3),  # how many threads send this request at once
)


class Model:
    """The rules written out again, independently: key → content, balances, floors."""

    def __init__(self) -> None:
        self.bal = {"src": 0, **dict.fromkeys(ACCOUNTS, 0)}
        self.seen: dict[str, tuple] = {}

    def apply(self, key: str, frm: str, to: str, amount) -> None:  # noqa: ANN001
        content = (frm, to, amount)
        if key in self.seen:
            return  # replay (same content) or conflict (other content): no change either way
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0 or frm == to:
            return  # refused: nothing recorded, the key stays free
        # a negative amount is a balanced transfer the other way round
        debit, credit, amt = (frm, to, amount) if amount > 0 else (to, frm, -amount)
        if debit != "src" and self.bal[debit] - amt < 0:
            return
        self.bal[debit] -= amt
        self.bal[credit] += amt
        self.seen[key] = content


def _run_example(engine, ops) -> None:  # noqa: ANN001
    p = uuid.uuid4().hex[:8]
    with session_scope(engine) as s:
        books.open_account(s, code=f"{p}:src", unit="points", domain="t", floor=None)
        for a in ACCOUNTS:
            books.open_account(s, code=f"{p}:{a}", unit="points", domain="t", floor=0)
    model = Model()
    for key, frm, to, amount, copies in ops:
        req = PostRequest(
            idempotency_key=f"{p}:{key}",
            legs=((f"{p}:{frm}", -amount if not isinstance(amount, str) else amount), (f"{p}:{to}", amount)),
            kind="transfer",
            actor="prop",
        )

        def send(_i: int, req: PostRequest = req) -> object:
            try:
                return books.run(engine, lambda s: books.post(s, req))
            except BooksError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=copies) as pool:
            results = list(pool.map(send, range(copies)))
        applied = [r for r in results if isinstance(r, books.Posted) and not r.replayed]
        assert len(applied) <= 1, "the same request was applied twice"
        if applied:  # every parallel copy answers the first result, none is refused
            assert all(
                isinstance(r, books.Posted) and r.transaction_id == applied[0].transaction_id for r in results
            )
        model.apply(key, frm, to, amount)
    with session_scope(engine) as s:
        got = books.balances(s, [f"{p}:{a}" for a in ["src", *ACCOUNTS]])
        assert {k.split(":")[1]: v for k, v in got.items()} == model.bal
        result = books.check(s)
    assert result["unbalanced"] == 0
    assert result["below_floor"] == 0
    assert result["mismatched_balances"] == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, max_size=12))
def test_any_sequence_keeps_the_books_sound_sqlite(sqlite_engine, ops):
    _run_example(sqlite_engine, ops)


@pytest.mark.pg
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, max_size=10))
def test_any_sequence_keeps_the_books_sound_postgresql(pg_engine, ops):
    _run_example(pg_engine, ops)


@pytest.fixture
def pg_engine(pg_url):
    from xinyong.store.db import make_engine
    from xinyong.store.migrate import upgrade

    upgrade(pg_url)
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()
