"""The one date parser (xinyong.dates): the forms people type, one bilingual error naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
import typer

from xinyong import dates

JUNE_30 = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    "typed",
    ["2026-06-30", " 2026-06-30 ", "2026-6-30", "2026/6/30", "2026/06/30", "2026.6.30", "2026年6月30日",
     "2026年06月30日", "2026 年 6 月 30 日", "２０２６／６／３０", "２０２６年６月３０日", "2026年6月30"],
)  # fmt: skip
def test_accepts_the_forms_people_type(typed):
    assert dates.parse_date(typed, field="as_of") == JUNE_30


@pytest.mark.parametrize(
    "typed",
    ["2026-13-01", "2026-02-29", "2026-02-30", "26-6-30", "20260630", "2026-06", "六月", "2026/6/30/1", "x"],
)
def test_refuses_anything_else_naming_the_field_in_both_languages(typed):
    with pytest.raises(dates.DateError) as caught:
        dates.parse_date(typed, field="signed_on")
    err = caught.value
    assert err.field == "signed_on"
    assert err.zh.startswith("signed_on：日期格式错误") and "YYYY-MM-DD" in err.zh
    assert err.en.startswith("signed_on: malformed date") and "expected YYYY-MM-DD" in err.en
    assert str(err) == f"{err.zh} / {err.en}"
    assert err.detail() == {"field": "signed_on", "zh": err.zh, "en": err.en, "message": str(err)}


def test_leap_day_and_empty_values():
    assert dates.parse_date("2028年2月29日") == dt.date(2028, 2, 29)
    assert dates.parse_date("", default=JUNE_30) == JUNE_30
    assert dates.parse_date(None) is None
    assert dates.parse_date(JUNE_30) == JUNE_30
    with pytest.raises(dates.DateError):  # a moment is not a day
        dates.parse_date(dt.datetime(2026, 6, 30, 8, 0))


def test_cli_day_prints_the_bilingual_message_and_exits_2(capsys):
    assert dates.cli_day("2026/6/30", "--as-of") == JUNE_30
    with pytest.raises(typer.Exit) as caught:
        dates.cli_day("2026-6-31", "--effective")
    assert caught.value.exit_code == 2
    err = capsys.readouterr().err
    assert "--effective：日期格式错误" in err and "--effective: malformed date '2026-6-31'" in err
