"""Bad input: every malformed row gets its reasons (中文 / English) in quarantine; nothing is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_files import AUTHORITY_USCC, penalty_2, uscc, write_csv, write_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch, QuarantineRow
from xinyong.ingest.readers import ReaderError
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

USCC = "行政相对人代码_1(统一社会信用代码)"


def quarantined(engine) -> list[QuarantineRow]:
    with Session(engine) as s:
        return list(s.scalars(select(QuarantineRow).order_by(QuarantineRow.row_number)))


def counts(engine) -> tuple[int, int, int, int]:
    with Session(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) for t in (Batch, Record, Subject, QuarantineRow)
        )


def codes(q: QuarantineRow) -> set[tuple[str, str]]:
    return {(r["field"], r["code"]) for r in q.reasons}


def test_wrong_uscc_check_character_is_rejected_without_a_correction(tmp_path, engine):
    good = uscc(5)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = ingest_file(
        engine=engine, path=write_csv(tmp_path / "p.csv", [penalty_2(5, **{USCC: wrong})]), source="s"
    )
    assert result.summary()["rejected"] == 1
    (q,) = quarantined(engine)
    (r,) = q.reasons
    assert r["field"] == "uscc" and r["code"] == "uscc"
    # no hint at another code: neither the "right" character nor the code it would make
    assert "GB 32100" in r["zh"] and "GB 32100" in r["en"] and good not in r["zh"] + r["en"]
    assert "应为" not in r["zh"] and "expected" not in r["en"]
    assert q.raw[USCC] == wrong and q.row_number == 2  # the sheet row: header is row 1


def test_full_width_and_lower_case_codes_are_accepted_normalised(tmp_path, sqlite_engine):
    code = uscc(6)
    full = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # full-width, lower case
    result = ingest_file(
        engine=sqlite_engine,
        path=write_csv(tmp_path / "p.csv", [penalty_2(6, **{USCC: f"　{full} "})]),
        source="s",
    )
    assert (result.accepted, result.rejected) == (1, 0)
    with Session(sqlite_engine) as s:
        assert s.scalars(select(Subject.uscc)).one() == code
        assert s.scalars(select(Record)).one().original[USCC] == f"　{full} "


def test_every_reason_of_a_row_is_kept(tmp_path, sqlite_engine):
    row = penalty_2(
        1,
        **{
            "处罚决定书文号": "  ",
            "处罚决定日期": "2023-02-30",
            "处罚机关": "",
            "罚款金额（万元）": "五千",
            "处罚机关统一社会信用代码": AUTHORITY_USCC[:-1] + "Z",
        },
    )
    ingest_file(engine=sqlite_engine, path=write_csv(tmp_path / "p.csv", [row]), source="s")
    (q,) = quarantined(sqlite_engine)
    assert codes(q) == {
        ("decision_no", "required"),
        ("decision_date", "date_impossible"),
        ("authority", "required"),
        ("fine_amount", "decimal"),
        ("authority_uscc", "uscc"),
    }
    assert all(r["zh"] and r["en"] and r["zh"] != r["en"] for r in q.reasons)


@pytest.mark.parametrize(
    "value,code",
    [
        ("2023-02-30", "date_impossible"),
        ("2023-13-01", "date_impossible"),
        ("1899-12-31", "date_impossible"),
        ("5月1日", "date_format"),
        ("二〇二三年", "date_format"),
    ],
)
def test_impossible_and_unreadable_dates(value, code, sqlite_engine):
    ingest_rows(
        engine=sqlite_engine, rows=[penalty_2(1, **{"处罚决定日期": value})], source="s", kind="penalty"
    )
    assert codes(quarantined(sqlite_engine)[0]) == {("decision_date", code)}


@pytest.mark.parametrize(
    "value,iso",
    [
        ("2023-05-01", "2023-05-01"),
        ("2023/5/1", "2023-05-01"),
        ("2023年5月1日", "2023-05-01"),
        ("20230501", "2023-05-01"),
        ("２０２３－０５－０１", "2023-05-01"),
        ("2023-05-01 13:45:00", "2023-05-01"),
        ("45047", "2023-05-01"),
        ("2023.5.1", "2023-05-01"),
    ],
)
def test_date_spellings(value, iso, sqlite_engine):
    result = ingest_rows(
        engine=sqlite_engine, rows=[penalty_2(1, **{"处罚决定日期": value})], source="s", kind="penalty"
    )
    assert result.accepted == 1
    with Session(sqlite_engine) as s:
        assert s.scalars(select(Record.occurred_on)).one() == dt.date.fromisoformat(iso)


def test_duplicate_rows_inside_one_file_count_as_duplicates(tmp_path, engine):
    rows = [penalty_2(1), penalty_2(2), penalty_2(1), penalty_2(2, **{"违法事实": "改了内容但文号相同"})]
    result = ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", rows), source="s")
    assert (result.read, result.accepted, result.duplicates, result.rejected) == (4, 2, 2, 0)
    again = ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", rows), source="s")
    assert (again.read, again.accepted, again.duplicates, again.rejected) == (4, 0, 4, 0)
    assert counts(engine) == (2, 2, 2, 0)


def test_rows_without_a_source_id_dedupe_by_content(sqlite_engine):
    row = {
        "subject_name": "某某公司",
        "uscc": uscc(1),
        "received_on": "2023-04-02",
        "resolution": "pending",
        "content": "售后不退款",
    }
    result = ingest_rows(
        engine=sqlite_engine,
        rows=[row, dict(row), {**row, "content": "另一件事"}],
        source="12345",
        kind="complaint",
    )
    assert (result.accepted, result.duplicates) == (2, 1)


def test_reseen_duplicate_moves_last_seen_only(sqlite_engine):
    t1, t2 = dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1)
    ingest_rows(engine=sqlite_engine, rows=[penalty_2(1)], source="s", kind="penalty", now=t1)
    ingest_rows(engine=sqlite_engine, rows=[penalty_2(1)], source="s", kind="penalty", now=t2)
    with Session(sqlite_engine) as s:
        rec = s.scalars(select(Record)).one()
        subject = s.scalars(select(Subject)).one()
    assert (rec.first_seen, rec.last_seen, rec.batch_id) == (t1, t2, 1)
    assert (subject.first_seen, subject.last_seen) == (t1, t2)


def test_csv_cut_mid_row_quarantines_the_short_row(tmp_path, engine):
    path = write_csv(tmp_path / "p.csv", [penalty_2(i) for i in range(1, 5)])
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 40])  # keep 40 bytes of the last row
    result = ingest_file(engine=engine, path=path, source="s")
    assert (result.read, result.accepted, result.rejected) == (4, 3, 1)
    (q,) = quarantined(engine)
    assert q.row_number == 5 and codes(q) == {("_row", "columns")}  # line 5: header + 4 rows
    assert "truncated" in q.reasons[0]["en"] and "_line" in q.raw


def test_csv_cut_inside_a_quoted_multiline_cell_quarantines_the_partial_row(tmp_path, engine):
    path = write_csv(
        tmp_path / "p.csv", [penalty_2(1), penalty_2(2, **{"违法事实": "第一行\n第二行, 含逗号"})]
    )
    data = path.read_bytes()
    path.write_bytes(data[: data.index("第二行".encode())])
    result = ingest_file(engine=engine, path=path, source="s")
    assert (result.read, result.accepted, result.rejected) == (2, 1, 1)
    (q,) = quarantined(engine)
    assert codes(q) == {("_row", "columns")} and "第一行" in q.raw["_line"]


def test_binary_garbage_is_a_file_error(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(ReaderError):
        ingest_file(engine=engine, path=path, source="s")
    assert counts(engine) == (0, 0, 0, 0)


def test_truncated_xlsx_is_a_file_error_and_writes_nothing(tmp_path, engine):
    path = write_xlsx(tmp_path / "p.xlsx", [penalty_2(i) for i in range(1, 30)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReaderError) as err:
        ingest_file(engine=engine, path=path, source="s")
    assert "Excel" in err.value.zh and "truncated" in err.value.en
    assert counts(engine) == (0, 0, 0, 0)


def test_unknown_kind_and_undetectable_headers(tmp_path, sqlite_engine):
    path = write_csv(tmp_path / "x.csv", [{"甲": "1", "乙": "2"}])
    with pytest.raises(ReaderError) as err:
        ingest_file(engine=sqlite_engine, path=path, source="s")
    assert "--kind" in err.value.en
    with pytest.raises(ReaderError):
        ingest_file(engine=sqlite_engine, path=path, source="s", kind="no_such_kind")
    assert counts(sqlite_engine) == (0, 0, 0, 0)


def test_formula_and_html_are_stored_verbatim(tmp_path, engine):
    name = '=HYPERLINK("http://evil.example","点我")'
    html = "<script>alert(1)</script><b>某某</b>餐饮"
    rows = [
        penalty_2(1, **{"行政相对人名称": name}),
        penalty_2(2, **{"行政相对人名称": html, "违法事实": html}),
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    assert ingest_file(engine=engine, path=path, source="s").accepted == 2
    assert ingest_file(engine=engine, path=write_csv(tmp_path / "p.csv", rows), source="s").duplicates == 2
    with Session(engine) as s:
        names = set(s.scalars(select(Subject.name)))
        facts = {r.fields["violation_facts"] for r in s.scalars(select(Record))}
    assert names == {name, html}
    assert html in facts


def test_missing_subject_identifier(sqlite_engine):
    ingest_rows(engine=sqlite_engine, rows=[penalty_2(1, **{USCC: ""})], source="s", kind="penalty")
    assert codes(quarantined(sqlite_engine)[0]) == {("_subject", "no_subject_id")}


def test_enum_values_outside_the_catalogue(sqlite_engine):
    rows = [
        {
            "subject_name": "某",
            "uscc": uscc(1),
            "inspection_type": "随便查查",
            "inspection_date": "2023-01-01",
            "inspector_org": "某局",
            "result": "合格",
        }
    ]
    ingest_rows(engine=sqlite_engine, rows=rows, source="s", kind="inspection")
    (q,) = quarantined(sqlite_engine)
    assert codes(q) == {("inspection_type", "enum")} and "随便查查" in q.reasons[0]["zh"]


def test_the_same_bad_row_is_not_quarantined_twice(tmp_path, sqlite_engine):
    path = write_csv(tmp_path / "p.csv", [penalty_2(1, **{"处罚决定日期": "2023-02-30"}), penalty_2(2)])
    first = ingest_file(engine=sqlite_engine, path=path, source="s")
    second = ingest_file(engine=sqlite_engine, path=path, source="s")
    assert (first.rejected, second.rejected, second.duplicates) == (1, 1, 1)
    assert len(quarantined(sqlite_engine)) == 1


def test_small_batch_into_a_large_store_finds_its_duplicates(engine):
    ingest_rows(engine=engine, rows=[penalty_2(i) for i in range(1, 41)], source="s", kind="penalty")
    complaint = {
        "subject_name": "某某公司",
        "uscc": uscc(1),
        "received_on": "2023-04-02",
        "resolution": "pending",
    }
    ingest_rows(
        engine=engine,
        rows=[{**complaint, "content": f"诉求{i}"} for i in range(40)],
        source="s",
        kind="complaint",
    )
    # 2 rows against 80 stored: the per-key lookup path, not the whole-source scan
    small = ingest_rows(engine=engine, rows=[penalty_2(7), penalty_2(99)], source="s", kind="penalty")
    assert (small.accepted, small.duplicates) == (1, 1)
    again = ingest_rows(
        engine=engine,
        rows=[{**complaint, "content": "诉求3"}, {**complaint, "content": "新"}],
        source="s",
        kind="complaint",
    )
    assert (again.accepted, again.duplicates) == (1, 1)
    other = ingest_rows(engine=engine, rows=[penalty_2(7)], source="another", kind="penalty")
    assert other.accepted == 1  # the same 文书号 from another source is another record
