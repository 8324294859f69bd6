"""The books: balanced, idempotent, floor-checked, append-only — on SQLite and PostgreSQL.

Expected balances are worked out by hand in each test (or by the independent model in
test_properties.py), never by calling the code under test twice.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from xinyong.books import service as books
from xinyong.books.service import (
    AmountError,
    BelowFloorError,
    ConflictError,
    PostRequest,
    UnbalancedError,
)
from xinyong.store.db import session_scope


def _setup(engine):
    with session_scope(engine) as s:
        books.open_account(s, code="issue", unit="points", domain="t", floor=None)
        books.open_account(s, code="alice", unit="points", domain="t", floor=0)
        books.open_account(s, code="bob", unit="points", domain="t", floor=0)
        books.open_account(s, code="line", unit="fen", domain="t", floor=-50_000)
        books.open_account(s, code="hospital", unit="fen", domain="t", floor=None)


def _req(key, legs, kind="t"):
    return PostRequest(idempotency_key=key, legs=tuple(legs), kind=kind, actor="test")


def test_post_replay_conflict_and_floor(engine):
    _setup(engine)
    with session_scope(engine) as s:
        first = books.post(s, _req("k1", [("issue", -100), ("alice", 100)]))
        again = books.post(s, _req("k1", [("alice", 100), ("issue", -100)]))  # same content, other order
        assert again.transaction_id == first.transaction_id and again.replayed and not first.replayed
        with pytest.raises(ConflictError) as conflict:
            books.post(s, _req("k1", [("issue", -101), ("alice", 101)]))
        assert "幂等键" in conflict.value.zh and "different content" in conflict.value.en
        with pytest.raises(BelowFloorError):
            books.post(s, _req("k2", [("alice", -101), ("bob", 101)]))
        books.post(s, _req("k3", [("alice", -100), ("bob", 100)]))
    with session_scope(engine) as s:
        assert books.balances(s, ["issue", "alice", "bob"]) == {"issue": -100, "alice": 0, "bob": 100}
        assert books.check(s) == {
            "transactions": 2,
            "unbalanced": 0,
            "below_floor": 0,
            "mismatched_balances": 0,
        }


def test_credit_line_floor_is_negative(engine):
    _setup(engine)
    with session_scope(engine) as s:
        books.post(s, _req("c1", [("line", -30_000), ("hospital", 30_000)]))
        books.post(s, _req("c2", [("line", -20_000), ("hospital", 20_000)]))  # exactly at the line
        with pytest.raises(BelowFloorError):
            books.post(s, _req("c3", [("line", -1), ("hospital", 1)]))
        assert books.balance(s, "line") == -50_000


@pytest.mark.parametrize("amount", [1.5, -0.5, "3.2", True, None, 2**63])
def test_bad_amounts_are_refused_and_write_nothing(engine, amount):
    _setup(engine)
    with session_scope(engine) as s, pytest.raises(AmountError) as err:
        books.post(s, _req("bad", [("issue", amount), ("alice", amount)]))
    assert err.value.field == "amount" and err.value.zh and err.value.en
    with session_scope(engine) as s:
        assert books.check(s)["transactions"] == 0


def test_unbalanced_and_cross_unit_are_refused(engine):
    _setup(engine)
    with session_scope(engine) as s:
        with pytest.raises(UnbalancedError):
            books.post(s, _req("u1", [("issue", -10), ("alice", 9)]))
        with pytest.raises(UnbalancedError):  # 10 points against 10 fen do not balance
            books.post(s, _req("u2", [("issue", -10), ("hospital", 10)]))
        assert books.check(s)["transactions"] == 0


def test_batch_refuses_one_request_and_keeps_the_others(engine):
    _setup(engine)
    with session_scope(engine) as s:
        out = books.post_many(
            s,
            [
                _req("b1", [("issue", -5), ("alice", 5)]),
                _req("b2", [("alice", -6), ("bob", 6)]),  # alice has 5
                _req("b3", [("alice", -5), ("bob", 5)]),
                _req("b1", [("issue", -5), ("alice", 5)]),  # replay inside the batch
            ],
        )
        assert [type(o).__name__ for o in out] == ["Posted", "BelowFloorError", "Posted", "Posted"]
        assert out[3].replayed and out[3].transaction_id == out[0].transaction_id
        assert books.balances(s, ["alice", "bob"]) == {"alice": 0, "bob": 5}


@pytest.mark.parametrize("table", ["book_postings", "book_transactions"])
def test_postings_cannot_be_updated_or_deleted(engine, table):
    _setup(engine)
    with session_scope(engine) as s:
        books.post(s, _req("k", [("issue", -7), ("alice", 7)]))
    column = "amount = 1000" if table == "book_postings" else "memo = 'x'"
    for sql in (f"UPDATE {table} SET {column}", f"DELETE FROM {table}"):
        with pytest.raises((IntegrityError, DBAPIError)) as err, session_scope(engine) as s:
            s.execute(text(sql))
        assert "append-only" in str(err.value)
    with session_scope(engine) as s:
        assert books.balance(s, "alice") == 7
        assert books.check(s)["mismatched_balances"] == 0


def test_reversal_is_a_new_transaction_once(engine):
    _setup(engine)
    with session_scope(engine) as s:
        t = books.post(s, _req("g", [("issue", -40), ("alice", 40)]))
        r = books.reverse(
            s, transaction_id=t.transaction_id, idempotency_key="g-rev", actor="t", reason="错记"
        )
        assert books.reverse(
            s, transaction_id=t.transaction_id, idempotency_key="g-rev", actor="t", reason="错记"
        ).replayed
        with pytest.raises(ConflictError):
            books.reverse(s, transaction_id=t.transaction_id, idempotency_key="g-rev2", actor="t", reason="x")
        assert r.transaction_id != t.transaction_id
        assert books.balances(s, ["issue", "alice"]) == {"issue": 0, "alice": 0}
        assert books.check(s)["transactions"] == 2


def test_reversal_respects_the_floor(engine):
    _setup(engine)
    with session_scope(engine) as s:
        t = books.post(s, _req("g", [("issue", -40), ("alice", 40)]))
        books.post(s, _req("spend", [("alice", -30), ("bob", 30)]))
        with pytest.raises(BelowFloorError):
            books.reverse(s, transaction_id=t.transaction_id, idempotency_key="g-rev", actor="t", reason="x")


def test_check_finds_tampered_checkpoints_and_unbalanced_rows(engine):
    _setup(engine)
    with session_scope(engine) as s:
        books.post(s, _req("k", [("issue", -7), ("alice", 7)]))
    with session_scope(engine) as s:  # a checkpoint is a cache; a wrong one must be detected
        s.execute(text("UPDATE book_balances SET balance = 8 WHERE account_id = 2"))
        tid = s.execute(text("SELECT id FROM book_transactions")).scalar()
        s.execute(
            text(f"INSERT INTO book_postings (transaction_id, account_id, amount) VALUES ({tid}, 3, -1)")
        )
    with session_scope(engine) as s:
        # alice: derived 7, checkpoint 8 → mismatch; bob: derived -1 < floor 0, checkpoint 0 → both
        assert books.check(s) == {
            "transactions": 1,
            "unbalanced": 1,
            "below_floor": 1,
            "mismatched_balances": 2,
        }


def test_cli_books_check_json(db_url, engine, monkeypatch):
    from typer.testing import CliRunner

    from xinyong.cli import app

    _setup(engine)
    with session_scope(engine) as s:
        books.post(s, _req("k", [("issue", -7), ("alice", 7)]))
    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    from xinyong.settings import get_settings

    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    result = CliRunner().invoke(app, ["books", "check", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "transactions": 1,
        "unbalanced": 0,
        "below_floor": 0,
        "mismatched_balances": 0,
    }


@pytest.mark.parametrize(
    ("text", "fen"), [("123.45", 12_345), ("3", 300), (" 0.01 ", 1), ("100.010", 10_001), ("1e2", 10_000)]
)
def test_parse_yuan_is_exact_fen(text, fen):
    assert books.parse_yuan(text) == fen  # by hand: yuan × 100, no float rounding


@pytest.mark.parametrize("text", ["", "abc", "NaN", "Infinity", "0", "-1", "0.001", "1.239", "1e999999"])
def test_parse_yuan_refuses_with_the_field(text):
    with pytest.raises(AmountError) as err:
        books.parse_yuan(text, "amount_yuan")
    assert err.value.field == "amount_yuan" and err.value.zh and err.value.en


@given(st.integers(min_value=-(2**62) + 1, max_value=2**62 - 1))
def test_yuan_text_is_exact_and_parse_yuan_reads_it_back(fen):
    # independent: Decimal moves the point two places; no integer division involved
    assert books.yuan_text(fen) == format(Decimal(fen).scaleb(-2), "f")
    if fen > 0:
        assert books.parse_yuan(books.yuan_text(fen)) == fen


def test_yuan_text_by_hand():
    assert [books.yuan_text(n) for n in (150_000_005, 7, 100, 0, -250)] == [
        "1500000.05",
        "0.07",
        "1.00",
        "0.00",
        "-2.50",
    ]
