"""Real department files (tests/ingest/data/real_files, see PROVENANCE.md there): each imports as
the shared case README says. Expected values are read off the files by hand, not computed by the
code under test."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch, QuarantineRow
from xinyong.ingest.service import ingest_file
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

DATA = Path(__file__).parent / "data" / "real_files"


def _load(engine, name: str, **kw):
    result = ingest_file(engine=engine, path=DATA / name, source="案例", **kw)
    with Session(engine) as s:
        records = list(s.scalars(select(Record).where(Record.batch_id == result.batch)))
        subjects = {r.subject_id: s.get(Subject, r.subject_id) for r in records}
        quarantined = list(s.scalars(select(QuarantineRow).where(QuarantineRow.batch_id == result.batch)))
        batch = s.get(Batch, result.batch)
    return result, records, subjects, quarantined, batch


def test_penalty_2_field_codes_cf_cfjg_and_cf_frdb(engine):
    result, (rec,), subjects, _, _ = _load(engine, "sgs_penalty_2_fieldcodes_CF_CFJG_CF_FRDB.csv")
    assert (result.accepted, result.rejected, result.layout) == (1, 0, "sgs_penalty_2")
    assert result.unknown_columns == []  # every column of the 2.0 layout is known
    assert rec.fields["authority"] == "双鸭山市公安局"
    assert subjects[rec.subject_id].legal_rep == "王某"
    assert rec.publicity_until.isoformat() == "2020-10-17"  # CF_GSJZQ from the file


def test_multi_category_cell_is_not_minor_because_it_contains_a_warning(engine):
    result, (rec,), _, _, batch = _load(engine, "shenzhen_multi_category_warning_plus_fine.csv")
    assert result.accepted == 1
    # 警告 is minor, but 罚款 3.472365 万元 and confiscation are general: the most severe wins.
    assert rec.severity == "general"
    assert rec.occurred_on.isoformat() == "2022-05-13"  # 20220513
    assert rec.amount == 34723.65  # 3.472365 万元
    assert rec.publicity_until.isoformat() == "2023-05-13"  # general: one year
    assert batch.warnings == []  # all four categories are known


def test_person_ids_checked_by_document_type(engine):
    result, records, subjects, quarantined, _ = _load(
        engine, "natural_person_id_types_passport_hk_permit.csv"
    )
    assert (result.accepted, result.rejected, quarantined) == (3, 0, [])
    by_name = {subjects[r.subject_id].name: subjects[r.subject_id] for r in records}
    assert by_name["JOHN SMITH"].id_number == "E12345678"
    assert by_name["陈某某"].id_number == "H12345678"
    assert by_name["刘某某"].id_number == "12010219880817003X"  # lower-case x normalised
    assert {s.kind for s in by_name.values()} == {"person"}


def test_citizen_id_in_uscc_column_becomes_a_person_never_an_organisation_code(engine):
    result, (rec,), subjects, _, batch = _load(engine, "person_id_in_uscc_column_2016_no_category.csv")
    assert result.accepted == 1
    subject = subjects[rec.subject_id]
    assert subject.uscc is None and subject.id_number == "120101199003070494"
    assert subject.kind == "person"
    assert "id_in_uscc_column" in subject.attributes.get("flags", [])
    assert [(w["row"], w["code"]) for w in batch.warnings] == [(2, "id_in_uscc_column")]


def test_fullwidth_underscore_and_licence_publicity_date_from_the_file(engine):
    result, (rec,), subjects, _, _ = _load(engine, "competition_sgs_frxzxk_fullwidth_underscore.csv")
    assert result.accepted == 1
    assert subjects[rec.subject_id].legal_rep == "钱某"  # 法定代表人名称
    assert rec.valid_until.isoformat() == "2022-06-19"
    assert rec.publicity_until.isoformat() == "2018-06-20"  # the file's 公示截止期 wins
    assert "法定代表人名称" not in result.unknown_columns and "公示截止期" not in result.unknown_columns
    # columns outside the standard are reported, not dropped: they stay in `original`
    assert "信息使用范围" in result.unknown_columns and rec.original["信息使用范围"] == "社会公开"


def test_xlsx_header_found_below_a_merged_title_row(engine):
    result, (rec,), subjects, _, batch = _load(engine, "jtt_licence_2_export_merged_title_row.xlsx")
    assert (result.accepted, result.layout, result.header_row, batch.header_row) == (1, "sgs_licence_2", 2, 2)
    assert rec.fields["decision_no"] == "津交运许〔2019〕0315号"
    assert rec.valid_until.isoformat() == "2023-03-14"
    assert subjects[rec.subject_id].uscc == "91120101MA07K3L5P2"
    assert result.unknown_columns == ["数据导出时间"]


def test_irregular_registered_code_stays_rejected_without_a_correction(engine):
    result, records, _, (q,), _ = _load(engine, "xiamen_legacy_uscc_bad_checkchar.csv")
    assert (result.accepted, result.rejected, records) == (0, 1, [])
    assert q.row_number == 2 and [r["code"] for r in q.reasons] == ["uscc"]
    text = json.dumps(q.reasons, ensure_ascii=False)
    assert "91350203M0001QKT1F" not in text and "应为" not in text  # no "corrected" code offered


def test_officer_accepts_an_irregular_code_with_a_logged_reason(engine):
    import pytest
    from sqlalchemy import func

    from xinyong.ingest.irregular import IrregularCodeError
    from xinyong.ingest.service import accept_irregular_code
    from xinyong.ledger.service import iter_leaves

    _, _, _, (q,), _ = _load(engine, "xiamen_legacy_uscc_bad_checkchar.csv")
    with pytest.raises(IrregularCodeError):
        accept_irregular_code(engine=engine, quarantine_id=q.id, officer="heping", reason=" ")
    done = accept_irregular_code(
        engine=engine, quarantine_id=q.id, officer="heping", reason="核对营业执照原件，代码为2015年前核发"
    )
    assert done.status == "resolved"
    with Session(engine) as s:
        rec = s.get(Record, done.record_id)
        subject = s.get(Subject, rec.subject_id)
        assert subject.uscc == "91350203M0001QKT19"  # unchanged, not "corrected"
        assert "irregular_code" in subject.attributes["flags"]
        assert subject.attributes["irregular_code"]["reason"] == "核对营业执照原件，代码为2015年前核发"
        events = [
            json.loads(leaf.data)
            for leaf in iter_leaves(s)
            if leaf.event_type == "subject.irregular_code_accepted"
        ]
        assert [(e["officer"], e["code"], e["subject_id"]) for e in events] == [
            ("heping", "91350203M0001QKT19", subject.id)
        ]
        assert (
            s.scalar(select(func.count()).select_from(QuarantineRow).where(QuarantineRow.status == "open"))
            == 0
        )


def test_gsxt_spot_check_results_layout(engine):
    """The national enterprise credit publicity system's 抽查检查结果 listing (catalogue layout
    gsxt_spot_check): type, date and result under their bare headers, GSXT's wordings as values."""
    result, records, subjects, quarantined, _ = _load(engine, "gsxt_spot_check_results.csv")
    assert (result.kind, result.layout) == ("inspection", "gsxt_spot_check")
    assert (result.accepted, result.rejected, quarantined) == (4, 0, [])
    assert result.unknown_columns == ["序号"]  # the listing position: reported, kept in original
    got = sorted(
        (r.occurred_on.isoformat(), r.fields["inspection_type"], r.fields["result"]) for r in records
    )
    assert got == [
        ("2018-08-20", "random", "not_found"),  # 通过登记的住所（经营场所）无法联系
        ("2019-11-05", "routine", "not_found"),  # 检查 · 未发现开展本次抽查涉及的经营活动
        ("2022-03-01", "random", "passed"),  # 抽查 · 正常（符合）
        ("2023-06-30", "random", "closed"),  # 已关闭停业或正在组织清算
    ]
    assert {r.fields["inspector_org"] for r in records} == {"天津市和平区市场监督管理局"}
    (subject,) = subjects.values()
    assert (subject.uscc, subject.name) == ("91120101MA06G2XR2P", "天津某某商贸有限公司")
    by_date = {r.occurred_on.isoformat(): r for r in records}
    assert by_date["2018-08-20"].fields["remarks"] == "已列入经营异常名录"
    assert by_date["2018-08-20"].original["序号"] == "3"
    # one year of publicity from the inspection date (catalogue rule of the kind)
    assert by_date["2022-03-01"].publicity_until.isoformat() == "2023-03-01"
    again = ingest_file(engine=engine, path=DATA / "gsxt_spot_check_results.csv", source="案例")
    assert (again.accepted, again.duplicates) == (0, 4)
