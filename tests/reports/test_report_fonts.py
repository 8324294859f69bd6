"""The PDF report renders everywhere: every font embedded (Poppler's pdffonts), its Chinese text
extracted by Poppler's pdftotext (this machine has no poppler-data, so nothing but the embedded
font can supply the text), the issuing statement present, and no section heading alone at the
bottom of a page. Also `xinyong report SUBJECT_ID -o FILE.pdf`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess

import pytest
from sqlalchemy.orm import Session

from helpers.provision import require_or_skip
from helpers.rows import record_row, subject_row
from xinyong.disclosure.policy import OPERATOR
from xinyong.subjects.identifiers import make_uscc

AS_OF = dt.date(2025, 6, 30)
SID = "S-LONG-REPORT"
NAME = "天津市和平区长报告示范餐饮有限公司"


@pytest.fixture(autouse=True)
def _poppler() -> None:
    """Poppler's pdffonts/pdftotext read the report back: skipped on a developer machine without
    them, a failure where .ci/run provisioned them (XINYONG_REQUIRE_POPPLER=1)."""
    if shutil.which("pdffonts") is None or shutil.which("pdftotext") is None:
        require_or_skip("poppler", "poppler-utils (pdffonts, pdftotext) not installed")


@pytest.fixture
def report_pdf(sqlite_engine, tmp_path):
    """A report long enough for several pages: 40 penalties and 30 honours."""
    from xinyong.archive.service import build_archive
    from xinyong.reports.service import render_report

    now = dt.datetime(2025, 1, 1)
    with Session(sqlite_engine) as s:
        s.add(
            subject_row(
                SID,
                seen=now,
                name=NAME,
                uscc=make_uscc("91120101MA05LR001"),
                pilot="heping_hisense_plaza",
                legal_rep="张三",
            )
        )
        s.flush()
        for i in range(70):
            kind, polarity = ("penalty", "negative") if i < 40 else ("honour", "positive")
            fields = (
                {
                    "decision_no": f"津和市监罚〔2025〕{i}号",
                    "penalty_type": "罚款",
                    "authority": "和平区市场监管局",
                    "violation_facts": "未落实进货查验制度，经营超过保质期的食品" * 2,
                }
                if kind == "penalty"
                else {"title": f"诚信示范商户{i}", "awarded_by": "和平区诚信办"}
            )
            s.add(
                record_row(
                    hashlib.sha256(f"r{i}".encode()).hexdigest(),
                    SID,
                    seen=now,
                    kind=kind,
                    occurred=dt.date(2025, 1, 1) + dt.timedelta(days=i),
                    severity="general" if kind == "penalty" else None,
                    polarity=polarity,
                    source="和平区市场监管局",
                    source_record_id=f"R{i}",
                    fields=fields,
                    original=fields,
                    valid_until=dt.date(2025, 3, 1),
                    publicity_until=dt.date(2026, 3, 1),
                )
            )
        s.commit()
        archive = build_archive(s, subject_id=SID, as_of=AS_OF, viewer=OPERATOR)
    path = tmp_path / "report.pdf"
    path.write_bytes(
        render_report(archive, base_url="http://example.test", generated_at=dt.datetime(2025, 7, 1, 9)).pdf
    )
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def test_every_font_is_embedded_and_the_text_extracts(report_pdf):
    lines = _run("pdffonts", str(report_pdf)).splitlines()[2:]  # after the two header lines
    assert lines, "no fonts listed"
    for line in lines:
        # name type encoding emb sub uni object ID: emb, sub and uni must all be yes.
        emb, sub, uni = line.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
        assert "TrueType" in line, line
    text = re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(report_pdf), "-"))
    for expected in (
        NAME,
        "信用报告",
        "行政处罚",
        "和平区市场监管局",
        "诚信示范商场（天津海信广场）",
        "出具说明",
        "出具机构",
        "报告用途",
        "有效期",
        "2025-09-29",
    ):  # issued 2025-07-01 + 90 days, by hand (Jul 30 + Aug 31 + Sep 29)
        assert expected in text, expected


def test_no_heading_ends_a_page(report_pdf):
    pages = _run("pdftotext", "-enc", "UTF-8", "-layout", str(report_pdf), "-").split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3  # long enough for the check to mean something
    heading = re.compile(r"^([一二三四五六七八九]、|.*（\d+）$)")
    for number, page in enumerate(pages, start=1):
        body = [
            ln.strip()
            for ln in page.splitlines()
            if ln.strip() and not ln.strip().startswith(("核验", "第 "))
        ]
        body = [ln for ln in body if "page" not in ln and "verify?" not in ln and not ln.startswith("&as_of")]
        assert not heading.match(body[-1]), (number, body[-1])


def test_cli_writes_the_report(sqlite_url, report_pdf, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from xinyong.cli import app

    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    from xinyong.settings import get_settings

    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    out = tmp_path / "cli.pdf"
    result = CliRunner().invoke(app, ["report", SID, "-o", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "XYR-20250630-" in result.output
    assert NAME in re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(out), "-"))
    assert CliRunner().invoke(app, ["report", "NOPE", "-o", str(out)]).exit_code == 1
    assert CliRunner().invoke(app, ["report", SID, "-o", str(out), "--as-of", "2025-13-01"]).exit_code == 2
