"""The repair and objection workflow against a real store (SQLite and PostgreSQL): refusals that
write nothing, deadlines in working days, review steps, the status event on approval, the ledger
leaf and outbox row of every step, medians and the guidance queue. Expected dates are counted by hand
on the 2026 calendar (中秋 09-25..27, 国庆 10-01..07, adjusted working days 09-20 and 10-10)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from repair_world import add_record, add_subject
from sqlalchemy import func, select

from xinyong.disclosure.policy import PUBLIC, record_visible
from xinyong.ledger.service import read_leaves, tree_size
from xinyong.notify.models import OutboxEvent
from xinyong.records.models import Record
from xinyong.repair import service
from xinyong.repair.models import RepairCase, RepairCaseStep
from xinyong.status.service import status_of
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

D = dt.date
NOW = dt.datetime(2026, 9, 16, 2, 0)
FULL = [
    service.Evidence("correction", "整改报告.pdf", "application/pdf", b"%PDF report"),
    service.Evidence("obligations", "缴款凭证.pdf", "application/pdf", b"%PDF receipt"),
]


@pytest.fixture
def world(engine):
    add_subject(engine)
    add_record(engine, "P1", occurred=D(2026, 6, 15))  # general: minimum ends 09-15, repairable 09-16
    add_record(engine, "P2", occurred=D(2026, 7, 20))  # general: repairable 2026-10-21
    add_record(engine, "P3", occurred=D(2026, 7, 1), severity="serious")  # repairable 2027-07-02
    return engine


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def _apply(s, rid="P1", day=D(2026, 9, 16), evidence=FULL, commit=True, statement="已整改并缴纳罚款"):
    return service.apply_repair(
        s,
        record_id=rid,
        applicant="企业S1",
        statement=statement,
        evidence=evidence,
        accept_commitment=commit,
        as_of=day,
        now=NOW,
    )


def test_not_yet_repairable_names_the_date_and_writes_nothing(world):
    leaves = _count(world, RepairCaseStep)
    with session_scope(world) as s, pytest.raises(service.RepairError) as err:
        _apply(s, day=D(2026, 9, 15))
    assert err.value.repairable_from == D(2026, 9, 16)
    assert "2026-09-16" in err.value.zh and "repairable from 2026-09-16" in err.value.en
    assert _count(world, RepairCase) == 0 and _count(world, RepairCaseStep) == leaves


def test_incomplete_application_lists_what_is_missing(world):
    with session_scope(world) as s, pytest.raises(service.RepairError) as err:
        _apply(s, evidence=FULL[:1], commit=False, statement=" ")
    labels = [m.split("：")[0] for m in err.value.missing]
    assert labels == ["obligations", "commitment", "statement"]
    # the message names each item in Chinese (process.yaml's text), English in the English half, no raw keys
    assert err.value.zh == (
        "申请材料不全，缺少：已履行法定义务的证明（罚款缴纳凭证等）；信用修复承诺书（需在线签署）；纠正情况说明"
    )
    assert err.value.en == (
        "the application is incomplete; missing: proof that the obligations were fulfilled (e.g. fine receipt); "
        "the public repair commitment (sign online); a statement of how the act was corrected"
    )
    assert not any(key in str(err.value) for key in ("obligations：", "commitment：", "statement："))
    assert _count(world, RepairCase) == 0


def test_full_repair_flow(world):
    with session_scope(world) as s:
        size0 = tree_size(s)
        case = _apply(s)
        # 滨海 (120116) promises 5 working days: 09-17, 18, 20 (Sun, adjusted for 国庆), 21, 22
        assert case.due_on == D(2026, 9, 22) and case.commitment_ref
        cid = case.id
        with pytest.raises(service.RepairError, match="open application"):
            _apply(s)  # one open case per record
    with session_scope(world) as s:
        with pytest.raises(service.RepairError, match="reason"):
            service.decide_repair(
                s,
                case_id=cid,
                decision="rejected",
                actor="滨海信用办",
                reason=" ",
                as_of=D(2026, 9, 18),
                now=NOW,
            )
        service.decide_repair(
            s,
            case_id=cid,
            decision="more_requested",
            actor="滨海信用办",
            reason="缴款凭证不清晰",
            as_of=D(2026, 9, 18),
            now=NOW,
        )
        assert service.state_of(s, cid) == "more_requested"
        with pytest.raises(service.RepairError):
            service.decide_repair(
                s, case_id=cid, decision="approved", actor="x", reason="y", as_of=D(2026, 9, 18), now=NOW
            )
        service.resubmit(
            s,
            case_id=cid,
            applicant="企业S1",
            note="重新上传",
            evidence=[service.Evidence("obligations", "凭证2.jpg", "image/jpeg", b"\xff\xd8jpeg")],
            as_of=D(2026, 9, 21),
            now=NOW,
        )
    with session_scope(world) as s:
        view = service.case_view(s, service.get_case(s, cid), as_of=D(2026, 9, 30))
        # clock restarts at 09-21 (Mon): 22, 23, 24, (25-27 中秋) 28, 29 → due 09-29; seen 09-30 → overdue
        assert view["due_on"] == "2026-09-29" and view["overdue"] is True
        assert [
            c["id"]
            for c in service.list_cases(s, as_of=D(2026, 9, 30), district_code="120116", open_only=True)
        ] == [cid]
        assert len(view["evidence"]) == 3
        service.decide_repair(
            s,
            case_id=cid,
            decision="approved",
            actor="滨海信用办",
            reason="材料齐全，准予修复",
            as_of=D(2026, 9, 30),
            now=NOW,
        )
    with session_scope(world) as s:
        assert status_of(s, record_id="P1", as_of=D(2026, 9, 30)) == "repaired"
        assert status_of(s, record_id="P1", as_of=D(2026, 9, 29)) == "active"
        rec, subj = s.get(Record, "P1"), s.get(Subject, "S1")
        assert not record_visible(PUBLIC, rec, subj, D(2026, 9, 30), "repaired")
        steps = s.scalars(
            select(RepairCaseStep).where(RepairCaseStep.case_id == cid).order_by(RepairCaseStep.id)
        ).all()
        assert [st.action for st in steps] == ["submitted", "more_requested", "resubmitted", "approved"]
        # every step has its own repair.step leaf, plus the record.status leaf of the approval
        leaves = list(read_leaves(s, range(size0, tree_size(s))).values())
        repair_leaves = [lf for lf in leaves if lf.event_type == "repair.step"]
        assert [json.loads(lf.data)["action"] for lf in repair_leaves] == [st.action for st in steps]
        assert [st.leaf_index for st in steps] == [lf.leaf_index for lf in repair_leaves]
        assert sum(lf.event_type == "record.status" for lf in leaves) == 1
        kinds = sorted(s.scalars(select(OutboxEvent.kind)))
        # each step notifies; the repair commitment is signed through the commitments domain, which notifies too
        assert kinds == ["commitment.signed", "repair.approved", "repair.more_requested", "repair.submitted"]
        # received 09-16, decided 09-30: 17, 18, 20, 21, 22, 23, 24, 28, 29, 30 → 10 working days
        assert service.median_processing(s) == {"120116": {"median_workdays": 10, "decided": 1}}
        info = {r["record_id"]: r for r in service.subject_records(s, subject_id="S1", as_of=D(2026, 9, 30))}
        assert info["P1"]["status"] == "repaired" and info["P1"]["repairable"] is False
        assert info["P2"]["repairable_from"] == "2026-10-21" and info["P2"]["repairable"] is False
        with pytest.raises(service.RepairError):
            _apply(s, day=D(2026, 10, 1))  # already repaired


def test_guidance_queue_lists_records_repairable_soon(world):
    with session_scope(world) as s:
        rows = service.guidance_queue(s, as_of=D(2026, 10, 1), days=30)
        # P1 (already repairable since 09-16) and P2 (10-21, within 30 days); P3 not until 2027-07-02
        assert [(r["record_id"], r["repairable_from"]) for r in rows] == [
            ("P1", "2026-10-01"),
            ("P2", "2026-10-21"),
        ]
        assert service.guidance_queue(s, as_of=D(2026, 10, 1), district_code="120101") == []


def test_objection_marks_and_resolves(world):
    with session_scope(world) as s:
        with pytest.raises(service.RepairError) as err:
            service.open_objection(
                s,
                record_id="P3",
                applicant="企业S1",
                statement="",
                evidence=[],
                as_of=D(2026, 10, 9),
                now=NOW,
            )
        assert err.value.missing == ["statement"]
        case = service.open_objection(
            s,
            record_id="P3",
            applicant="企业S1",
            statement="处罚对象错误",
            evidence=[],
            as_of=D(2026, 10, 9),
            now=NOW,
        )
        # default 10 working days after Fri 10-09: 10 (Sat, adjusted), 12..16, 19..22 → 2026-10-22
        assert case.due_on == D(2026, 10, 22)
        cid = case.id
    with session_scope(world) as s:
        assert status_of(s, record_id="P3", as_of=D(2026, 10, 9)) == "objection"
        with pytest.raises(service.RepairError, match="new record version"):
            service.decide_objection(
                s,
                case_id=cid,
                outcome="corrected",
                actor="来源部门",
                reason="部分有误",
                as_of=D(2026, 10, 12),
                now=NOW,
            )
        service.decide_objection(
            s,
            case_id=cid,
            outcome="confirmed",
            actor="来源部门",
            reason="经核实无误",
            as_of=D(2026, 10, 12),
            now=NOW,
        )
        assert status_of(s, record_id="P3", as_of=D(2026, 10, 12)) == "active"
        case2 = service.open_objection(
            s,
            record_id="P2",
            applicant="企业S1",
            statement="已被复议撤销",
            evidence=[],
            as_of=D(2026, 10, 12),
            now=NOW,
        )
        service.decide_objection(
            s,
            case_id=case2.id,
            outcome="revoked",
            actor="来源部门",
            reason="复议决定撤销",
            as_of=D(2026, 10, 13),
            now=NOW,
        )
        assert status_of(s, record_id="P2", as_of=D(2026, 10, 13)) == "revoked"
        assert service.state_of(s, case2.id) == "revoked"
