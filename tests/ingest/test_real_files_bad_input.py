"""Issue 10's bad input beyond the shared cases: no header in the first 20 rows, an unknown 证件类型,
an unknown penalty category, open-ended validity, date spellings, negative amounts, sheet row
numbers, and re-importing a file whose bad row was fixed through quarantine."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_files import licence_2, penalty_2, write_csv, write_xlsx
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch, QuarantineRow
from xinyong.ingest.readers import ReaderError
from xinyong.ingest.service import ingest_file, retry_quarantined
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def _records(engine) -> list[Record]:
    with Session(engine) as s:
        return list(s.scalars(select(Record).order_by(Record.source_record_id)))


def test_xlsx_without_a_header_in_the_first_20_rows_names_what_was_searched(tmp_path, sqlite_engine):
    book = Workbook()
    sheet = book.active
    for i in range(20):
        sheet.append([f"说明第{i + 1}行"])
    sheet.append(["行政相对人名称", "处罚决定书文号", "处罚决定日期"])
    path = tmp_path / "notes.xlsx"
    book.save(path)
    with pytest.raises(ReaderError) as err:
        ingest_file(engine=sqlite_engine, path=path, source="s")
    assert "20" in err.value.zh and "表头" in err.value.zh and "first 20 rows" in err.value.en
    with Session(sqlite_engine) as s:
        assert s.scalars(select(Batch)).first() is None  # nothing written


def test_header_below_blank_and_title_rows_gives_sheet_row_numbers(tmp_path, sqlite_engine):
    book = Workbook()
    sheet = book.active
    rows = [penalty_2(1), penalty_2(2, **{"处罚决定日期": "2023-02-30"})]
    headers = list(rows[0])
    sheet.append(["天津市和平区行政处罚信息"])  # row 1: title
    sheet.append([])  # row 2: blank
    sheet.append(["导出时间：2023-06-01"])  # row 3: a note
    sheet.append(headers)  # row 4: header
    for r in rows:
        sheet.append([r[h] for h in headers])  # rows 5 and 6
    path = tmp_path / "titled.xlsx"
    book.save(path)
    result = ingest_file(engine=sqlite_engine, path=path, source="s")
    assert (result.header_row, result.accepted, result.rejected) == (4, 1, 1)
    with Session(sqlite_engine) as s:
        (q,) = s.scalars(select(QuarantineRow))
    assert q.row_number == 6


def test_unknown_document_type_is_stored_unchecked_with_a_warning(tmp_path, engine):
    row = penalty_2(
        1,
        **{
            "行政相对人类别": "自然人",
            "行政相对人代码_1(统一社会信用代码)": "",
            "证件类型": "军官证",
            "证件号码": "军字第0012345号",
        },
    )
    result = ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", [row]), source="s")
    assert (result.accepted, result.rejected) == (1, 0)
    assert [(w["row"], w["code"]) for w in result.warnings] == [(2, "id_type_unknown")]
    with Session(engine) as s:
        (subject,) = s.scalars(select(Subject))
    assert subject.id_number == "军字第0012345号" and subject.kind == "person"


def test_unknown_category_in_a_multi_valued_cell_is_stored_and_warned(tmp_path, engine):
    row = penalty_2(1, **{"处罚类别": "罚款、约谈", "罚款金额（万元）": "0.1"})
    result = ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", [row]), source="s")
    assert result.accepted == 1
    assert [(w["code"], "约谈" in w["zh"]) for w in result.warnings] == [("category_unknown", True)]
    (rec,) = _records(engine)
    assert rec.fields["penalty_type"] == "罚款、约谈" and rec.severity == "general"


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("吊销营业执照/罚款", "serious"),
        ("警告", "minor"),
        ("警告，通报批评", "minor"),
        ("警告；罚款", "general"),
        ("罚款", "general"),
        ("通报批评、责令停产停业", "serious"),
    ],
)
def test_severity_is_the_most_severe_category(tmp_path, sqlite_engine, cell, expected):
    ingest_file(
        engine=sqlite_engine,
        path=write_csv(tmp_path / "p.csv", [penalty_2(1, **{"处罚类别": cell})]),
        source="s",
    )
    (rec,) = _records(sqlite_engine)
    assert rec.severity == expected


@pytest.mark.parametrize("cell", ["长期", "永久", "9999-12-31", "9999/12/31"])
def test_open_ended_validity_means_no_end(tmp_path, sqlite_engine, cell):
    path = write_csv(tmp_path / "l.csv", [licence_2(1, **{"有效期至": cell})])
    result = ingest_file(engine=sqlite_engine, path=path, source="s")
    assert result.accepted == 1
    (rec,) = _records(sqlite_engine)
    assert rec.valid_until is None and rec.publicity_until is None  # publicised while valid: no end


@pytest.mark.parametrize("cell", ["20220513", "2022.5.13", "44694", "2022-05-13 00:00:00", "2022年5月13日"])
def test_date_spellings(tmp_path, sqlite_engine, cell):
    # 44694 = days from 1899-12-30 to 2022-05-13 (Excel's serial), counted by hand via dt.date
    assert (dt.date(2022, 5, 13) - dt.date(1899, 12, 30)).days == 44694
    ingest_file(
        engine=sqlite_engine,
        path=write_csv(tmp_path / "p.csv", [penalty_2(1, **{"处罚决定日期": cell})]),
        source="s",
    )
    (rec,) = _records(sqlite_engine)
    assert rec.occurred_on == dt.date(2022, 5, 13)


def test_negative_amount_is_rejected(tmp_path, sqlite_engine):
    result = ingest_file(
        engine=sqlite_engine,
        path=write_csv(tmp_path / "p.csv", [penalty_2(1, **{"罚款金额（万元）": "-0.5"})]),
        source="s",
    )
    assert result.rejected == 1
    with Session(sqlite_engine) as s:
        (q,) = s.scalars(select(QuarantineRow))
    assert [r["code"] for r in q.reasons] == ["negative"]


def test_reimport_after_a_quarantine_fix_does_not_reopen_the_row(tmp_path, engine):
    path = write_xlsx(tmp_path / "p.xlsx", [penalty_2(1), penalty_2(2, **{"处罚决定日期": "2023-02-30"})])
    first = ingest_file(engine=engine, path=path, source="s")
    assert (first.accepted, first.rejected) == (1, 1)
    with Session(engine) as s:
        (q,) = s.scalars(select(QuarantineRow))
    done = retry_quarantined(engine=engine, quarantine_id=q.id, changes={"处罚决定日期": "2023-02-28"})
    assert done.status == "resolved"
    again = ingest_file(engine=engine, path=path, source="s")
    assert again.accepted == 0
    with Session(engine) as s:
        rows = list(s.scalars(select(QuarantineRow)))
    assert [r.status for r in rows] == ["resolved"]  # the fixed raw row is recognised, not re-opened


def test_quarantine_exports_to_xlsx_and_the_corrected_sheet_reimports(tmp_path, engine):
    from openpyxl import load_workbook

    from xinyong.ingest.quarantine_xlsx import export_quarantine, import_corrections

    rows = [penalty_2(1), penalty_2(2, **{"处罚决定日期": "2023-02-30"}), penalty_2(3, **{"处罚机关": ""})]
    ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", rows), source="s")
    out = tmp_path / "q.xlsx"
    assert export_quarantine(engine=engine, path=out) == 2
    book = load_workbook(out)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["隔离编号", "批次", "行号", "原因 / reasons"]
    lines = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [r[2] for r in lines] == [3, 4]  # sheet rows of the original CSV
    assert "2023-02-30" in lines[0][3] and "处罚机关" in lines[1][3]
    sheet.cell(row=2, column=header.index("处罚决定日期") + 1, value="2023-02-28")  # fix the first only
    book.save(out)
    report = import_corrections(engine=engine, path=out)
    assert (len(report.resolved), report.still_open, len(report.unchanged)) == (1, [], 1)
    with Session(engine) as s:
        assert sorted(q.status for q in s.scalars(select(QuarantineRow))) == ["open", "resolved"]
        assert len(list(s.scalars(select(Record)))) == 2


def test_old_organisation_code_links_to_the_subject_whose_uscc_contains_it(tmp_path, engine):
    from ingest_files import penalty_2016

    code = penalty_2016(1)["行政相对人代码_1(统一社会信用代码)"]
    ingest_file(engine=engine, path=write_csv(tmp_path / "new.csv", [penalty_2016(1)]), source="s")
    old_code = f"{code[8:16]}-{code[16]}"  # characters 9-17 of the USCC, written the old way
    old = penalty_2016(
        2, **{"行政相对人代码_1(统一社会信用代码)": "", "行政相对人代码_2(组织机构代码)": old_code}
    )
    stray = penalty_2016(
        3, **{"行政相对人代码_1(统一社会信用代码)": "", "行政相对人代码_2(组织机构代码)": "99999999-9"}
    )
    result = ingest_file(engine=engine, path=write_csv(tmp_path / "old.csv", [old, stray]), source="s")
    assert (result.accepted, result.rejected) == (1, 1)  # the stray code links to nothing
    recs = _records(engine)
    assert len(recs) == 2 and recs[0].subject_id == recs[1].subject_id
    linked = next(r for r in recs if r.batch_id == result.batch)
    assert linked.original["行政相对人代码_2(组织机构代码)"] == old_code  # the row as given is kept
