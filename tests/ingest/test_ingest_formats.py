"""Every accepted format and both 双公示 generations import with no mapping work, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from ingest_files import (
    LICENCE_2,
    LICENCE_2016,
    PENALTY_2,
    PENALTY_2016,
    as_codes,
    licence_2,
    licence_2016,
    penalty_2,
    penalty_2016,
    uscc,
    write_csv,
    write_jsonl,
    write_xlsx,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch
from xinyong.ingest.readers import detect_encoding
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

NOW = dt.datetime(2024, 1, 15, 9, 0, 0)


def records(engine) -> list[Record]:
    with Session(engine) as s:
        return list(s.scalars(select(Record).order_by(Record.source_record_id)))


CASES = [
    ("penalty 2.0, Chinese headers", lambda i: penalty_2(i), "penalty", "sgs_penalty_2"),
    ("penalty 2.0, field codes", lambda i: as_codes(penalty_2(i), PENALTY_2), "penalty", "sgs_penalty_2"),
    ("penalty 2016, Chinese headers", lambda i: penalty_2016(i), "penalty", "sgs_penalty_2016"),
    (
        "penalty 2016, field codes",
        lambda i: as_codes(penalty_2016(i), PENALTY_2016),
        "penalty",
        "sgs_penalty_2016",
    ),
    ("licence 2.0, Chinese headers", lambda i: licence_2(i), "licence", "sgs_licence_2"),
    ("licence 2.0, field codes", lambda i: as_codes(licence_2(i), LICENCE_2), "licence", "sgs_licence_2"),
    ("licence 2016, Chinese headers", lambda i: licence_2016(i), "licence", "sgs_licence_2016"),
    (
        "licence 2016, field codes",
        lambda i: as_codes(licence_2016(i), LICENCE_2016),
        "licence",
        "sgs_licence_2016",
    ),
]


@pytest.mark.parametrize(("label", "make", "kind", "layout"), CASES, ids=[c[0] for c in CASES])
def test_shuanggongshi_layouts_are_recognised_without_mapping(
    label, make, kind, layout, tmp_path, sqlite_engine
):
    path = write_csv(tmp_path / "sgs.csv", [make(i) for i in range(1, 6)])
    result = ingest_file(engine=sqlite_engine, path=path, source="津市监", now=NOW)
    assert (result.kind, result.layout) == (kind, layout)
    assert result.summary() == {
        "batch": result.batch,
        "read": 5,
        "accepted": 5,
        "corrected": 0,
        "duplicates": 0,
        "rejected": 0,
    }
    assert result.unknown_columns == []
    recs = records(sqlite_engine)
    assert len(recs) == 5 and all(r.kind == kind and r.source == "津市监" for r in recs)
    assert all(r.occurred_on is not None and r.source_record_id for r in recs)
    assert all("decision_no" in r.fields and "decision_date" in r.fields for r in recs)


def test_penalty_values_are_normalised_and_derived(tmp_path, engine):
    path = write_csv(
        tmp_path / "p.csv",
        [penalty_2(1), penalty_2(2, **{"处罚类别": "吊销许可证", "罚款金额（万元）": "1,200.50"})],
    )
    ingest_file(engine=engine, path=path, source="津市监", now=NOW)
    first, second = records(engine)
    assert first.occurred_on == dt.date(2023, 5, 1)
    assert first.amount == pytest.approx(5000.0)  # 0.5 万元
    # 警告;罚款: 警告 alone would be minor, but a fine is general and the most severe category
    # wins (issue 10: never decided by a substring) → general → 1 year
    assert first.severity == "general" and first.publicity_until == dt.date(2024, 5, 1)
    assert second.amount == pytest.approx(12_005_000.0)
    assert second.severity == "serious" and second.publicity_until == dt.date(2026, 5, 1)
    assert first.fields["fine_amount"] == 0.5 and second.fields["fine_amount"] == 1200.5
    assert first.original["处罚决定日期"] == "2023/5/1"  # the row as given
    assert first.polarity == "negative" and first.disclosure == "public"
    with Session(engine) as s:
        subject = s.get(Subject, first.subject_id)
    assert subject.uscc == uscc(1) and subject.kind == "enterprise" and subject.district_code == "120101"
    assert subject.name == "天津市和平区某某餐饮有限公司1" and subject.first_seen == NOW


def test_given_publicity_date_wins_over_the_rule(tmp_path, sqlite_engine):
    path = write_csv(tmp_path / "p.csv", [penalty_2(1, **{"公示截止期": "2023-12-31"})])
    ingest_file(engine=sqlite_engine, path=path, source="s", now=NOW)
    assert records(sqlite_engine)[0].publicity_until == dt.date(2023, 12, 31)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(encoding, tmp_path, sqlite_engine):
    rows = [penalty_2(i, **{"违法事实": "销售不符合食品安全标准的食品（腌腊制品）"}) for i in range(1, 4)]
    path = write_csv(tmp_path / "p.csv", rows, encoding=encoding)
    result = ingest_file(engine=sqlite_engine, path=path, source="s")
    assert (result.accepted, result.rejected) == (3, 0)
    recs = records(sqlite_engine)
    # NFKC: full-width brackets become ASCII in the normalised fields; the original keeps them
    assert {r.fields["violation_facts"] for r in recs} == {"销售不符合食品安全标准的食品(腌腊制品)"}
    assert {r.original["违法事实"] for r in recs} == {"销售不符合食品安全标准的食品（腌腊制品）"}


def test_encoding_detection():
    text = "行政相对人名称,处罚决定书文号\n天津某某公司,津罚1号\n"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode()) == "utf-8-sig"
    assert detect_encoding(text.encode()) == "utf-8"
    assert detect_encoding(text.encode()[:-4]) == "utf-8"  # a character cut at the sample's end


def test_xlsx_with_extra_columns_keeps_them_in_original(tmp_path, engine):
    rows = [{**penalty_2(i), "经办人": "刘七", "内部编号": 1000 + i} for i in range(1, 4)]
    rows[0]["处罚决定日期"] = dt.datetime(2023, 6, 2)  # a real Excel date cell
    result = ingest_file(engine=engine, path=write_xlsx(tmp_path / "p.xlsx", rows), source="s")
    assert (result.accepted, result.rejected, result.layout) == (3, 0, "sgs_penalty_2")
    assert result.unknown_columns == ["经办人", "内部编号"]
    recs = records(engine)
    assert recs[0].occurred_on == dt.date(2023, 6, 2)
    assert recs[0].original["经办人"] == "刘七" and recs[0].original["内部编号"] == "1001"
    with Session(engine) as s:
        assert s.get(Batch, result.batch).unknown_columns == ["经办人", "内部编号"]


def test_jsonl_with_english_keys(tmp_path, engine):
    rows = [
        {
            "subject_name": "天津某某物流有限公司",
            "uscc": uscc(7, "120118"),
            "inspection_type": "双随机",
            "inspection_date": "2023-09-01",
            "inspector_org": "静海区市场监管局",
            "result": "合格",
        },
        {
            "subject_name": "天津某某养老院",
            "uscc": uscc(8, "120114"),
            "inspection_type": "fire",
            "inspection_date": 20230902,
            "inspector_org": "武清区消防救援支队",
            "result": "责令整改",
        },
    ]
    result = ingest_file(engine=engine, path=write_jsonl(tmp_path / "i.jsonl", rows), source="s")
    assert (result.kind, result.accepted) == ("inspection", 2)
    got = sorted((r.fields["inspection_type"], r.fields["result"], r.occurred_on) for r in records(engine))
    assert got == [("fire", "rectify", dt.date(2023, 9, 2)), ("random", "passed", dt.date(2023, 9, 1))]


def test_ingest_rows_accepts_field_names_and_headers_alike(engine):
    by_name = {
        "subject_name": "天津某某公司",
        "uscc": uscc(3),
        "decision_no": "津罚〔2023〕3号",
        "penalty_type": "罚款",
        "decision_date": dt.date(2023, 5, 1),
        "authority": AUTH,
        "fine_amount": 0.5,
    }
    by_header = {
        "行政相对人名称": "天津某某公司",
        "CF_XDR_SHXYM": uscc(3),
        "处罚决定书文号": "津罚〔2023〕3号",
        "处罚类别": "罚款",
        "处罚决定日期": "2023年5月1日",
        "处罚机关": AUTH,
        "罚款金额（万元）": "0.50",
    }
    a = ingest_rows(engine=engine, rows=[by_name], source="s", kind="penalty")
    b = ingest_rows(engine=engine, rows=[by_header], source="s", kind="penalty")
    assert (a.accepted, b.duplicates) == (1, 1)  # same fact, same id: the second is a duplicate
    assert a.record_ids and b.record_ids == []


AUTH = "天津市和平区市场监督管理局"


@pytest.mark.parametrize(
    "kind,row",
    [
        (
            "judgment_debtor",
            {
                "subject_name": "某某公司",
                "uscc": uscc(11),
                "case_no": "(2023)津0101执123号",
                "court": "和平区人民法院",
                "filed_on": "2023-01-05",
                "amount": "150000",
            },
        ),
        (
            "business_anomaly",
            {
                "subject_name": "某某公司",
                "uscc": uscc(12),
                "listed_reason": "未按规定报送年度报告",
                "listed_on": "2023-07-01",
                "authority": "和平区市场监管局",
            },
        ),
        (
            "commitment",
            {
                "subject_name": "某某商户",
                "uscc": uscc(13, head="92"),
                "commitment_type": "主动型",
                "signed_on": "2023-03-15",
                "status": "践诺",
            },
        ),
        (
            "honour",
            {
                "subject_name": "某某公司",
                "uscc": uscc(14),
                "title": "诚信示范商户",
                "awarded_by": "和平区商务局",
                "awarded_on": "2023-10-01",
            },
        ),
        (
            "complaint",
            {
                "subject_name": "某某商户",
                "uscc": uscc(15),
                "received_on": "2023-04-02",
                "resolution": "已办结",
            },
        ),
        (
            "contract_performance",
            {
                "subject_name": "某某公司",
                "uscc": uscc(16),
                "counterparty": "某某集团",
                "signed_on": "2023-02-01",
                "performance": "已履约",
                "amount": "300",
            },
        ),
        ("tax_grade", {"subject_name": "某某公司", "uscc": uscc(17), "year": "2022", "grade": "A级"}),
        (
            "self_declared",
            {
                "subject_name": "某某公司",
                "uscc": uscc(18),
                "category": "资质",
                "content": "ISO9001",
                "declared_on": "2023-05-05",
                "review_status": "审核通过",
            },
        ),
        (
            "financing",
            {
                "subject_name": "某某公司",
                "uscc": uscc(19),
                "bank": "交通银行",
                "amount": "200",
                "granted_on": "2023-06-30",
                "status": "已放款",
            },
        ),
        (
            "points_event",
            {
                "subject_name": "张某",
                "id_number": "",
                "local_code": "BD-120115-001-0007",
                "subject_kind": "自然人",
                "scheme": "baodi_village",
                "points": "+5",
                "event_date": "2023-08-08",
            },
        ),
    ],
)
def test_every_kind_ingests_from_rows(kind, row, sqlite_engine):
    result = ingest_rows(engine=sqlite_engine, rows=[row], source="demo", kind=kind)
    assert (result.accepted, result.rejected) == (1, 0), result
    rec = records(sqlite_engine)[0]
    assert rec.kind == kind and rec.occurred_on is not None or kind == "tax_grade"
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 1


def test_amount_scale_per_kind(sqlite_engine):
    ingest_rows(
        engine=sqlite_engine,
        source="bank",
        kind="financing",
        rows=[
            {
                "subject_name": "某某公司",
                "uscc": uscc(19),
                "bank": "交通银行",
                "amount": "200",
                "granted_on": "2023-06-30",
                "status": "granted",
            }
        ],
    )
    assert records(sqlite_engine)[0].amount == pytest.approx(2_000_000.0)


def test_person_subject_from_the_2016_id_column(tmp_path, sqlite_engine):
    from ingest_files import person_id

    pid = person_id(5)
    row = penalty_2016(
        1,
        **{
            "行政相对人代码_1(统一社会信用代码)": "",
            "行政相对人代码_5(居民身份证号)": pid,
            "行政相对人名称": "张小明",
        },
    )
    result = ingest_file(engine=sqlite_engine, path=write_csv(tmp_path / "p.csv", [row]), source="s")
    assert result.accepted == 1
    with Session(sqlite_engine) as s:
        subject = s.scalars(select(Subject)).one()
    assert (subject.kind, subject.id_number, subject.uscc) == ("person", pid, None)
    assert (
        json.dumps(records(sqlite_engine)[0].fields, ensure_ascii=False).find(pid) == -1
    )  # ID not copied into fields
