"""Credit repair (信用修复) and objections (信用异议): applications, reviews, deadlines, queues.

Every function takes the caller's session and never commits. A step is one `repair_case_steps` row
plus a `repair.step` ledger leaf; the record's status changes only through
`xinyong.status.service.change_status` ("谁认定、谁修复": the deciding authority approves). Rules:
catalogue/repair/*.yaml (periods, xinyong.evaluation.repair), catalogue/repair_process/process.yaml
(evidence, deadlines), catalogue/workdays/*.yaml (working days). docs/repair.md, docs/objections.md.

Errors are RepairError (zh / en; `.missing` lists what an incomplete application lacks,
`.repairable_from` names the day a not-yet-repairable record becomes repairable). Nothing is written
when one is raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import OPERATOR, PRIVATE_SUBJECT_KINDS, Viewer, record_filter
from xinyong.evaluation.repair import repairability
from xinyong.records.models import Record
from xinyong.repair.models import (
    ACTIONS,
    AWAITING_AUTHORITY,
    OBJECTION,
    OPEN_STATES,
    REPAIR,
    STATES,
    RepairCase,
    RepairCaseStep,
    RepairEvidence,
)
from xinyong.repair.workdays import load_calendar
from xinyong.settings import get_settings
from xinyong.status import service as status_service
from xinyong.subjects.models import Subject

LEDGER_EVENT = "repair.step"
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class RepairError(ValueError):
    """A refused repair or objection step (zh / en). Nothing was written."""

    def __init__(
        self, zh: str, en: str, *, missing: Sequence[str] = (), repairable_from: dt.date | None = None
    ) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en
        self.missing = list(missing)
        self.repairable_from = repairable_from


class CaseNotFound(RepairError, LookupError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"申请不存在：{case_id}", f"application not found: {case_id}")


@dataclass(frozen=True)
class Evidence:
    """One uploaded file: `label` is a key of process.yaml repair.evidence."""

    label: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@lru_cache(maxsize=2)
def process_rules() -> dict[str, Any]:
    """catalogue/repair_process/process.yaml as a dict (evidence labels, deadlines, guidance days)."""
    path = get_settings().catalogue_dir / "repair_process" / "process.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def deadline_workdays(kind: str, district_code: str | None) -> int:
    """Working days the authority has for a case of `kind` in the district (process.yaml)."""
    rules = process_rules()[kind]
    return int(rules.get("districts", {}).get(district_code or "", rules["deadline_workdays"]))


def _record_domains(record: Record) -> tuple[str, ...]:
    raw = (record.fields or {}).get("penalty_domain") or (record.fields or {}).get("domain") or ""
    parts = raw if isinstance(raw, list) else str(raw).replace("，", ",").split(",")
    return tuple(p.strip() for p in parts if p and p.strip())


def record_info(session: Session, *, record: Record, as_of: dt.date) -> dict[str, Any]:
    """Whether and from when a negative record is repairable, and why (zh/en), with its status and
    its open case, if any. Shape: {record_id, kind, severity, occurred_on, status, status_zh,
    repairable (bool, today), repairable_from, first_repairable_on, min_period_end, max_period_end,
    rule_set, why_zh, why_en, open_case_id, open_case_state}."""
    rep = repairability(
        record.kind, record.severity, record.occurred_on, as_of, domains=_record_domains(record)
    )
    status = status_service.statuses(session, record_ids=[record.id], as_of=as_of)[record.id]
    open_case = _open_case(session, record.id)
    why_zh, why_en = rep.note_zh, rep.note_en
    repairable = rep.repairable_from is not None and rep.repairable_from <= as_of and status == "active"
    if status != "active":
        why_zh = f"记录状态为「{status_service.STATUSES[status][0]}」，无需修复"
        why_en = f"the record is {status_service.STATUSES[status][1]}; nothing to repair"
    return {
        "record_id": record.id,
        "kind": record.kind,
        "severity": record.severity,
        "occurred_on": record.occurred_on.isoformat() if record.occurred_on else None,
        "status": status,
        "status_zh": status_service.STATUSES[status][0],
        "repairable": repairable,
        "repairable_from": rep.repairable_from.isoformat() if rep.repairable_from else None,
        "first_repairable_on": rep.first_repairable_on.isoformat() if rep.first_repairable_on else None,
        "min_period_end": (rep.first_repairable_on - dt.timedelta(days=1)).isoformat()
        if rep.first_repairable_on
        else None,
        "max_period_end": rep.max_period_end.isoformat() if rep.max_period_end else None,
        "rule_set": rep.regime,
        "why_zh": why_zh,
        "why_en": why_en,
        "open_case_id": open_case.id if open_case else None,
        "open_case_state": state_of(session, open_case.id) if open_case else None,
    }


def subject_records(
    session: Session, *, subject_id: str, as_of: dt.date, viewer: Viewer = OPERATOR
) -> list[dict[str, Any]]:
    """`record_info` for each negative record of the subject that `viewer` may see as of the date
    (disclosure.record_filter: the subject sees its own records, never one dated after as_of or
    erased), oldest decision first."""
    rows = session.scalars(
        select(Record)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, Record.polarity == "negative", record_filter(viewer, as_of))
        .order_by(Record.occurred_on, Record.id)
    ).all()
    return [record_info(session, record=r, as_of=as_of) for r in rows]


def state_of(session: Session, case_id: int) -> str:
    """A case's state: its last step's state_after."""
    return session.scalar(
        select(RepairCaseStep.state_after)
        .where(RepairCaseStep.case_id == case_id)
        .order_by(RepairCaseStep.id.desc())
        .limit(1)
    )


def _open_case(session: Session, record_id: str) -> RepairCase | None:
    for case in session.scalars(
        select(RepairCase).where(RepairCase.record_id == record_id).order_by(RepairCase.id.desc())
    ):
        if state_of(session, case.id) in OPEN_STATES:
            return case
    return None


def _step(
    session: Session,
    case: RepairCase,
    *,
    action: str,
    actor: str,
    reason: str,
    on_day: dt.date,
    now: dt.datetime,
    due_on: dt.date | None = None,
) -> RepairCaseStep:
    from xinyong.ledger.service import record_event

    actor, reason = (actor or "").strip(), (reason or "").strip()
    if not actor or not reason:
        raise RepairError("缺少经办人或理由", "actor and reason are required")
    leaf = record_event(
        session,
        event_type=LEDGER_EVENT,
        record_id=case.record_id,
        at=now,
        case_id=case.id,
        case_kind=case.kind,
        action=action,
        state=ACTIONS[action][2],
        on_day=on_day.isoformat(),
        actor=actor,
        reason_sha256=hashlib.sha256(reason.encode("utf-8")).hexdigest(),
    )
    row = RepairCaseStep(
        case_id=case.id,
        action=action,
        state_after=ACTIONS[action][2],
        actor=actor[:100],
        reason=reason[:2000],
        on_day=on_day,
        due_on=due_on,
        at=now,
        leaf_index=leaf,
    )
    session.add(row)
    session.flush()
    return row


def _add_evidence(session: Session, case: RepairCase, evidence: Sequence[Evidence], now: dt.datetime) -> None:
    for ev in evidence:
        if not ev.data:
            raise RepairError(f"上传文件为空：{ev.filename}", f"empty upload: {ev.filename}")
        if len(ev.data) > MAX_EVIDENCE_BYTES:
            raise RepairError(
                f"文件过大：{ev.filename}（上限 10 MB）", f"file too large: {ev.filename} (limit 10 MB)"
            )
        session.add(
            RepairEvidence(
                case_id=case.id,
                label=ev.label,
                filename=ev.filename[:200],
                content_type=(ev.content_type or "application/octet-stream")[:100],
                sha256=hashlib.sha256(ev.data).hexdigest(),
                size=len(ev.data),
                data=ev.data,
                uploaded_at=now,
            )
        )
    session.flush()


def sign_repair_commitment(
    session: Session, *, subject_id: str, actor: str, idempotency_key: str, now: dt.datetime
) -> str:
    """Sign the public repair commitment (信用修复型承诺) and return its reference.

    The one place that knows how commitments are signed: through `xinyong.commitments.service.sign`
    with the `credit_repair` (信用修复型) template when the commitments domain is installed (refusals
    become RepairError), else a reference to the commitment text accepted online (its SHA-256 with
    subject and time), kept in the case and ledger."""
    try:
        commitments = importlib.import_module("xinyong.commitments.service")
    except ModuleNotFoundError:
        commitments = None
    if commitments is not None and hasattr(commitments, "sign"):
        try:
            signed = commitments.sign(
                session,
                template_id="credit_repair",
                subject_id=subject_id,
                actor=actor,
                channel="online",
                idempotency_key=idempotency_key,
                now=now,
            )
        except ValueError as exc:  # CommitmentError: the message is zh / en
            zh, _, en = str(exc).partition(" / ")
            raise RepairError(
                f"信用修复承诺未能签署：{zh}", f"the repair commitment was not signed: {en or zh}"
            ) from None
        return f"commitment:{signed.id}"
    text = f"{COMMITMENT_TEXT_ZH}|{subject_id}|{now.isoformat()}"
    return "text:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


COMMITMENT_TEXT_ZH = (
    "本单位承诺：已纠正失信行为、履行法定义务，所提交材料真实有效；如有虚假，愿承担相应法律责任，"
    "并同意将本承诺向社会公开。"
)
COMMITMENT_TEXT_EN = (
    "We commit that the dishonest act has been corrected and our legal obligations fulfilled, that the "
    "materials are true, that we accept liability if they are not, and that this commitment is published."
)


def _record_and_district(session: Session, record_id: str) -> tuple[Record, str | None]:
    record = session.get(Record, record_id)
    if record is None:
        raise status_service.RecordNotFound(record_id)
    district = session.scalar(select(Subject.district_code).where(Subject.id == record.subject_id))
    return record, district


def missing_for_repair(evidence: Sequence[Evidence], commitment: bool, statement: str) -> list[str]:
    """What an application lacks, as "label：说明 / description" lines (process.yaml repair.evidence)."""
    required = process_rules()["repair"]["evidence"]
    have = {e.label for e in evidence if e.data}
    missing = [f"{label}：{text}" for label, text in required.items() if label not in have]
    if not commitment:
        missing.append("commitment：信用修复承诺书（需在线签署）/ the public repair commitment (sign online)")
    if not (statement or "").strip():
        missing.append("statement：纠正情况说明 / a statement of how the act was corrected")
    return missing


def missing_names(item: str) -> tuple[str, str]:
    """A `missing_for_repair` line ("key：说明 / description") as (Chinese name, English name), the
    key left out: what the applicant reads ("已履行法定义务的证明（罚款缴纳凭证等）", "proof that the
    obligations were fulfilled (e.g. fine receipt)")."""
    zh, _, en = item.split("：", 1)[-1].partition("/")
    return zh.strip(), (en or zh).strip()


def apply_repair(
    session: Session,
    *,
    record_id: str,
    applicant: str,
    statement: str,
    evidence: Sequence[Evidence],
    accept_commitment: bool,
    as_of: dt.date,
    now: dt.datetime,
) -> RepairCase:
    """Submit a repair application for a negative record (Order 36: all conditions together).

    Refused (RepairError) when the record is not negative or not active, already has an open case,
    is not yet repairable (the message names the day it will be: `.repairable_from`), or the
    application is incomplete (`.missing` lists each missing item). The processing deadline is
    `deadline_workdays` working days after `as_of` (CalendarError past the loaded calendar)."""
    record, district = _record_and_district(session, record_id)
    if record.polarity != "negative":
        raise RepairError("只有失信记录可以申请信用修复", "only negative records can be repaired")
    info = record_info(session, record=record, as_of=as_of)
    if info["status"] != "active":
        raise RepairError(
            f"记录状态为「{info['status_zh']}」，不能申请修复",
            f"the record is {info['status']}; cannot apply",
        )
    if info["open_case_id"] is not None:
        raise RepairError(
            f"该记录已有办理中的申请（编号 {info['open_case_id']}）",
            f"the record already has an open application (no. {info['open_case_id']})",
        )
    if info["repairable_from"] is None:
        raise RepairError(f"该记录不适用信用修复：{info['why_zh']}", f"not repairable: {info['why_en']}")
    first = dt.date.fromisoformat(info["repairable_from"])
    if first > as_of:
        raise RepairError(
            f"最短公示期未满，{first} 起可申请修复（{info['why_zh']}）",
            f"the minimum publicity period has not ended; repairable from {first} ({info['why_en']})",
            repairable_from=first,
        )
    missing = missing_for_repair(evidence, accept_commitment, statement)
    if missing:
        names = [missing_names(m) for m in missing]
        raise RepairError(
            "申请材料不全，缺少：" + "；".join(zh for zh, _ in names),
            "the application is incomplete; missing: " + "; ".join(en for _, en in names),
            missing=missing,
        )
    due = load_calendar().add_workdays(as_of, deadline_workdays(REPAIR, district))
    case = RepairCase(
        kind=REPAIR,
        record_id=record.id,
        subject_id=record.subject_id,
        district_code=district,
        applicant=applicant[:100],
        statement=statement.strip()[:4000],
        commitment_ref=None,
        received_on=as_of,
        due_on=due,
        created_at=now,
    )
    session.add(case)
    session.flush()
    case.commitment_ref = sign_repair_commitment(
        session,
        subject_id=record.subject_id,
        actor=applicant,
        idempotency_key=f"repair-case-{case.id}",
        now=now,
    )
    _add_evidence(session, case, evidence, now)
    _step(
        session,
        case,
        action="submitted",
        actor=applicant,
        reason=statement,
        on_day=as_of,
        now=now,
        due_on=due,
    )
    _notify(session, case, "repair.submitted", "已收到信用修复申请", "repair application received", as_of)
    return case


def get_case(session: Session, case_id: int) -> RepairCase:
    case = session.get(RepairCase, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def current_due(session: Session, case: RepairCase) -> dt.date:
    """The deadline now in force: the last step that set one (resubmission restarts the clock)."""
    return (
        session.scalar(
            select(RepairCaseStep.due_on)
            .where(RepairCaseStep.case_id == case.id, RepairCaseStep.due_on.is_not(None))
            .order_by(RepairCaseStep.id.desc())
            .limit(1)
        )
        or case.due_on
    )


def resubmit(
    session: Session,
    *,
    case_id: int,
    applicant: str,
    note: str,
    evidence: Sequence[Evidence],
    as_of: dt.date,
    now: dt.datetime,
) -> RepairCase:
    """Supply the evidence an officer asked for; the case goes back to review with a new deadline."""
    case = get_case(session, case_id)
    if state_of(session, case.id) != "more_requested":
        raise RepairError("该申请当前不需要补充材料", "this application is not waiting for more evidence")
    if not evidence:
        raise RepairError("请上传补充材料", "upload the requested evidence")
    _add_evidence(session, case, evidence, now)
    due = load_calendar().add_workdays(as_of, deadline_workdays(case.kind, case.district_code))
    _step(
        session,
        case,
        action="resubmitted",
        actor=applicant,
        reason=note or "补充材料",
        on_day=as_of,
        now=now,
        due_on=due,
    )
    return case


def decide_repair(
    session: Session,
    *,
    case_id: int,
    decision: str,
    actor: str,
    reason: str,
    as_of: dt.date,
    now: dt.datetime,
) -> RepairCase:
    """The deciding authority's review: `approved`, `more_requested` or `rejected` (reason required).

    Approval appends the record's `repaired` status event (change_status, effective `as_of`), so the
    record leaves public surfaces, sharing and evaluation; grades become stale (evaluation
    stale_since sees the status event); lists are re-checked (`recheck_lists`); the subject is
    notified (notify.emit)."""
    case = get_case(session, case_id)
    if case.kind != REPAIR:
        raise RepairError("这是异议申请，请用异议处理", "this is an objection; decide it as one")
    if decision not in ("approved", "more_requested", "rejected"):
        raise RepairError(f"未知决定 {decision!r}", f"unknown decision {decision!r}")
    if state_of(session, case.id) not in AWAITING_AUTHORITY:
        raise RepairError(
            f"申请状态为「{STATES[state_of(session, case.id)][0]}」，不能再审核",
            f"the application is {state_of(session, case.id)}; it cannot be reviewed now",
        )
    if not (reason or "").strip():
        raise RepairError("请填写理由", "a reason is required")
    _step(session, case, action=decision, actor=actor, reason=reason, on_day=as_of, now=now)
    if decision == "approved":
        status_service.change_status(
            session,
            record_id=case.record_id,
            event="repaired",
            actor=actor,
            reason=f"信用修复申请 {case.id} 准予修复：{reason}",
            effective_on=as_of,
            at=now,
        )
        recheck_lists(session, subject_id=case.subject_id, as_of=as_of)
    titles = {
        "approved": ("信用修复申请已通过", "repair approved"),
        "more_requested": ("信用修复申请需补充材料", "more evidence requested"),
        "rejected": ("信用修复申请未通过", "repair rejected"),
    }[decision]
    _notify(session, case, f"repair.{decision}", *titles, as_of, reason=reason)
    return case


def recheck_lists(session: Session, *, subject_id: str, as_of: dt.date) -> bool:
    """Hook: re-check the subject's list memberships after a repair (Order 36 Art. 3 "updates lists").
    Calls `xinyong.lists.service.sync_subject(session, subject_id=, as_of=)` when the lists domain
    provides it; returns False (nothing to do) otherwise. docs/repair.md."""
    try:
        lists = importlib.import_module("xinyong.lists.service")
    except ModuleNotFoundError:
        return False
    sync = getattr(lists, "sync_subject", None)
    if sync is None:
        return False
    sync(session, subject_id=subject_id, as_of=as_of)
    return True


def _notify(
    session: Session, case: RepairCase, kind: str, zh: str, en: str, as_of: dt.date, reason: str = ""
) -> None:
    from xinyong.notify import emit

    emit(
        session,
        kind=kind,
        payload={
            "title_zh": zh,
            "title_en": en,
            "case_id": case.id,
            "case_kind": case.kind,
            "record_id": case.record_id,
            "on_day": as_of.isoformat(),
            "reason": reason,
        },
        subject_id=case.subject_id,
        district_code=case.district_code,
        user_ids=_subject_users(session, case.subject_id),
        dedup_key=f"{kind}:{case.id}:{_step_count(session, case.id)}",
    )


def _subject_users(session: Session, subject_id: str) -> list[int]:
    from xinyong.accounts.models import User

    return list(session.scalars(select(User.id).where(User.role == "subject", User.subject_id == subject_id)))


def _step_count(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).where(RepairCaseStep.case_id == case_id)) or 0


# --- objections ---------------------------------------------------------------------------------


def open_objection(
    session: Session,
    *,
    record_id: str,
    applicant: str,
    statement: str,
    evidence: Sequence[Evidence],
    as_of: dt.date,
    now: dt.datetime,
) -> RepairCase:
    """The subject disputes a record's accuracy: the record's status becomes `objection` (异议中,
    shown on every surface) until the source decides; deadline in working days (process.yaml)."""
    record, district = _record_and_district(session, record_id)
    if not (statement or "").strip():
        raise RepairError(
            "申请材料不全，缺少：异议理由",
            "the objection is incomplete; missing: the grounds",
            missing=["statement"],
        )
    if _open_case(session, record_id) is not None:
        raise RepairError("该记录已有办理中的申请", "the record already has an open application")
    due = load_calendar().add_workdays(as_of, deadline_workdays(OBJECTION, district))
    status_service.change_status(
        session,
        record_id=record.id,
        event="objection_opened",
        actor=applicant,
        reason=statement,
        effective_on=as_of,
        at=now,
    )
    case = RepairCase(
        kind=OBJECTION,
        record_id=record.id,
        subject_id=record.subject_id,
        district_code=district,
        applicant=applicant[:100],
        statement=statement.strip()[:4000],
        commitment_ref=None,
        received_on=as_of,
        due_on=due,
        created_at=now,
    )
    session.add(case)
    session.flush()
    _add_evidence(session, case, evidence, now)
    _step(
        session, case, action="opened", actor=applicant, reason=statement, on_day=as_of, now=now, due_on=due
    )
    _notify(session, case, "objection.opened", "已收到信用异议申请", "objection received", as_of)
    return case


def decide_objection(
    session: Session,
    *,
    case_id: int,
    outcome: str,
    actor: str,
    reason: str,
    as_of: dt.date,
    now: dt.datetime,
    corrected_version: int | None = None,
) -> RepairCase:
    """The source's verification outcome: `revoked` (异议成立, the record is withdrawn: status
    `revoked`), `confirmed` (异议不成立: back to `active`) or `corrected` (异议部分成立: the source has
    ingested a corrected version through ingest's correction path — pass its `corrected_version` —
    and the record is `active` again in its corrected form). Reason required."""
    case = get_case(session, case_id)
    if case.kind != OBJECTION:
        raise RepairError("这是修复申请", "this is a repair application")
    if outcome not in ("corrected", "revoked", "confirmed"):
        raise RepairError(f"未知结果 {outcome!r}", f"unknown outcome {outcome!r}")
    if state_of(session, case.id) != "verifying":
        raise RepairError("该异议已办结", "this objection is already decided")
    if not (reason or "").strip():
        raise RepairError("请填写理由", "a reason is required")
    record = session.get(Record, case.record_id)
    if outcome == "corrected":
        if corrected_version is None or record.version < max(corrected_version, 2):
            raise RepairError(
                "更正须先经数据归集的更正流程生成新版本，再办结异议",
                "a correction must first be ingested as a new record version (ingest's correction path)",
            )
        note = f"异议部分成立，记录已更正为第 {record.version} 版：{reason}"
    else:
        note = reason
    event = {"revoked": "revoked", "confirmed": "objection_rejected", "corrected": "objection_rejected"}[
        outcome
    ]
    status_service.change_status(
        session, record_id=case.record_id, event=event, actor=actor, reason=note, effective_on=as_of, at=now
    )
    _step(session, case, action=outcome, actor=actor, reason=note, on_day=as_of, now=now)
    zh, en = ACTIONS[outcome][0], ACTIONS[outcome][1]
    _notify(
        session,
        case,
        f"objection.{outcome}",
        f"信用异议处理结果：{zh}",
        f"objection decided: {en}",
        as_of,
        reason,
    )
    return case


# --- views, queues, figures ----------------------------------------------------------------------


def case_view(session: Session, case: RepairCase, *, as_of: dt.date) -> dict[str, Any]:
    """A case for pages and JSON: state, deadline, overdue flag, steps and evidence (no file bytes)."""
    steps = session.scalars(
        select(RepairCaseStep).where(RepairCaseStep.case_id == case.id).order_by(RepairCaseStep.id)
    ).all()
    evidence = session.scalars(
        select(RepairEvidence).where(RepairEvidence.case_id == case.id).order_by(RepairEvidence.id)
    ).all()
    state = steps[-1].state_after
    due = current_due(session, case)
    return {
        "id": case.id,
        "kind": case.kind,
        "record_id": case.record_id,
        "subject_id": case.subject_id,
        "district_code": case.district_code,
        "applicant": case.applicant,
        "statement": case.statement,
        "commitment_ref": case.commitment_ref,
        "received_on": case.received_on.isoformat(),
        "due_on": due.isoformat(),
        "state": state,
        "state_zh": STATES[state][0],
        "overdue": state in AWAITING_AUTHORITY and as_of > due,
        "steps": [
            {
                "action": s.action,
                "action_zh": ACTIONS[s.action][0],
                "state_after": s.state_after,
                "actor": s.actor,
                "reason": s.reason,
                "on_day": s.on_day.isoformat(),
                "leaf_index": s.leaf_index,
            }
            for s in steps
        ],
        "evidence": [
            {"id": e.id, "label": e.label, "filename": e.filename, "sha256": e.sha256, "size": e.size}
            for e in evidence
        ],
    }


def list_cases(
    session: Session,
    *,
    as_of: dt.date,
    district_code: str | None = None,
    subject_id: str | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Cases (newest first) as `case_view`, filtered by district or subject; open_only keeps those
    waiting for someone. The officer's review queue is open_only with the officer's district."""
    q = select(RepairCase).order_by(RepairCase.id.desc())
    if district_code is not None:
        q = q.where(RepairCase.district_code == district_code)
    if subject_id is not None:
        q = q.where(RepairCase.subject_id == subject_id)
    out = [case_view(session, c, as_of=as_of) for c in session.scalars(q)]
    return [c for c in out if c["state"] in OPEN_STATES] if open_only else out


def median_processing(session: Session, *, kind: str = REPAIR) -> dict[str, dict[str, Any]]:
    """Median working days from receipt to decision per district (decided cases only):
    {district_code: {"median_workdays": float, "decided": n}}."""
    cal = load_calendar()
    final = {"approved", "rejected", "corrected", "revoked", "confirmed"}
    rows = session.execute(
        select(RepairCase.district_code, RepairCase.received_on, RepairCaseStep.on_day)
        .join(RepairCaseStep, RepairCaseStep.case_id == RepairCase.id)
        .where(RepairCase.kind == kind, RepairCaseStep.state_after.in_(final))
    ).all()
    by: dict[str, list[int]] = {}
    for district, received, decided in rows:
        by.setdefault(district or "", []).append(cal.workdays_between(received, decided))
    return {d: {"median_workdays": statistics.median(v), "decided": len(v)} for d, v in sorted(by.items())}


def guidance_queue(
    session: Session, *, as_of: dt.date, district_code: str | None = None, days: int | None = None
) -> list[dict[str, Any]]:
    """信用修复指导 (滨海): active negative records that become repairable within `days` days
    (process.yaml guidance_days) or already are, with no open case, soonest first.
    Shape: [{subject_id, name, district_code, record_id, kind, severity, repairable_from, why_zh}]."""
    days = process_rules()["guidance_days"] if days is None else days
    horizon = as_of + dt.timedelta(days=days)
    q = (
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            Record.polarity == "negative",
            Record.occurred_on.is_not(None),
            Record.occurred_on <= as_of,
            Subject.kind.not_in(sorted(PRIVATE_SUBJECT_KINDS)),  # firms only: no personal data in the queue
        )
    )
    if district_code is not None:
        q = q.where(Subject.district_code == district_code)
    out = []
    for record, subject in session.execute(q):
        info = record_info(session, record=record, as_of=as_of)
        first = info["first_repairable_on"]
        if info["status"] != "active" or info["open_case_id"] is not None or first is None:
            continue
        if dt.date.fromisoformat(first) > horizon:
            continue
        out.append(
            {
                "subject_id": subject.id,
                "name": subject.name,
                "district_code": subject.district_code,
                "record_id": record.id,
                "kind": record.kind,
                "severity": record.severity,
                "repairable_from": info["repairable_from"],
                "why_zh": info["why_zh"],
            }
        )
    return sorted(out, key=lambda r: (r["repairable_from"], r["subject_id"], r["record_id"]))


def recompute_grades(engine: Any, *, subject_id: str, as_of: dt.date) -> list[str]:
    """After an approved repair: re-run each credit model that has graded the subject, for the
    changed subjects only (`evaluation.service.evaluate(..., changed=True)`, its own transactions),
    so the public card and archive show the new grade. Returns the model ids re-run. Until it has
    run, the old grade is shown marked stale (evaluation `stale_since` sees the status event)."""
    from sqlalchemy.orm import Session as _Session

    from xinyong.evaluation import service as evaluation

    with _Session(engine) as s:
        models = [g["model_id"] for g in evaluation.latest_grades(s, subject_id, as_of)]
    for model_id in models:
        evaluation.evaluate(engine, model_id=model_id, as_of=as_of, changed=True)
    return models
