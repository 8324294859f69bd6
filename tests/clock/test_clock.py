"""Local time (issue 8 §9): "today" is the date in Asia/Shanghai, not the server's UTC date."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong import clock
from xinyong.settings import Settings

EVENING_UTC = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Beijing


@pytest.mark.parametrize(
    ("utc", "beijing_day"),
    [
        ((2026, 11, 30, 15, 59, 59), dt.date(2026, 11, 30)),  # 23:59:59 in Beijing
        ((2026, 11, 30, 16, 0, 0), dt.date(2026, 12, 1)),  # midnight in Beijing (UTC+8, no DST)
        ((2026, 11, 30, 17, 0, 0), dt.date(2026, 12, 1)),
        ((2026, 12, 31, 16, 0, 0), dt.date(2027, 1, 1)),
    ],
)
def test_today_is_the_date_in_shanghai(utc, beijing_day):
    at = dt.datetime(*utc, tzinfo=dt.UTC)
    assert clock.today(at) == beijing_day
    assert clock.today(at, tz="UTC") == at.date()


def test_the_zone_is_a_setting(monkeypatch):
    assert Settings.from_env().timezone == "Asia/Shanghai"
    monkeypatch.setenv("XINYONG_TIMEZONE", "UTC")
    assert Settings.from_env().timezone == "UTC"
    assert clock.today(EVENING_UTC) == dt.date(2026, 11, 30)
    monkeypatch.setenv("XINYONG_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="未知时区"):
        clock.today(EVENING_UTC)


def test_instants_are_shown_in_beijing_time():
    naive_utc = dt.datetime(2026, 11, 30, 17, 5)  # as DateTime columns store instants
    assert clock.local_text(naive_utc) == "2026-12-01 01:05"
    assert clock.local_text(None) == ""
    assert clock.local_text("2026-11-30T16:30:00.000000Z") == "2026-12-01 00:30"  # the log's spelling
    assert clock.to_local(EVENING_UTC).utcoffset() == dt.timedelta(hours=8)
    # The first instant of a local day, to filter stored instants by a date people chose.
    assert clock.day_start_utc(dt.date(2026, 12, 1)) == dt.datetime(2026, 11, 30, 16, 0)


def test_default_as_of_dates_follow_the_local_date(monkeypatch):
    from xinyong.archive.web import parse_date
    from xinyong.evaluation.api import parse_day

    monkeypatch.setattr(clock, "now", lambda: EVENING_UTC)
    assert parse_date(None) == dt.date(2026, 12, 1)
    assert parse_day("") == dt.date(2026, 12, 1)
    assert parse_date("2026-11-30") == dt.date(2026, 11, 30)  # an explicit date is kept as given


def test_no_server_date_defaults_are_left_in_src_or_tests():
    """Every "today" goes through xinyong.clock (grep, as the issue asks), in the tests too: a test that
    took `dt.date.today()` (UTC here) against a route's Beijing today failed every day after 16:00 UTC."""
    from pathlib import Path

    import xinyong

    root = Path(xinyong.__file__).parent
    tests = Path(__file__).resolve().parents[1]
    files = [
        *root.rglob("*.py"),
        *(p for p in tests.rglob("*.py") if p.resolve() != Path(__file__).resolve()),
    ]
    offenders = [
        f"{path}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today()" in line or "datetime.now()" in line or ".UTC).date()" in line  # UTC's calendar day
    ]
    assert len(files) > 400 and offenders == []
