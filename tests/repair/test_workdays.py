"""Working days from catalogue/workdays (State Council holiday notices 2023–2026). Expected days are
read off the notices by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xinyong.repair.workdays import CalendarError, load_calendar

D = dt.date


@pytest.fixture(scope="module")
def cal():
    return load_calendar()


@pytest.mark.parametrize(
    ("day", "work"),
    [
        (D(2024, 2, 4), True),  # Sunday, adjusted working day before 春节 2024
        (D(2024, 2, 12), False),  # Monday inside 春节 2024-02-10..17
        (D(2024, 2, 18), True),  # Sunday, adjusted working day after 春节
        (D(2025, 10, 8), False),  # Wednesday, last day of 国庆/中秋 2025
        (D(2025, 10, 11), True),  # Saturday, adjusted working day
        (D(2026, 1, 4), True),  # Sunday after 元旦 2026
        (D(2026, 2, 23), False),  # Monday, last day of 春节 2026 (nine days)
        (D(2026, 10, 10), True),  # Saturday after 国庆 2026
        (D(2026, 12, 31), True),  # ordinary Thursday
        (D(2023, 6, 25), True),  # Sunday after 端午 2023
        (D(2023, 6, 24), False),  # Saturday inside 端午 2023
    ],
)
def test_is_workday(cal, day, work):
    assert cal.is_workday(day) is work


def test_deadlines_skip_holidays(cal):
    # received Thursday 2026-09-24; working days after it: 09-28 (Mon, after 中秋 25–27), 09-29, 09-30,
    # then 国庆 10-01..07, 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, adjusted) → the 6th is 2026-10-10
    assert cal.add_workdays(D(2026, 9, 24), 6) == D(2026, 10, 10)
    # received Friday 2024-02-02: 02-04 (Sun, adjusted) 1, 02-05..02-08 → 5, 02-09 (Fri) 6, 02-18 (Sun) 7
    assert cal.add_workdays(D(2024, 2, 2), 7) == D(2024, 2, 18)
    assert cal.workdays_between(D(2024, 2, 2), D(2024, 2, 18)) == 7
    assert cal.workdays_between(D(2024, 2, 18), D(2024, 2, 2)) == 0


def test_refuses_a_deadline_past_the_last_loaded_year(cal):
    # 2026-12-24 (Thu) + 10 working days runs into 2027, whose schedule is not loaded
    with pytest.raises(CalendarError) as err:
        cal.add_workdays(D(2026, 12, 24), 10)
    assert "2027" in str(err.value) and "未载入" in str(err.value) and "not loaded" in str(err.value)
    assert cal.add_workdays(D(2026, 12, 24), 5) == D(2026, 12, 31)  # 25, 28, 29, 30, 31


def test_an_operator_extends_the_calendar(tmp_path: Path):
    src = Path(__file__).resolve().parents[2] / "catalogue" / "workdays" / "cn_2023_2026.yaml"
    (tmp_path / "a.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "years:\n  2027:\n    notice: test\n    holidays:\n"
        "      - {from: 2027-01-01, to: 2027-01-01, name: 元旦}\n    workdays: []\n",
        encoding="utf-8",
    )
    cal = load_calendar(tmp_path)
    assert cal.years[-1] == 2027 and not cal.is_workday(D(2027, 1, 1))
    assert cal.add_workdays(D(2026, 12, 24), 10) == D(2027, 1, 8)  # 25,28,29,30,31 then 4,5,6,7,8


def test_malformed_calendar_names_the_problem(tmp_path: Path):
    (tmp_path / "x.yaml").write_text(
        "years:\n  2027:\n    notice: n\n    holidays:\n      - {from: 2026-12-31, to: 2027-01-01, name: 元旦}\n",
        encoding="utf-8",
    )
    with pytest.raises(CalendarError, match="holiday outside its year"):
        load_calendar(tmp_path)
