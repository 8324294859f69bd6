"""Issue 9, defect 4: login throttling that nobody can turn into a lock-out, and no name oracle.

The probe: five wrong passwords locked a user (the right password then also got 429) while an
unknown name kept answering 401; 200 attempts over different names were all answered.
Expected waits are written out by hand from the table in accounts/throttle.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.accounts import service, throttle
from xinyong.accounts.service import AccountError

NOW = dt.datetime(2026, 11, 30, 12, 0, 0)
PASSWORD = "correct-horse-42"
ATTACKER, USER_IP = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def db(sqlite_engine):
    from sqlalchemy.orm import Session

    with Session(sqlite_engine) as s:
        service.create_user(s, username="bank1", role="bank", password=PASSWORD)
        s.commit()
        yield s


def attempt(db, username, password, client, at):
    """(status, message, retry_after); 200 for a login."""
    try:
        service.authenticate(db, username=username, password=password, client=client, now=at)
        return 200, "", None
    except AccountError as exc:
        return exc.status, exc.message, exc.retry_after
    finally:
        db.commit()


def test_waits_double_from_the_fourth_failure_of_a_pair():
    assert [throttle.delay_after("pair", n) for n in range(1, 9)] == [0, 0, 0, 1, 2, 4, 8, 16]
    assert throttle.delay_after("pair", 40) == 15 * 60
    assert [throttle.delay_after("account", n) for n in (10, 11, 12, 15, 16, 100)] == [0, 1, 2, 16, 30, 30]
    assert [throttle.delay_after("client", n) for n in (10, 11, 21)] == [0, 1, 15 * 60]


def test_known_and_unknown_names_get_identical_answers_all_the_way(db):
    """Same statuses, messages and waits, attempt by attempt, for an existing and a made-up name."""

    def run(name: str, client: str) -> list:
        return [
            attempt(db, name, "wrong-guess-1", client, NOW + dt.timedelta(seconds=i * 0.25)) for i in range(8)
        ]

    known, unknown = run("bank1", "192.0.2.1"), run("nobody-here", "192.0.2.2")
    assert known == unknown
    # the 4th failure asks for 1 s (until +1.75 s): attempts at +1.0, +1.25, +1.5 wait, +1.75 may try
    assert [a[0] for a in known] == [401, 401, 401, 401, 429, 429, 429, 401]
    assert [a[2] for a in known[4:7]] == [1, 1, 1]


def test_attacker_cannot_lock_out_the_real_user(db):
    # the attacker hammers bank1 from its own address for an hour-long stretch of attempts
    at = NOW
    for n in range(1, 13):  # each time the moment it is allowed to try again
        status, _, wait = attempt(db, "bank1", "wrong-guess-1", ATTACKER, at)
        assert status == 401
        last, at = at, at + dt.timedelta(seconds=throttle.delay_after("pair", n) or 1)
    at = last + dt.timedelta(seconds=1)
    status, _, wait = attempt(db, "bank1", "wrong-guess-1", ATTACKER, at)
    assert status == 429 and wait == 2**8 - 1  # the attacker's own pair is slowed down hard
    # the real user, from their own address, waits at most the account-wide cap, then gets in
    status, _, wait = attempt(db, "bank1", PASSWORD, USER_IP, at)
    assert status in (200, 429)
    if status == 429:
        assert wait <= 30
        status, _, _ = attempt(db, "bank1", PASSWORD, USER_IP, at + dt.timedelta(seconds=wait))
    assert status == 200


def test_one_client_cannot_try_many_names(db):
    answers = [attempt(db, f"name{i:03d}", "pw-guess-123", ATTACKER, NOW) for i in range(14)]
    assert [a[0] for a in answers[:11]] == [401] * 11  # ten free failures; the 11th asks for 1 s
    assert answers[11][0] == 429 and answers[11][2] == 1
    assert all(a[0] == 429 for a in answers[12:])
    # another client is not affected
    assert attempt(db, "bank1", PASSWORD, USER_IP, NOW)[0] == 200


def test_counters_are_forgotten_and_success_clears_them(db):
    for i in range(5):
        attempt(db, "bank1", "wrong-guess-1", USER_IP, NOW + dt.timedelta(seconds=i * 10))
    later = NOW + dt.timedelta(hours=2)
    assert attempt(db, "bank1", "wrong-guess-1", USER_IP, later)[0] == 401  # counting starts afresh
    assert attempt(db, "bank1", PASSWORD, USER_IP, later + dt.timedelta(seconds=1))[0] == 200
    for i in range(3):  # after a success the three free failures are free again
        assert attempt(db, "bank1", "wrong-guess-1", USER_IP, later + dt.timedelta(seconds=2 + i))[0] == 401


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["pair", "client", "account"]), st.integers(min_value=0, max_value=500))
def test_wait_never_shrinks_and_stays_capped(kind, failures):
    free, cap = throttle.RULES[kind]
    a, b = throttle.delay_after(kind, failures), throttle.delay_after(kind, failures + 1)
    assert 0 <= a <= b <= cap
    assert (a == 0) == (failures <= free)


def test_http_login_answers_429_with_retry_after_alike_for_unknown_names(app):
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    with Session(app.state.engine) as s:
        service.create_user(s, username="bank2", role="bank", password=PASSWORD)
        now = service.utcnow()
        # eight failures each from the test client: 16 s for each pair, 32 s for the client (16 failures)
        for name in ("bank2", "ghost-user"):
            for _ in range(8):
                throttle.record_failure(s, username=name, client="testclient", now=now)
        s.commit()
    client = TestClient(app)
    answers = [
        client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        for name in ("bank2", "ghost-user")
    ]
    assert [r.status_code for r in answers] == [429, 429]  # even the right password must wait
    assert answers[0].json() == answers[1].json() or (
        answers[0].json()["detail"].split("retry in")[0] == answers[1].json()["detail"].split("retry in")[0]
    )
    assert 16 < int(answers[0].headers["retry-after"]) <= 32 and "retry in" in answers[0].json()["detail"]
    # the real user elsewhere is not held back: eight account-wide failures are within the free ten
    other = TestClient(app, client=("198.51.100.20", 50000))
    assert (
        other.post("/api/v1/auth/token", json={"username": "bank2", "password": PASSWORD}).status_code == 200
    )
