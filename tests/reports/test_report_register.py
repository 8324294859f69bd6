"""Reports stay verifiable (issue 8 §8): a report issued yesterday verifies today after new records
arrive, says the archive changed, and expires after its validity period. Time is a parameter."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from helpers.rows import record_row, subject_row
from xinyong.archive.service import build_archive
from xinyong.cli import app
from xinyong.disclosure.policy import PUBLIC, Viewer
from xinyong.records.models import Record
from xinyong.reports import service
from xinyong.store.db import session_scope

# Issued at 17:30 UTC on 29 November = 01:30 on 30 November in Beijing: the issue day is the 30th.
ISSUED = dt.datetime(2026, 11, 29, 17, 30, tzinfo=dt.UTC)
ISSUE_DAY = dt.date(2026, 11, 30)
AS_OF = dt.date(2026, 11, 30)
OFFICER = Viewer(role="district_officer", district_code="120102", user_id="7", username="hd")


def _record(n: int, occurred: dt.date) -> Record:
    seen = dt.datetime(2026, 11, 1, 8, 0)
    return record_row(
        f"{n:064x}",
        "E0001",
        seen=seen,
        occurred=occurred,
        source="河东区市场监管局",
        source_record_id=f"津东罚{n}",
        fields={"decision_no": f"津东罚〔2026〕{n}号"},
    )


@pytest.fixture
def issued(engine):
    seen = dt.datetime(2026, 11, 1, 8, 0)
    with session_scope(engine) as s:
        s.add(
            subject_row("E0001", seen=seen, name="天津河东测试商贸有限公司", district="120102", source="test")
        )
        s.flush()
        s.add(_record(1, dt.date(2026, 10, 1)))
        s.flush()
        archive = build_archive(s, subject_id="E0001", as_of=AS_OF, viewer=OFFICER)
        report = service.render_report(archive, base_url="http://x", generated_at=ISSUED)
        service.register_report(s, report, archive, viewer=OFFICER, issued_at=ISSUED)
    return report


def _verify(engine, number: str, today: dt.date, **kw) -> dict:  # noqa: ANN003
    with session_scope(engine) as s:
        return service.verify_report(s, number=number, today=today, **kw)


def test_a_report_issued_yesterday_verifies_today_after_new_records_arrive(engine, issued):
    same_day = _verify(engine, issued.number, ISSUE_DAY)
    assert same_day["valid"] is True and same_day["changed_since_issue"] is False
    assert same_day["issued_at"] == "2026-11-30 01:30:00"  # Beijing time
    assert same_day["valid_until"] == ISSUE_DAY + dt.timedelta(days=90)
    # Today: a new penalty arrives (happened today) and one dated before the report's as-of (late).
    with session_scope(engine) as s:
        s.add_all([_record(2, ISSUE_DAY + dt.timedelta(days=1)), _record(3, dt.date(2026, 11, 2))])
    today = _verify(engine, issued.number, ISSUE_DAY + dt.timedelta(days=1), subject_id="E0001", as_of=AS_OF)
    assert today["valid"] is True and today["status"] == "valid"
    assert today["changed_since_issue"] is True and "已有变化" in today["message"]
    # Still valid on the last day of its validity, not the day after.
    last = ISSUE_DAY + dt.timedelta(days=90)
    assert _verify(engine, issued.number, last)["valid"] is True
    expired = _verify(engine, issued.number, last + dt.timedelta(days=1))
    assert expired["valid"] is False and expired["status"] == "expired"


def test_only_new_records_after_the_as_of_date_also_count_as_a_change(engine, issued):
    with session_scope(engine) as s:
        s.add(_record(4, ISSUE_DAY + dt.timedelta(days=1)))
    result = _verify(engine, issued.number, ISSUE_DAY + dt.timedelta(days=1))
    assert result["valid"] is True and result["changed_since_issue"] is True


def test_forged_altered_and_tampered_numbers_fail(engine, issued):
    number = issued.number
    altered = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert _verify(engine, altered, ISSUE_DAY)["status"] == "unknown"
    assert _verify(engine, "XYR-20261130-ABCDEFABCDEF", ISSUE_DAY)["status"] == "unknown"
    assert _verify(engine, number, ISSUE_DAY, subject_id="E0002")["status"] == "mismatch"
    # A register row edited behind the platform's back (digest changed) no longer backs the number.
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE reports SET digest = :d WHERE number = :n"), {"d": "0" * 64, "n": number})
    assert _verify(engine, number, ISSUE_DAY)["valid"] is False


def test_the_same_content_issued_twice_keeps_the_first_issue(engine, issued):
    later = ISSUED + dt.timedelta(days=30)
    with session_scope(engine) as s:
        archive = build_archive(s, subject_id="E0001", as_of=AS_OF, viewer=OFFICER)
        report = service.render_report(archive, base_url="http://x", generated_at=later)
        row = service.register_report(s, report, archive, viewer=OFFICER, issued_at=later)
        assert report.number == issued.number and row.valid_until == ISSUE_DAY + dt.timedelta(days=90)
        # A public report of the same day is another content, so another number.
        public = build_archive(s, subject_id="E0001", as_of=AS_OF, viewer=PUBLIC)
        assert service.render_report(public, base_url="http://x", generated_at=later).number != issued.number


def test_cli_verifies_with_exit_codes(engine, issued, db_url):
    runner = CliRunner()
    env = {"XINYONG_DATABASE_URL": db_url}
    ok = runner.invoke(app, ["report-verify", issued.number, "--today", "2026-12-01", "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["valid"] is True
    bad = runner.invoke(app, ["report-verify", "XYR-20261130-000000000000", "--today", "2026-12-01"], env=env)
    assert bad.exit_code == 1 and "✗" in bad.output
    assert runner.invoke(app, ["report-verify", issued.number, "--today", "tomorrow"], env=env).exit_code == 2
