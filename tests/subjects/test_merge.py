"""Officer subject merges (issue 10 item 4): two subjects found to be one entity are merged with a
reason, records move through the record service with a ledger leaf each, the merged-away id answers
with the kept subject's archive, ingest files its rows under the kept subject, evaluation grades the
merged subject; an undo is a new decision that restores the split exactly. SQLite and PostgreSQL.

Expected values are counted by hand from the rows below, never taken from the code under test."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.archive.service import SubjectNotFound, build_archive, list_subjects
from xinyong.disclosure.policy import OPERATOR, PUBLIC
from xinyong.ingest.normalise import content_id
from xinyong.ingest.service import ingest_rows
from xinyong.ledger.service import iter_leaves, verify_store
from xinyong.records.models import Record
from xinyong.subjects.merge import MergeError, MergeNotFound, merge_history, merge_subjects, undo_merge
from xinyong.subjects.models import Subject, SubjectMerge, SubjectMergeMove
from xinyong.subjects.service import subject_id_for

USCC = "91120101MA06G2XR2P"  # the company under its unified code (valid check character)
REG_NO = "120101000012345"  # the same company under its old 工商注册号, as an older file keys it
A = subject_id_for("org", USCC)
B = subject_id_for("org", REG_NO)
NOW = dt.datetime(2026, 11, 1, 9, 0)


def _penalty(no: str, code: dict, **kw) -> dict:
    return {
        "subject_name": "天津某某商贸有限公司",
        **code,
        "decision_no": no,
        "penalty_type": kw.pop("penalty_type", "罚款"),
        "decision_date": "2026-06-01",
        "authority": "天津市和平区市场监督管理局",
        **kw,
    }


def _inspection(code: dict) -> dict:  # no inspection number: identified by its content hash
    return {
        "subject_name": "天津某某商贸有限公司",
        **code,
        "inspection_type": "抽查",
        "inspection_date": "2026-05-20",
        "inspector_org": "天津市和平区市场监督管理局",
        "result": "发现问题",
    }


OLD_PENALTY = _penalty(
    "津和罚〔2026〕7号", {"local_code": REG_NO}, penalty_type="吊销许可证", fine_amount="120"
)
OLD_INSPECTION = _inspection({"local_code": REG_NO})
NEW_PENALTY = _penalty("津和罚〔2026〕9号", {"uscc": USCC}, fine_amount="0.5")


def _load(engine) -> None:
    ingest_rows(engine=engine, rows=[NEW_PENALTY], source="津市监", kind="penalty", now=NOW)
    ingest_rows(engine=engine, rows=[OLD_PENALTY], source="津市监", kind="penalty", now=NOW)
    ingest_rows(engine=engine, rows=[OLD_INSPECTION], source="津市监", kind="inspection", now=NOW)


def _reimport_adds_nothing(engine) -> None:
    for rows, kind in (([NEW_PENALTY, OLD_PENALTY], "penalty"), ([OLD_INSPECTION], "inspection")):
        again = ingest_rows(engine=engine, rows=rows, source="津市监", kind=kind)
        assert (again.accepted, again.corrected, again.rejected, again.duplicates) == (0, 0, 0, len(rows))


def _by_subject(session) -> dict[str, int]:
    out: dict[str, int] = {}
    for sid in session.scalars(select(Record.subject_id)):
        out[sid] = out.get(sid, 0) + 1
    return out


def _content_ids_match(session) -> None:
    """Every record's content id is the hash of its content under the subject it is filed under."""
    from xinyong.catalogue.service import load_catalogue

    kinds = load_catalogue().kinds
    for r in session.scalars(select(Record)):
        assert r.content_id == content_id(kinds[r.kind], r.source, r.subject_id, r.fields)


def test_merge_moves_records_and_undo_restores_the_split(engine):
    _load(engine)
    with Session(engine) as s:
        assert _by_subject(s) == {A: 1, B: 2}
        before = {r.id: (r.subject_id, r.content_id, r.seq) for r in s.scalars(select(Record))}
    with Session(engine) as s, s.begin():
        d = merge_subjects(
            s, merged_id=B, kept_id=A, officer="市信用办 王", reason="注册号与统一代码为同一企业", now=NOW
        )
        merge_id = d.id
    with Session(engine) as s:
        assert _by_subject(s) == {A: 3}
        d = s.get(SubjectMerge, merge_id)
        assert (d.action, d.kept_id, d.merged_id, d.records, d.undoes) == ("merge", A, B, 2, None)
        b = s.get(Subject, B)
        assert (b.merged_into, b.merge_id) == (A, merge_id)
        moved = {r.id: r for r in s.scalars(select(Record).where(Record.subject_id == A))}
        for rid, (old_subject, old_cid, _) in before.items():
            if old_subject == B:  # same record id, new content id and a later commit sequence number
                assert moved[rid].content_id != old_cid and moved[rid].seq > max(
                    x[2] for x in before.values()
                )
        assert {m.record_id for m in s.scalars(select(SubjectMergeMove))} == {
            rid for rid, v in before.items() if v[0] == B
        }
        _content_ids_match(s)
        report = verify_store(s)
        assert report["ok"], report
        leaves = [x for x in iter_leaves(s) if x.event_type in ("record.subject_changed", "subject.merged")]
        assert sorted(x.event_type for x in leaves) == ["record.subject_changed"] * 2 + ["subject.merged"]
        assert "注册号" not in b"".join(bytes(x.data) for x in leaves).decode()  # the reason is hashed

    _reimport_adds_nothing(engine)  # rows naming the merged-away subject are its records, not moves

    with Session(engine, expire_on_commit=False) as s, s.begin():
        undo = undo_merge(s, merge_id=merge_id, officer="市信用办 李", reason="核实为两家企业", now=NOW)
    with Session(engine) as s:
        assert _by_subject(s) == {A: 1, B: 2}
        for r in s.scalars(select(Record)):
            assert (r.subject_id, r.content_id) == before[r.id][:2]  # exactly as before the merge
        assert s.get(Subject, B).merged_into is None
        assert [(h.action, h.undoes) for h in merge_history(s, B)] == [("merge", None), ("unmerge", merge_id)]
        assert undo.records == 2
        assert verify_store(s)["ok"]
    with Session(engine) as s, s.begin(), pytest.raises(MergeError, match="already undone"):
        undo_merge(s, merge_id=merge_id, officer="x", reason="again")
    _reimport_adds_nothing(engine)


def test_rows_naming_a_merged_away_subject_are_filed_under_the_kept_one_and_undone_with_it(engine):
    _load(engine)
    with Session(engine) as s, s.begin():
        merge_id = merge_subjects(s, merged_id=B, kept_id=A, officer="王", reason="同一企业", now=NOW).id
    later = _penalty("津和罚〔2026〕11号", {"local_code": REG_NO})
    done = ingest_rows(engine=engine, rows=[later], source="津市监", kind="penalty")
    assert (done.accepted, done.rejected) == (1, 0)
    with Session(engine) as s:
        rec = s.get(Record, done.record_ids[0])
        assert rec.subject_id == A
        _content_ids_match(s)
        assert verify_store(s)["ok"]
        assert done.record_ids[0] in set(s.scalars(select(SubjectMergeMove.record_id)))
    # A correction of it naming the old id is a correction, not a move to another subject.
    fixed = ingest_rows(
        engine=engine, rows=[{**later, "penalty_type": "警告"}], source="津市监", kind="penalty"
    )
    assert (fixed.corrected, fixed.rejected) == (1, 0)
    with Session(engine) as s, s.begin():
        undo_merge(s, merge_id=merge_id, officer="李", reason="两家企业")
    with Session(engine) as s:
        assert _by_subject(s) == {A: 1, B: 3}  # the later record went back with the others
        _content_ids_match(s)
        assert verify_store(s)["ok"]


def test_merged_away_id_answers_with_the_kept_subjects_archive(engine):
    _load(engine)
    with Session(engine) as s, s.begin():
        merge_subjects(s, merged_id=B, kept_id=A, officer="王", reason="同一企业", now=NOW)
    day = dt.date(2026, 10, 31)
    with Session(engine) as s:
        via_b = build_archive(s, subject_id=B, as_of=day, viewer=OPERATOR)
        via_a = build_archive(s, subject_id=A, as_of=day, viewer=OPERATOR)
        assert (via_b.subject.id, via_b.merged_from, via_a.merged_from) == (A, B, None)
        assert via_a.merged_ids == [B]
        assert via_b.model_dump(exclude={"merged_from"}) == via_a.model_dump(exclude={"merged_from"})
        assert sum(len(g.records) for g in via_a.groups) == 3
        listed = {i.id for i in list_subjects(s, viewer=OPERATOR, q="天津某某商贸").items}
        assert listed == {A}  # the merged-away id is not listed on its own
        with pytest.raises(SubjectNotFound):
            build_archive(s, subject_id="s" + "0" * 23, as_of=day, viewer=PUBLIC)


def test_evaluation_grades_the_merged_subject(engine, tmp_path):
    """city_enterprise (models/city_enterprise.yaml): dishonesty base 100, a general penalty -15 (1
    year), a serious one -40 (3 years). A alone: one general penalty. Merged with B's licence revocation
    (吊销 → serious): both count. Read off the model text, not computed by the engine."""
    import pyarrow.parquet as pq

    from xinyong.evaluation.service import evaluate_subject
    from xinyong.evaluation.snapshot import export_snapshot

    _load(engine)
    day = dt.date(2026, 10, 31)
    with Session(engine) as s:
        alone = evaluate_subject(s, subject_id=A, model_id="city_enterprise", as_of=day)
    with Session(engine) as s, s.begin():
        merge_subjects(s, merged_id=B, kept_id=A, officer="王", reason="同一企业", now=NOW)
    with Session(engine) as s:
        merged = evaluate_subject(s, subject_id=A, model_id="city_enterprise", as_of=day)
    # points in hundredths (the model's `decimals: 2`)
    assert (alone["p_penalty_general"], alone["p_penalty_serious"]) == (-1500, 0)
    assert (merged["p_penalty_general"], merged["p_penalty_serious"]) == (-1500, -4000)
    export_snapshot(engine, tmp_path / "snap", full=True)
    subjects = set(pq.read_table(tmp_path / "snap" / "subjects").column("id").to_pylist())
    assert A in subjects and B not in subjects  # graded as the kept subject, not on its own
    records = pq.read_table(tmp_path / "snap" / "records").column("subject_id").to_pylist()
    assert records == [A, A, A]


def test_refusals_change_nothing(engine):
    _load(engine)
    with Session(engine) as s, s.begin():
        for kwargs, error in (
            ({"merged_id": B, "kept_id": B, "reason": "x"}, MergeError),
            ({"merged_id": B, "kept_id": A, "reason": "  "}, MergeError),
            ({"merged_id": B, "kept_id": "s" + "1" * 23, "reason": "x"}, MergeNotFound),
        ):
            with pytest.raises(error):
                merge_subjects(s, officer="王", **kwargs)
        assert s.scalars(select(SubjectMerge)).all() == []
        assert _by_subject(s) == {A: 1, B: 2}
    other = _penalty("津和罚〔2026〕12号", {"local_code": "C-001"})
    ingest_rows(engine=engine, rows=[other], source="津市监", kind="penalty")
    c = subject_id_for("org", "C-001")
    with Session(engine) as s, s.begin():
        first = merge_subjects(s, merged_id=B, kept_id=A, officer="王", reason="同一企业").id
        with pytest.raises(MergeError, match="already merged"):
            merge_subjects(s, merged_id=B, kept_id=c, officer="王", reason="再并")
        second = merge_subjects(s, merged_id=A, kept_id=c, officer="王", reason="也是同一企业").id
    with Session(engine) as s:
        assert _by_subject(s) == {c: 4}
    with Session(engine) as s, s.begin(), pytest.raises(MergeError, match=f"undo merge {second} first"):
        undo_merge(s, merge_id=first, officer="李", reason="倒序撤销")
    with Session(engine) as s, s.begin():
        undo_merge(s, merge_id=second, officer="李", reason="撤销")
        undo_merge(s, merge_id=first, officer="李", reason="撤销")
    with Session(engine) as s:
        assert _by_subject(s) == {A: 1, B: 2, c: 1}
        assert verify_store(s)["ok"]
