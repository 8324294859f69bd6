"""Dated repair rule sets at their boundaries (docs/repair.md). Every expected date below is worked
out by hand from the rule text and the Civil Code (Art. 201–202: count from the day after the
decision; a month period ends on the corresponding day of the last month, or that month's last day;
the first repairable day is the day after the minimum period ends)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.evaluation.repair import RepairRuleError, add_months, periods, repairability

D = dt.date
O36, O58, P19 = "ndrc_order_36", "ndrc_order_58", "xinyong_practice_2019"


@pytest.mark.parametrize(
    ("severity", "decided", "as_of", "domains", "rule_set", "min_end", "max_end"),
    [
        # Order 36 (from 2026-04-01): general 3 months – 1 year
        ("general", D(2026, 4, 1), D(2026, 4, 1), (), O36, D(2026, 7, 1), D(2027, 4, 1)),
        # month end: 2026-05-31 + 3 months → August 31 exists
        ("general", D(2026, 5, 31), D(2026, 6, 1), (), O36, D(2026, 8, 31), D(2027, 5, 31)),
        # 2026-11-30 + 3 months → February has no 30th → 2027-02-28; + 1 year → 2027-11-30
        ("general", D(2026, 11, 30), D(2026, 12, 1), (), O36, D(2027, 2, 28), D(2027, 11, 30)),
        # serious 1 – 3 years; 2027-02-28 + 1 year = 2028-02-28 (the corresponding day exists)
        ("serious", D(2027, 2, 28), D(2027, 3, 1), (), O36, D(2028, 2, 28), D(2030, 2, 28)),
        # minor: no minimum (ends on the decision day), at most 3 months: 2026-12-31 → 2027-03-31
        ("minor", D(2026, 12, 31), D(2026, 12, 31), (), O36, D(2026, 12, 31), D(2027, 3, 31)),
        # Order 58 (2023-05-01 .. 2026-03-31): 3 months – 3 years whatever the severity
        ("serious", D(2023, 5, 1), D(2023, 5, 2), (), O58, D(2023, 8, 1), D(2026, 5, 1)),
        # leap day: 2023-11-30 + 3 months → 2024-02-29 (2024 is a leap year)
        ("general", D(2023, 11, 30), D(2023, 12, 1), (), O58, D(2024, 2, 29), D(2026, 11, 30)),
        # decided on the leap day: + 3 months = 2024-05-29; + 3 years = 2027-02-28 (no 29th)
        ("general", D(2024, 2, 29), D(2024, 3, 1), (), O58, D(2024, 5, 29), D(2027, 2, 28)),
        # fire safety: at least 1 year; 2024-02-29 + 1 year → 2025-02-28
        ("general", D(2024, 2, 29), D(2024, 3, 1), ("fire-safety",), O58, D(2025, 2, 28), D(2027, 2, 28)),
        # several penalty types: the longest minimum (work-safety 1 year beats the general 3 months)
        ("minor", D(2025, 1, 31), D(2025, 2, 1), ("tax", "work-safety"), O58, D(2026, 1, 31), D(2028, 1, 31)),
        # last day of Order 58, seen the same day
        ("general", D(2026, 3, 31), D(2026, 3, 31), (), O58, D(2026, 6, 30), D(2029, 3, 31)),
        # pre-2023 practice: general 3 months – 1 year, serious 6 months – 3 years
        ("general", D(2023, 4, 30), D(2023, 4, 30), (), P19, D(2023, 7, 30), D(2024, 4, 30)),
        ("serious", D(2022, 8, 31), D(2022, 9, 1), (), P19, D(2023, 2, 28), D(2025, 8, 31)),
        # pre-2023 serious seen once Order 58 is in force: its 3-month minimum is earlier (从旧兼从轻)
        ("serious", D(2022, 8, 31), D(2023, 5, 1), (), O58, D(2022, 11, 30), D(2025, 8, 31)),
        # a 58-era general penalty seen under Order 36: same minimum, shorter maximum (1 year) → 36
        ("general", D(2026, 1, 10), D(2026, 4, 1), (), O36, D(2026, 4, 10), D(2027, 1, 10)),
        # ... but seen the day before Order 36 starts, Order 58 still applies
        ("general", D(2026, 1, 10), D(2026, 3, 31), (), O58, D(2026, 4, 10), D(2029, 1, 10)),
        # a 58-era fire-safety penalty seen under Order 36: 36 has no domain minimum → 3 months
        ("general", D(2026, 1, 10), D(2026, 5, 1), ("fire-safety",), O36, D(2026, 4, 10), D(2027, 1, 10)),
    ],
)
def test_periods_at_boundaries(severity, decided, as_of, domains, rule_set, min_end, max_end):
    p = periods(severity=severity, decided=decided, as_of=as_of, domains=domains)
    assert (p.rule_set, p.min_period_end, p.max_period_end) == (rule_set, min_end, max_end)
    assert p.first_repairable_on == min_end + dt.timedelta(days=1)


def test_first_repairable_day_is_the_day_after_the_minimum():
    # general penalty decided 2026-06-15 (Order 36): the 3-month period runs 06-16 .. 09-15
    seen_before = repairability("penalty", "general", D(2026, 6, 15), D(2026, 9, 15))
    assert seen_before.repairable_from == D(2026, 9, 16)  # not yet on the period's last day
    seen_on = repairability("penalty", "general", D(2026, 6, 15), D(2026, 9, 16))
    assert seen_on.repairable_from == D(2026, 9, 16) and seen_on.max_period_end == D(2027, 6, 15)
    assert "2026-09-16" in seen_on.note_zh and "2026-09-15" in seen_on.note_en


def test_bad_input_is_refused():
    with pytest.raises(RepairRuleError, match="severity"):
        periods(severity="huge", decided=D(2026, 5, 1), as_of=D(2026, 5, 1))
    with pytest.raises(RepairRuleError, match="before the decision"):
        periods(severity="general", decided=D(2026, 5, 1), as_of=D(2026, 4, 30))
    with pytest.raises(RepairRuleError, match="no repair rule set"):
        periods(severity="general", decided=D(1999, 12, 31), as_of=D(2026, 5, 1))


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)), st.integers(0, 60))
def test_add_months_matches_civil_code_reading(d, n):
    out = add_months(d, n)
    # the month distance is exactly n; the day is the same, or the month's last day when it is shorter
    assert (out.year - d.year) * 12 + out.month - d.month == n
    nxt = out + dt.timedelta(days=1)
    assert out.day == d.day or (out.day < d.day and nxt.month != out.month)


def _cli(*args):
    return CliRunner().invoke(app, ["repair", "when", *args])


def test_cli_when_json():
    r = _cli(
        "--severity",
        "general",
        "--decided",
        "2024-02-29",
        "--as-of",
        "2024-03-01",
        "--domain",
        "fire-safety",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "rule_set": "ndrc_order_58",
        "min_period_end": "2025-02-28",
        "max_period_end": "2027-02-28",
    }
    r = _cli("--severity", "serious", "--decided", "2026-04-01", "--as-of", "2026-04-02", "--json")
    assert json.loads(r.output) == {
        "rule_set": "ndrc_order_36",
        "min_period_end": "2027-04-01",
        "max_period_end": "2029-04-01",
    }


def test_cli_when_bad_input_exits_2():
    r = _cli("--severity", "general", "--decided", "2026-02-30", "--as-of", "2026-03-01", "--json")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output
    r = _cli("--severity", "huge", "--decided", "2026-02-01", "--as-of", "2026-03-01")
    assert r.exit_code == 2 and "severity" in r.output
