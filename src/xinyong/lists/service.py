"""Credit lists (信用名单): definitions as data, memberships as intervals, sync and the review queue.

* `load_lists()` — the definitions in catalogue/lists/*.yaml, validated (ListsError names file and field).
* `enter` / `exit_membership` — the only ways a membership starts or ends; each writes its row and a
  `list.entered` / `list.exited` ledger leaf in the caller's transaction. Nothing is updated or deleted.
* `sync(session, list_id=, as_of=)` — re-check the entry criteria as of a date with the rule service:
  automatic lists enter and exit subjects at once; decision lists put candidates in the review queue;
  memberships whose term ended get their `expired` exit.
* `decide` — an officer accepts (→ `enter`) or rejects a candidate, with a reason.
* `excluded_from_benefits(session, subject_id, as_of)` — member of a list that excludes from benefits
  (严重失信主体名单): incentives must refuse every benefit.
Refusals raise ListError with a Chinese and English message; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta
from pydantic import ValidationError
from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.lists.models import ListCandidate, ListExit, ListMembership
from xinyong.lists.schemas import Duration, ListDefinition
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject

STATUS_LABELS = {
    "pending": ("尚未生效", "not yet in force"),
    "active": ("在列", "listed"),
    "expired": ("已到期", "term ended"),
    "exited": ("已移出", "removed"),
}
EXIT_KINDS = {"expired": "期满移出", "lapsed": "不再符合条件", "decision": "决定移出"}
SYNC_ORDER = {"black": 0, "focus": 1, "white": 2, "red": 3}  # red/white rules read black membership


class ListError(ValueError):
    """A refused list operation (message in Chinese and English); nothing was written."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class ListNotFound(ListError, LookupError):
    pass


# --------------------------------------------------------------------------- definitions


def lists_dir() -> Path:
    return Path(get_settings().catalogue_dir) / "lists"


@lru_cache(maxsize=8)
def _load(directory: Path, stamp: tuple[tuple[str, float], ...]) -> dict[str, ListDefinition]:
    from xinyong.rules import RuleError, check_expression

    out: dict[str, ListDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        name = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            d = ListDefinition.model_validate(data)
        except yaml.YAMLError as exc:
            raise ListError(f"{name}：YAML 格式错误 {exc}", f"{name}: invalid YAML: {exc}") from exc
        except ValidationError as exc:
            msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ListError(f"{name}：{msgs}", f"{name}: {msgs}") from exc
        if d.id != path.stem:
            raise ListError(f"{name}：id 须与文件名相同", f"{name}: id must equal the file name")
        if (d.entry.mode == "rule") != bool(d.entry.expression):
            raise ListError(
                f"{name}：entry.expression 仅且必须用于 mode: rule",
                f"{name}: entry.expression is required for mode rule and only there",
            )
        if d.entry.mode == "manual" and d.entry.decision == "automatic":
            raise ListError(
                f"{name}：人工列入的名单不能自动列入", f"{name}: a manual list cannot be automatic"
            )
        for field, expr in (("entry.expression", d.entry.expression), ("exit.expression", d.exit.expression)):
            if expr:
                try:
                    check_expression(expr)
                except RuleError as exc:
                    raise ListError(f"{name}：{field} {exc.zh}", f"{name}: {field} {exc}") from exc
        out[d.id] = d
    return out


def load_lists(directory: Path | None = None) -> dict[str, ListDefinition]:
    """Every list definition, by id (cached until a file changes). ListError for a bad file."""
    directory = Path(directory or lists_dir())
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(directory.glob("*.yaml")))
    return _load(directory, stamp)


def get_list(list_id: str) -> ListDefinition:
    d = load_lists().get(list_id)
    if d is None:
        raise ListNotFound(f"名单不存在：{list_id}", f"no such list: {list_id}")
    return d


def planned_end(start: dt.date, duration: Duration | None) -> dt.date | None:
    if duration is None:
        return None
    return start + relativedelta(years=duration.years, months=duration.months, days=duration.days)


def ensure_rules(
    session: Session, d: ListDefinition, *, actor: str = "lists"
) -> tuple[int | None, int | None]:
    """Save the list's entry/exit expressions as versioned rules (unchanged ones keep their version);
    return (entry version, exit version)."""
    from xinyong.rules import save_rule

    versions: list[int | None] = []
    for rule_id, expr in ((d.entry_rule_id, d.entry.expression), (d.exit_rule_id, d.exit.expression)):
        if not expr:
            versions.append(None)
            continue
        row = save_rule(
            session, rule_id=rule_id, expression=expr, actor=actor, reason=f"名单定义 list definition {d.id}"
        )
        versions.append(row.version)
    return versions[0], versions[1]


# --------------------------------------------------------------------------- membership state


def status_of(m: ListMembership, x: ListExit | None, as_of: dt.date) -> str:
    """pending | active | expired | exited, as of the date."""
    if m.start_on > as_of:
        return "pending"
    if x is not None and x.exit_on <= as_of:
        return "expired" if x.kind == "expired" else "exited"
    if m.planned_end_on is not None and m.planned_end_on <= as_of:
        return "expired"
    return "active"


def end_of(m: ListMembership, x: ListExit | None) -> dt.date | None:
    ends = [d for d in (m.planned_end_on, x.exit_on if x else None) if d is not None]
    return min(ends) if ends else None


def active_clause(as_of: dt.date) -> Any:
    """SQL: the membership (outer-joined to its exit) is in force as of the date."""
    return and_(
        ListMembership.start_on <= as_of,
        or_(ListMembership.planned_end_on.is_(None), ListMembership.planned_end_on > as_of),
        or_(ListExit.exit_on.is_(None), ListExit.exit_on > as_of),
    )


def _with_exits() -> Any:
    return select(ListMembership, ListExit).outerjoin(ListExit, ListExit.membership_id == ListMembership.id)


def history(
    session: Session, *, list_id: str | None = None, subject_id: str | None = None
) -> list[tuple[ListMembership, ListExit | None]]:
    """Every membership (with its exit, if any), newest start first."""
    stmt = _with_exits()
    if list_id:
        stmt = stmt.where(ListMembership.list_id == list_id)
    if subject_id:
        stmt = stmt.where(ListMembership.subject_id == subject_id)
    stmt = stmt.order_by(ListMembership.start_on.desc(), ListMembership.id.desc())
    return [(m, x) for m, x in session.execute(stmt).all()]


def active_members(session: Session | Connection, list_id: str, as_of: dt.date) -> dict[str, ListMembership]:
    rows = session.execute(_with_exits().where(ListMembership.list_id == list_id, active_clause(as_of))).all()
    return {m.subject_id: m for m, _ in rows}


def memberships_as_of(
    session: Session | Connection, *, subject_ids: list[str] | None, as_of: dt.date
) -> dict[str, list[str]]:
    """{subject id: sorted list ids it is a member of as of the date} (the `lists` fact)."""
    stmt = (
        select(ListMembership.subject_id, ListMembership.list_id)
        .outerjoin(ListExit, ListExit.membership_id == ListMembership.id)
        .where(active_clause(as_of))
    )
    if subject_ids is not None:
        stmt = stmt.where(ListMembership.subject_id.in_(subject_ids))
    out: dict[str, list[str]] = {}
    for sid, lid in session.execute(stmt):
        out.setdefault(sid, []).append(lid)
    return {k: sorted(set(v)) for k, v in out.items()}


def excluded_from_benefits(session: Session | Connection, subject_id: str, as_of: dt.date) -> bool:
    """True when the subject is, as of the date, on a list that excludes from benefits (严重失信主体
    名单): every incentive must refuse it. Source: 国办发〔2020〕49号 (失信约束)."""
    excluding = {d.id for d in load_lists().values() if d.excludes_from_benefits}
    listed = memberships_as_of(session, subject_ids=[subject_id], as_of=as_of).get(subject_id, [])
    return bool(excluding.intersection(listed))


def excluded_subjects(session: Session | Connection, as_of: dt.date) -> set[str]:
    """Every subject excluded from benefits as of the date (bulk form of `excluded_from_benefits`)."""
    excluding = {d.id for d in load_lists().values() if d.excludes_from_benefits}
    return {
        sid
        for sid, lids in memberships_as_of(session, subject_ids=None, as_of=as_of).items()
        if excluding & set(lids)
    }


# --------------------------------------------------------------------------- entry and exit


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(now: dt.datetime | None) -> dt.datetime:
    return (now or clock.now()).astimezone(dt.UTC).replace(tzinfo=None)


def _overlaps(session: Session, list_id: str, subject_id: str, start: dt.date, end: dt.date | None) -> bool:
    for m, x in session.execute(
        _with_exits().where(ListMembership.list_id == list_id, ListMembership.subject_id == subject_id)
    ).all():
        m_end = end_of(m, x)
        if (m_end is None or m_end > start) and (end is None or end > m.start_on):
            return True
    return False


def enter(
    session: Session,
    *,
    list_id: str,
    subject_id: str,
    actor: str,
    basis: str,
    reason: str,
    start_on: dt.date,
    listed_on: dt.date | None = None,
    via: str = "manual",
    rule_id: str | None = None,
    rule_version: int | None = None,
    facts: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> ListMembership:
    """Enter a subject into a list from `start_on` (the term from the definition's duration).

    Refused (ListError, nothing written): unknown list or subject; no legal basis or no reason
    (every entry needs both — 国办发〔2020〕49号); an actor missing; a listing date after the start;
    a subject kind outside the list's scope; an interval overlapping another membership of the same
    subject in the same list. Writes the membership and its `list.entered` ledger leaf."""
    from xinyong.ledger.service import append_event

    d = get_list(list_id)
    if not (basis or "").strip():
        raise ListError(
            "列入须有法律依据（文件、条款或决定文号）",
            "an entry needs its legal basis (document, article, decision number)",
        )
    if not (reason or "").strip():
        raise ListError("列入须写明理由", "an entry needs a reason")
    if not (actor or "").strip():
        raise ListError("缺少操作人", "actor is required")
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise ListError(f"主体不存在：{subject_id}", f"subject not found: {subject_id}")
    if d.scope_kinds and subject.kind not in d.scope_kinds:
        raise ListError(
            f"{d.name_zh}只适用于 {', '.join(d.scope_kinds)}（该主体为 {subject.kind}）",
            f"{d.id} applies to {', '.join(d.scope_kinds)} only (the subject is {subject.kind})",
        )
    if d.district and subject.district_code != d.district:
        raise ListError(
            f"{d.name_zh}只适用于本区主体", f"{d.id} applies to subjects of district {d.district} only"
        )
    listed_on = listed_on or start_on
    if listed_on > start_on:
        raise ListError("列入决定日期不能晚于生效日期", "the listing date cannot be after the start date")
    end = planned_end(start_on, d.exit.duration)
    if _overlaps(session, list_id, subject_id, start_on, end):
        raise ListError(
            f"该主体在{d.name_zh}中已有与此期间重叠的列入记录",
            f"the subject already has a membership of {list_id} overlapping this period",
        )
    at = _utc(now)
    leaf = append_event(
        session,
        {
            "type": "list.entered",
            "subject_id": subject_id,
            "list": list_id,
            "listed_on": listed_on.isoformat(),
            "start_on": start_on.isoformat(),
            "planned_end_on": end.isoformat() if end else None,
            "authority": d.authority,
            "via": via,
            "rule_id": rule_id,
            "rule_version": rule_version,
            "actor": actor.strip(),
            "basis_sha256": _sha(basis.strip()),
            "reason_sha256": _sha(reason.strip()),
        },
        at=at,
    )
    row = ListMembership(
        list_id=list_id,
        subject_id=subject_id,
        listed_on=listed_on,
        start_on=start_on,
        planned_end_on=end,
        authority=d.authority,
        basis=basis.strip(),
        reason=reason.strip(),
        via=via,
        rule_id=rule_id,
        rule_version=rule_version,
        facts=facts or {},
        actor=actor.strip(),
        recorded_at=at,
        leaf_index=leaf,
    )
    session.add(row)
    session.flush()
    _notify(session, "list.entered", row, d, subject)
    return row


def exit_membership(
    session: Session,
    *,
    membership_id: int,
    exit_on: dt.date,
    kind: str,
    actor: str,
    reason: str,
    rule_version: int | None = None,
    now: dt.datetime | None = None,
) -> ListExit:
    """End a membership on `exit_on` (the first day the subject is no longer listed). `kind`:
    expired | lapsed | decision. Refused (ListError): unknown membership, already ended, no reason,
    an exit before the start or after the planned end. Writes the exit and its `list.exited` leaf."""
    from xinyong.ledger.service import append_event

    if kind not in EXIT_KINDS:
        raise ListError(f"未知的移出方式 {kind}", f"unknown exit kind {kind!r}")
    if not (reason or "").strip() or not (actor or "").strip():
        raise ListError("移出须写明理由和操作人", "an exit needs a reason and an actor")
    m = session.get(ListMembership, membership_id)
    if m is None:
        raise ListNotFound(f"列入记录不存在：{membership_id}", f"membership not found: {membership_id}")
    if session.get(ListExit, membership_id) is not None:
        raise ListError("该列入记录已移出", "the membership has already ended")
    if exit_on < m.start_on:
        raise ListError("移出日期早于列入生效日期", "the exit date is before the start date")
    if m.planned_end_on is not None and exit_on > m.planned_end_on:
        raise ListError(
            f"列入期限已于 {m.planned_end_on} 届满", f"the term already ended on {m.planned_end_on}"
        )
    at = _utc(now)
    leaf = append_event(
        session,
        {
            "type": "list.exited",
            "subject_id": m.subject_id,
            "list": m.list_id,
            "membership_leaf": m.leaf_index,
            "exit_on": exit_on.isoformat(),
            "kind": kind,
            "rule_version": rule_version,
            "actor": actor.strip(),
            "reason_sha256": _sha(reason.strip()),
        },
        at=at,
    )
    row = ListExit(
        membership_id=membership_id,
        exit_on=exit_on,
        kind=kind,
        actor=actor.strip(),
        reason=reason.strip(),
        rule_version=rule_version,
        recorded_at=at,
        leaf_index=leaf,
    )
    session.add(row)
    session.flush()
    d = load_lists().get(m.list_id)
    if d is not None:
        _notify(session, "list.exited", m, d, session.get(Subject, m.subject_id))
    return row


def _notify(session: Session, kind: str, m: ListMembership, d: ListDefinition, subject: Any) -> None:
    """Tell the district (and the subject) through the notification outbox, when that domain exists."""
    try:
        from xinyong.notify import emit  # type: ignore[attr-defined]
    except ImportError:
        return
    verb_zh, verb_en = ("列入", "entered") if kind == "list.entered" else ("移出", "left")
    emit(
        session,
        kind=kind,
        payload={
            "list": d.id,
            "list_zh": d.name_zh,
            "membership_id": m.id,
            "start_on": m.start_on.isoformat(),
            "title_zh": f"{verb_zh}{d.name_zh}",
            "title_en": f"{verb_en} {d.name_en}",
        },
        subject_id=m.subject_id,
        district_code=getattr(subject, "district_code", None),
        dedup_key=f"{kind}:{m.id}",
    )


# --------------------------------------------------------------------------- sync and review


@dataclass
class SyncResult:
    list_id: str
    as_of: dt.date
    rule_version: int | None
    entered: int = 0
    exited: int = 0
    expired: int = 0
    candidates: int = 0
    lapsed_candidates: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}


def _expire(session: Session, list_id: str, as_of: dt.date, actor: str, now: dt.datetime | None) -> int:
    rows = session.execute(
        _with_exits().where(
            ListMembership.list_id == list_id,
            ListExit.membership_id.is_(None),
            ListMembership.planned_end_on.is_not(None),
            ListMembership.planned_end_on <= as_of,
        )
    ).all()
    for m, _ in rows:
        exit_membership(
            session,
            membership_id=m.id,
            exit_on=m.planned_end_on,
            kind="expired",
            actor=actor,
            reason="列入期限届满 term ended",
            now=now,
        )
    return len(rows)


def _facts_rows(session: Session, expression: str, subject_ids: list[str], as_of: dt.date) -> dict[str, dict]:
    from xinyong.rules.service import check_expression, facts_table

    if not subject_ids:
        return {}
    rule = check_expression(expression)
    table = facts_table(session, read_keys=rule.read_keys, as_of=as_of, subject_ids=subject_ids)
    return {r.pop("subject_id"): r for r in table.to_pylist()}


def _in_scope(session: Session, d: ListDefinition, hits: list[str]) -> list[str]:
    if not hits or (not d.scope_kinds and not d.district):
        return hits
    keep = []
    for start in range(0, len(hits), 5000):
        chunk = hits[start : start + 5000]
        stmt = select(Subject.id).where(Subject.id.in_(chunk))
        if d.scope_kinds:
            stmt = stmt.where(Subject.kind.in_(d.scope_kinds))
        if d.district:
            stmt = stmt.where(Subject.district_code == d.district)
        keep += list(session.scalars(stmt))
    return sorted(keep)


def sync(
    session: Session,
    *,
    list_id: str,
    as_of: dt.date,
    actor: str = "sync",
    now: dt.datetime | None = None,
    subject_ids: Collection[str] | None = None,
) -> SyncResult:
    """Re-check one list as of a date (idempotent for the same date): end memberships whose term is
    over; for a rule list evaluate its entry rule for every subject (rules.evaluate_many) — automatic
    lists enter the new hits and, with `when_criteria_lapse` (or an exit rule that holds), exit the
    rule-entered members no longer meeting it; decision lists queue new hits as candidates (pending
    candidates that no longer meet it become `lapsed`).

    `subject_ids`: re-check only these subjects (entries, exits and candidates of others are left
    as they are; ended terms are closed for every subject). Used after grades are written
    (`xinyong.lists.listeners`) and by a district office's "sync now"."""
    from xinyong.rules import evaluate_many

    d = get_list(list_id)
    entry_version, exit_version = ensure_rules(session, d)
    result = SyncResult(list_id=list_id, as_of=as_of, rule_version=entry_version)
    result.expired = _expire(session, list_id, as_of, actor, now)
    if d.entry.mode != "rule" or not d.entry.expression:
        return result
    only = None if subject_ids is None else set(subject_ids)
    if only is not None and not only:
        return result
    hits_map = evaluate_many(
        session,
        expression=d.entry.expression,
        as_of=as_of,
        subject_ids=None if only is None else sorted(only),
    )
    hits = _in_scope(session, d, sorted(s for s, ok in hits_map.items() if ok))
    hit_set = set(hits)
    active = active_members(session, list_id, as_of)
    if only is not None:
        active = {s: m for s, m in active.items() if s in only}
    new = [s for s in hits if s not in active]
    if d.entry.decision == "automatic":
        facts = _facts_rows(session, d.entry.expression, new, as_of)
        for sid in new:
            if _overlaps(session, list_id, sid, as_of, planned_end(as_of, d.exit.duration)):
                result.skipped += 1
                continue
            enter(
                session,
                list_id=list_id,
                subject_id=sid,
                actor=actor,
                basis=d.legal_basis,
                reason=d.entry.criteria_zh or f"符合列入条件 meets rule {d.entry_rule_id}",
                start_on=as_of,
                via="rule",
                rule_id=d.entry_rule_id,
                rule_version=entry_version,
                facts=facts.get(sid, {}),
                now=now,
            )
            result.entered += 1
        leaving: set[str] = set()
        if d.exit.when_criteria_lapse:
            leaving |= {s for s, m in active.items() if m.via == "rule" and s not in hit_set}
        if d.exit.expression:
            out = evaluate_many(
                session, expression=d.exit.expression, as_of=as_of, subject_ids=sorted(active)
            )
            leaving |= {s for s, ok in out.items() if ok and active[s].via == "rule"}
        for sid in sorted(leaving):
            m = active[sid]
            exit_membership(
                session,
                membership_id=m.id,
                exit_on=as_of,
                kind="lapsed",
                actor=actor,
                reason=f"不再符合列入条件 no longer meets {d.entry_rule_id}",
                rule_version=exit_version or entry_version,
                now=now,
            )
            result.exited += 1
        return result
    pending = {
        c.subject_id: c
        for c in session.scalars(
            select(ListCandidate).where(ListCandidate.list_id == list_id, ListCandidate.status == "pending")
        )
        if only is None or c.subject_id in only
    }
    queue = [s for s in new if s not in pending]
    facts = _facts_rows(session, d.entry.expression, queue, as_of)
    # A rejection holds for the facts it was made on: the same subject comes back only when the rule
    # version or the facts it read have changed since.
    rejected = session.execute(
        select(ListCandidate.subject_id, ListCandidate.rule_version, ListCandidate.facts).where(
            ListCandidate.list_id == list_id, ListCandidate.status == "rejected"
        )
    ).all()
    seen = {(sid, v, repr(sorted((f or {}).items()))) for sid, v, f in rejected}
    queue = [s for s in queue if (s, entry_version, repr(sorted(facts.get(s, {}).items()))) not in seen]
    at = _utc(now)
    for sid in queue:
        session.add(
            ListCandidate(
                list_id=list_id,
                subject_id=sid,
                found_on=as_of,
                rule_id=d.entry_rule_id,
                rule_version=entry_version,
                facts=facts.get(sid, {}),
                status="pending",
                recorded_at=at,
            )
        )
        result.candidates += 1
    for sid, c in pending.items():
        if sid not in hit_set and c.found_on <= as_of:
            c.status, c.decided_by, c.decided_at = "lapsed", actor, at
            c.decision_reason = f"{as_of} 复核时已不符合条件 no longer meets the criteria as of {as_of}"
            result.lapsed_candidates += 1
    session.flush()
    return result


def sync_all(
    session: Session,
    *,
    as_of: dt.date,
    actor: str = "sync",
    now: dt.datetime | None = None,
    subject_ids: Collection[str] | None = None,
    list_ids: Collection[str] | None = None,
) -> list[SyncResult]:
    """Sync every list (or `list_ids`), for every subject (or `subject_ids`): black lists first, then
    focus, white and red (their rules read `lists`)."""
    defs = sorted(load_lists().values(), key=lambda d: (SYNC_ORDER[d.category], d.id))
    return [
        sync(session, list_id=d.id, as_of=as_of, actor=actor, now=now, subject_ids=subject_ids)
        for d in defs
        if list_ids is None or d.id in list_ids
    ]


def lists_reading(model_id: str) -> list[str]:
    """Ids of the lists whose entry or exit rule reads a grade or score of `model_id`, plus the lists
    whose rules read list memberships (`lists`), which may change when the former do. Empty when no
    list depends on the model."""
    from xinyong.rules import check_expression

    direct, dependent = set(), set()
    for d in load_lists().values():
        for expr in (d.entry.expression, d.exit.expression):
            if not expr:
                continue
            keys = check_expression(expr).read_keys
            if any(f in ("grade", "score") and k == model_id for f, k in keys):
                direct.add(d.id)
            if any(f == "lists" for f, _ in keys):
                dependent.add(d.id)
    return sorted(direct | dependent) if direct else []


def recheck_candidate(session: Session, c: ListCandidate, as_of: dt.date) -> Any:
    """The candidate's entry rule (the version it was found with) evaluated for its subject as of the
    date: a rules Decision (`result`, `facts`), or None for a list without an entry rule."""
    from xinyong.rules import evaluate

    if not c.rule_id:
        return None
    return evaluate(session, rule_id=c.rule_id, version=c.rule_version, subject_id=c.subject_id, as_of=as_of)


def decide(
    session: Session,
    *,
    candidate_id: int,
    decision: str,
    actor: str,
    reason: str,
    start_on: dt.date | None = None,
    basis: str | None = None,
    now: dt.datetime | None = None,
) -> ListCandidate:
    """An officer's decision on a pending candidate: `accept` enters the subject (start: `start_on`,
    default today; basis: the list's legal basis unless given), `reject` closes it. Both need a
    reason; a decided candidate cannot be decided again (ListError).

    Before an acceptance the candidate's criteria (its rule version) are re-checked as of the decision
    date (today, from `now`): when they no longer hold — e.g. the subject was re-graded since the
    candidate was found — the acceptance is refused (ListError, nothing written) and the membership
    records the facts as of the decision, not those found earlier."""
    c = session.get(ListCandidate, candidate_id)
    if c is None:
        raise ListNotFound(f"候选记录不存在：{candidate_id}", f"candidate not found: {candidate_id}")
    if c.status != "pending":
        raise ListError(f"该候选已处理（{c.status}）", f"the candidate was already decided ({c.status})")
    if decision not in ("accept", "reject"):
        raise ListError("决定须为 accept 或 reject", "decision must be accept or reject")
    if not (reason or "").strip():
        raise ListError("决定须写明理由", "a decision needs a reason")
    d = get_list(c.list_id)
    at = _utc(now)
    if decision == "accept":
        decided_on = clock.today(now)
        check = recheck_candidate(session, c, decided_on)
        if check is not None and not check.result:
            raise ListError(
                f"{decided_on} 复核：该主体已不符合{d.name_zh}的列入条件，不能列入（请驳回或等待下次同步）",
                f"re-checked as of {decided_on}: the subject no longer meets the entry criteria of "
                f"{d.id}; it cannot be entered (reject it, or let the next sync lapse it)",
            )
        start = start_on or decided_on
        m = enter(
            session,
            list_id=c.list_id,
            subject_id=c.subject_id,
            actor=actor,
            basis=basis or d.legal_basis,
            reason=reason,
            start_on=start,
            listed_on=start,
            via="decision",
            rule_id=c.rule_id,
            rule_version=c.rule_version,
            facts=check.facts if check is not None else c.facts,
            now=now,
        )
        c.membership_id = m.id
    c.status = "accepted" if decision == "accept" else "rejected"
    c.decided_by, c.decided_at, c.decision_reason = actor.strip(), at, reason.strip()
    session.flush()
    return c


def candidates(
    session: Session, *, list_id: str | None = None, status: str | None = "pending"
) -> list[ListCandidate]:
    stmt = select(ListCandidate)
    if list_id:
        stmt = stmt.where(ListCandidate.list_id == list_id)
    if status:
        stmt = stmt.where(ListCandidate.status == status)
    return list(session.scalars(stmt.order_by(ListCandidate.found_on.desc(), ListCandidate.id)))


# --------------------------------------------------------------------------- public card


@lru_cache(maxsize=1)
def _card_statement() -> Any:
    """Built once with bind parameters (the card is the hot path: statement construction costs more
    than running it). Index ix_list_memberships_subject_id."""
    from sqlalchemy import Date, bindparam

    sid, as_of = bindparam("sid"), bindparam("as_of", type_=Date)
    return (
        select(
            ListMembership.list_id,
            ListMembership.start_on,
            ListMembership.planned_end_on,
            ListMembership.authority,
        )
        .outerjoin(ListExit, ListExit.membership_id == ListMembership.id)
        .where(ListMembership.subject_id == sid, active_clause(as_of))
        .order_by(ListMembership.start_on)
    )


def card_lists(conn: Connection | Session, *, subject_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Memberships of public lists in force as of the date, for the public card (the disclosure
    policy's `list_membership_visible` for the public viewer: public lists only)."""
    from xinyong.disclosure.policy import PUBLIC, list_membership_visible

    rows = conn.execute(_card_statement(), {"sid": subject_id, "as_of": as_of}).all()
    if not rows:
        return []
    defs = load_lists()
    out = []
    for list_id, start, end, authority in rows:
        d = defs.get(list_id)
        if d is None or not list_membership_visible(PUBLIC, None, public_list=d.public):
            continue
        out.append(
            {
                "list_id": list_id,
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "category": d.category,
                "category_zh": d.category_zh,
                "start_on": start,
                "planned_end_on": end,
                "authority": authority,
            }
        )
    return out
