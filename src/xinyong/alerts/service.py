"""Watchlists, findings grouped into alerts, whitelist suspension, scans and pushes (docs/alerts.md).

Errors are `AlertError` (Chinese and English); nothing changes when one is raised. Notifications go
through `xinyong.notify.emit` in the same transaction as the alert that causes them.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import re
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.alerts.models import (
    SEVERITIES,
    WATCHLIST_KINDS,
    Alert,
    AlertFinding,
    Watchlist,
    WatchlistMember,
    WatchlistSnapshot,
    WatchlistSuspension,
)
from xinyong.alerts.rules import REGISTRATION, AlertRule, load_rules, record_activation
from xinyong.notify import emit
from xinyong.notify.dialect import insert_ignore
from xinyong.subjects.models import Subject

# Modules with `suspend(session, *, subject_id, watchlist_id, reason, now)` and
# `reinstate(session, *, subject_id, watchlist_id, reason, now)`: the lists domain registers here,
# so a serious alert also suspends the subject on the credit white list (谁认定、谁修复 stays there).
SUSPEND_HOOKS: list[str] = []
WATCHLIST_ID = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
RANK = {"serious": 0, "general": 1, "info": 2}


class AlertError(ValueError):
    def __init__(self, zh: str, en: str, *, status: int = 400) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ------------------------------------------------------------------ watchlists


def create_watchlist(
    session: Session,
    *,
    watchlist_id: str,
    name_zh: str,
    name_en: str,
    kind: str,
    actor: str,
    district_code: str | None = None,
    pilot: str | None = None,
    owner_user_ids: list[int] | None = None,
    push_days: int = 0,
    now: dt.datetime | None = None,
) -> Watchlist:
    """A new watchlist. kind: roster | whitelist | borrowers; pilot: the programme pilot whose roster
    joins the list; owners: the users told about its alerts; push_days: 定期查询推送 period (0: none)."""
    if not WATCHLIST_ID.match(watchlist_id or ""):
        raise AlertError("名单编号须以小写字母开头，≤64位", f"invalid watchlist id: {watchlist_id!r}")
    if kind not in WATCHLIST_KINDS:
        raise AlertError(f"名单类型无效：{kind}", f"kind must be one of {sorted(WATCHLIST_KINDS)}: {kind}")
    if not name_zh.strip() or not name_en.strip():
        raise AlertError("名单须有中英文名称", "name_zh and name_en are required")
    if not 0 <= push_days <= 366:
        raise AlertError("推送周期须在0至366天之间", "push_days must be 0-366")
    if session.get(Watchlist, watchlist_id) is not None:
        raise AlertError(f"名单已存在：{watchlist_id}", f"watchlist exists: {watchlist_id}", status=409)
    wl = Watchlist(
        id=watchlist_id,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        kind=kind,
        district_code=district_code,
        pilot=pilot,
        owner_user_ids=sorted({int(u) for u in owner_user_ids or []}),
        push_days=push_days,
        created_by=actor,
        created_at=now or _now(),
    )
    session.add(wl)
    session.flush()
    return wl


def get_watchlist(session: Session, watchlist_id: str) -> Watchlist:
    wl = session.get(Watchlist, watchlist_id)
    if wl is None:
        raise AlertError("名单不存在", f"watchlist not found: {watchlist_id}", status=404)
    return wl


def add_members(
    session: Session, *, watchlist_id: str, subject_ids: list[str], actor: str, now: dt.datetime | None = None
) -> int:
    """Add subjects (an unknown one is refused by name, nothing added). Returns how many were new."""
    get_watchlist(session, watchlist_id)
    known = set(session.scalars(select(Subject.id).where(Subject.id.in_(subject_ids))))
    missing = [s for s in subject_ids if s not in known]
    if missing:
        raise AlertError(
            f"主体不存在：{', '.join(missing)}", f"unknown subjects: {', '.join(missing)}", status=404
        )
    at = now or _now()
    rows = [
        {"watchlist_id": watchlist_id, "subject_id": s, "added_by": actor, "added_at": at}
        for s in dict.fromkeys(subject_ids)
    ]
    return insert_ignore(session, WatchlistMember, rows) if rows else 0


def member_ids(session: Session, wl: Watchlist) -> list[str]:
    """Explicit members plus, for a list with a pilot, the pilot's roster."""
    ids = set(
        session.scalars(select(WatchlistMember.subject_id).where(WatchlistMember.watchlist_id == wl.id))
    )
    if wl.pilot:
        ids |= set(session.scalars(select(Subject.id).where(Subject.pilot == wl.pilot)))
    return sorted(ids)


def watchers(session: Session, subject_ids: list[str]) -> dict[str, list[Watchlist]]:
    """Which watchlists watch each of these subjects."""
    out: dict[str, list[Watchlist]] = {}
    if not subject_ids:
        return out
    lists = {w.id: w for w in session.scalars(select(Watchlist))}
    for wl_id, sid in session.execute(
        select(WatchlistMember.watchlist_id, WatchlistMember.subject_id).where(
            WatchlistMember.subject_id.in_(subject_ids)
        )
    ):
        out.setdefault(sid, []).append(lists[wl_id])
    pilots = {w.pilot: w for w in lists.values() if w.pilot}
    if pilots:
        for sid, pilot in session.execute(
            select(Subject.id, Subject.pilot).where(
                Subject.id.in_(subject_ids), Subject.pilot.in_(list(pilots))
            )
        ):
            for w in lists.values():
                if w.pilot == pilot and w not in out.get(sid, []):
                    out.setdefault(sid, []).append(w)
    return out


def open_suspension(session: Session, watchlist_id: str, subject_id: str) -> WatchlistSuspension | None:
    return session.scalars(
        select(WatchlistSuspension).where(
            WatchlistSuspension.watchlist_id == watchlist_id,
            WatchlistSuspension.subject_id == subject_id,
            WatchlistSuspension.resolved_at.is_(None),
        )
    ).first()


# ------------------------------------------------------------------ findings → alerts


def raise_finding(
    session: Session,
    *,
    wl: Watchlist,
    subject: Subject,
    rule: AlertRule,
    key: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> bool:
    """Record one finding. Duplicates (same watchlist, subject and key) are suppressed (False).
    Findings of one subject on one local day share one alert; the alert's first finding notifies the
    watchlist's owners (inbox, e-mail, webhooks). A serious finding on a whitelist suspends the
    subject from it pending review (and calls SUSPEND_HOOKS)."""
    day = clock.today(now)
    group = {"watchlist_id": wl.id, "subject_id": subject.id, "day": day}
    created = insert_ignore(
        session,
        Alert,
        group | {"district_code": subject.district_code, "severity": rule.severity, "created_at": now},
    )
    alert = session.scalars(select(Alert).filter_by(**group)).one()
    new = insert_ignore(
        session,
        AlertFinding,
        {
            "alert_id": alert.id,
            "watchlist_id": wl.id,
            "subject_id": subject.id,
            "rule_id": rule.id,
            "severity": rule.severity,
            "finding_key": key[:200],
            "details": details,
            "found_at": now,
        },
    )
    if not new:
        if created:  # only possible in a race; keep the group consistent
            session.delete(alert)
        return False
    if RANK[rule.severity] < RANK[alert.severity]:
        alert.severity = rule.severity
    if created:
        emit(
            session,
            kind="alert.raised",
            payload={
                "title_zh": f"信用风险预警：{subject.name}——{rule.name_zh}",
                "title_en": f"Credit risk alert: {subject.name} — {rule.name_en}",
                "alert_id": alert.id,
                "watchlist": wl.id,
                "rule_id": rule.id,
                "severity": rule.severity,
                "severity_zh": SEVERITIES[rule.severity][0],
                "details": details,
            },
            subject_id=subject.id,
            district_code=subject.district_code,
            user_ids=wl.owner_user_ids,
            dedup_key=f"alert:{alert.id}",
            now=now,
        )
    if (
        rule.severity == "serious"
        and wl.kind == "whitelist"
        and open_suspension(session, wl.id, subject.id) is None
    ):
        _suspend(session, wl, subject, alert, rule, now)
    return True


def _suspend(
    session: Session, wl: Watchlist, subject: Subject, alert: Alert, rule: AlertRule, now: dt.datetime
) -> None:
    reason = f"严重预警：{rule.name_zh} / serious alert: {rule.name_en}"
    session.add(
        WatchlistSuspension(
            watchlist_id=wl.id, subject_id=subject.id, alert_id=alert.id, reason=reason, suspended_at=now
        )
    )
    session.flush()
    for name in SUSPEND_HOOKS:
        importlib.import_module(name).suspend(
            session, subject_id=subject.id, watchlist_id=wl.id, reason=reason, now=now
        )
    emit(
        session,
        kind="watchlist.suspended",
        payload={
            "title_zh": f"白名单暂停待复核：{subject.name}（{wl.name_zh}）",
            "title_en": f"Suspended from whitelist pending review: {subject.name} ({wl.name_en})",
            "watchlist": wl.id,
            "alert_id": alert.id,
            "reason": reason,
        },
        subject_id=subject.id,
        district_code=subject.district_code,
        user_ids=wl.owner_user_ids,
        dedup_key=f"suspended:{wl.id}:{subject.id}:{alert.id}",
        now=now,
    )


def review(
    session: Session,
    *,
    watchlist_id: str,
    subject_id: str,
    outcome: str,
    reason: str,
    actor: str,
    now: dt.datetime | None = None,
) -> WatchlistSuspension:
    """Close a pending suspension: `reinstated` (back on the whitelist) or `removed`."""
    if outcome not in ("reinstated", "removed"):
        raise AlertError("复核结果须为 reinstated 或 removed", "outcome must be reinstated or removed")
    if not reason.strip():
        raise AlertError("须说明复核理由", "a reason is required")
    susp = open_suspension(session, watchlist_id, subject_id)
    if susp is None:
        raise AlertError(
            "没有待复核的暂停", f"no pending suspension of {subject_id} on {watchlist_id}", status=404
        )
    susp.resolved_at, susp.resolved_by = now or _now(), actor
    susp.outcome, susp.outcome_reason = outcome, reason.strip()[:500]
    if outcome == "reinstated":
        for name in SUSPEND_HOOKS:
            importlib.import_module(name).reinstate(
                session, subject_id=subject_id, watchlist_id=watchlist_id, reason=reason, now=susp.resolved_at
            )
    return susp


def on_records(
    session: Session, *, record_ids: list[str], now: dt.datetime, rules: list[AlertRule] | None = None
) -> int:
    """Run the record rules over newly ingested records of watched subjects. Returns new findings."""
    from xinyong.records.models import Record

    rules = [r for r in (rules if rules is not None else load_rules()) if r.on == "record"]
    if not rules or not record_ids:
        return 0
    n = 0
    for i in range(0, len(record_ids), 5000):
        recs = session.scalars(select(Record).where(Record.id.in_(record_ids[i : i + 5000]))).all()
        watching = watchers(session, sorted({r.subject_id for r in recs}))
        for rec in recs:
            if rec.subject_id not in watching:
                continue
            subject = session.get(Subject, rec.subject_id)
            record, subj = record_activation(rec, subject)
            for rule in rules:
                if not rule.matches_record(record, subj):
                    continue
                details = {
                    "record_id": rec.id,
                    "kind": rec.kind,
                    "severity": rec.severity,
                    "occurred_on": record["occurred_on"],
                }
                for wl in watching[rec.subject_id]:
                    n += raise_finding(
                        session,
                        wl=wl,
                        subject=subject,
                        rule=rule,
                        key=f"{rule.id}:record:{rec.id}",
                        details=details,
                        now=now,
                    )
    return n


# ------------------------------------------------------------------ scans


def _watched_values(session: Session, subject: Subject, keys: set[str], as_of: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(keys):
        if key in REGISTRATION:
            value = (
                getattr(subject, key, None)
                if key != "registered_capital"
                else (subject.attributes or {}).get(key)
            )
            out[key] = "" if value is None else str(value)
    facts = sorted(k for k in keys if k not in REGISTRATION)
    if facts:
        from xinyong.rules import subject_facts

        every = subject_facts(session, subject_id=subject.id, as_of=as_of)
        for key in facts:
            out[key] = every.get(_fact_column(key), "")
    return out


@functools.lru_cache(maxsize=256)
def _fact_column(key: str) -> str:
    """The facts-table column of a watched fact, as the rule language reads the key: `grade["m"]`,
    `grade['m']` and `grade.m` are one fact (checked when the rule was loaded)."""
    from xinyong.rules import check_fact
    from xinyong.rules.check import column_name

    return column_name(*check_fact(key))


def _changed(rule: AlertRule, key: str, old: Any, new: Any) -> bool:  # noqa: ANN401
    if old == new:
        return False
    if rule.direction == "drop":
        rank = {g: i for i, g in enumerate(rule.order)}
        return old in rank and new in rank and rank[new] > rank[old]
    return True


def scan(
    session: Session,
    *,
    watchlist_id: str,
    as_of: dt.date,
    now: dt.datetime | None = None,
    rules: list[AlertRule] | None = None,
) -> dict[str, int]:
    """Scan one watchlist as of a date with the change rules. A member's first scan is its baseline
    (no alert); later scans alert on differences from the last good snapshot, which is then
    replaced. A member whose values cannot be read keeps its last snapshot (never "empty").
    Returns {"members", "baseline", "findings", "failed"}."""
    from xinyong.rules import evaluate

    now = now or _now()
    wl = get_watchlist(session, watchlist_id)
    rules = [r for r in (rules if rules is not None else load_rules()) if r.on == "change"]
    keys = {k for r in rules for k in r.watch}
    counts = {"members": 0, "baseline": 0, "findings": 0, "failed": 0}
    snaps = {
        s.subject_id: s
        for s in session.scalars(select(WatchlistSnapshot).where(WatchlistSnapshot.watchlist_id == wl.id))
    }
    for sid in member_ids(session, wl):
        counts["members"] += 1
        subject = session.get(Subject, sid)
        try:
            with session.begin_nested():
                values = _watched_values(session, subject, keys, as_of)
        except Exception:  # noqa: BLE001 - a failed read keeps the last good snapshot
            counts["failed"] += 1
            continue
        snap = snaps.get(sid)
        if snap is None:
            session.add(
                WatchlistSnapshot(watchlist_id=wl.id, subject_id=sid, facts=values, as_of=as_of, taken_at=now)
            )
            counts["baseline"] += 1
            continue
        for rule in rules:
            if (
                rule.facts
                and not evaluate(session, expression=rule.facts, subject_id=sid, as_of=as_of).result
            ):
                continue
            for key in rule.watch:
                old, new = snap.facts.get(key), values.get(key)
                if key in snap.facts and _changed(rule, key, old, new):
                    counts["findings"] += raise_finding(
                        session,
                        wl=wl,
                        subject=subject,
                        rule=rule,
                        key=f"{rule.id}:{key}:{old}->{new}:{as_of.isoformat()}",
                        details={"field": key, "before": old, "after": new, "as_of": as_of.isoformat()},
                        now=now,
                    )
        session.execute(
            update(WatchlistSnapshot)
            .where(WatchlistSnapshot.id == snap.id)
            .values(facts=snap.facts | values, as_of=as_of, taken_at=now)
        )
    return counts


def push_digest(session: Session, *, watchlist_id: str, today: dt.date, now: dt.datetime) -> bool:
    """滨海's periodic push (定期查询推送): every `push_days` days, the owners get the list's members and
    the alerts of the period. Idempotent per list and day. Returns whether it is due today."""
    wl = get_watchlist(session, watchlist_id)
    if wl.push_days <= 0 or today.toordinal() % wl.push_days:
        return False
    since = today - dt.timedelta(days=wl.push_days)
    alerts = session.execute(
        select(Alert.subject_id, Alert.severity, Alert.day).where(
            Alert.watchlist_id == wl.id, Alert.day > since, Alert.day <= today
        )
    ).all()
    members = member_ids(session, wl)
    emit(
        session,
        kind="alerts.push",
        payload={
            "title_zh": f"定期查询推送：{wl.name_zh}（{len(members)}户，预警{len(alerts)}条）",
            "title_en": f"Periodic push: {wl.name_en} ({len(members)} members, {len(alerts)} alerts)",
            "watchlist": wl.id,
            "period": [since.isoformat(), today.isoformat()],
            "members": len(members),
            "alerts": [
                {"subject_id": a.subject_id, "severity": a.severity, "day": a.day.isoformat()} for a in alerts
            ],
        },
        district_code=wl.district_code,
        user_ids=wl.owner_user_ids,
        dedup_key=f"push:{wl.id}:{today.isoformat()}",
        now=now,
    )
    return True


# ------------------------------------------------------------------ reading


def list_alerts(
    session: Session,
    *,
    district_code: str | None = None,
    city: bool = True,
    owner: int | None = None,
    limit: int = 200,
) -> list[tuple[Alert, list[AlertFinding]]]:
    """Alerts newest first with their findings: the city sees all, a district officer their
    district's subjects, any other viewer (`owner`) the alerts of watchlists they own."""
    q = select(Alert).order_by(Alert.day.desc(), Alert.id.desc()).limit(limit)
    if not city:
        if district_code is not None:
            q = q.where(Alert.district_code == district_code)
        else:
            owned = [
                w.id
                for w in session.scalars(select(Watchlist))
                if owner is not None and owner in (w.owner_user_ids or [])
            ]
            q = q.where(Alert.watchlist_id.in_(owned))
    alerts = list(session.scalars(q))
    findings: dict[int, list[AlertFinding]] = {}
    if alerts:
        for f in session.scalars(
            select(AlertFinding)
            .where(AlertFinding.alert_id.in_([a.id for a in alerts]))
            .order_by(AlertFinding.id)
        ):
            findings.setdefault(f.alert_id, []).append(f)
    return [(a, findings.get(a.id, [])) for a in alerts]


def list_watchlists(
    session: Session, *, district_code: str | None = None, city: bool = True, owner: int | None = None
) -> list[Watchlist]:
    lists = list(session.scalars(select(Watchlist).order_by(Watchlist.id)))
    if city:
        return lists
    if district_code is not None:
        return [w for w in lists if w.district_code == district_code]
    return [w for w in lists if owner is not None and owner in (w.owner_user_ids or [])]


def visible_alerts(
    session: Session, viewer: Any, *, as_of: dt.date, limit: int = 200, **scope: Any
) -> list[tuple[Alert, list[AlertFinding]]]:
    """`list_alerts` as `viewer` may see it, decided by the disclosure policy: an alert of a subject the
    viewer may not know of is left out; a finding about a record the viewer may not see as of the date
    (a bank watching its borrowers and a non-public penalty) is left out, and an alert left with no
    finding with it. Registration changes (before/after of public registration facts) carry no record."""
    from xinyong.disclosure.policy import record_visible, subject_visible
    from xinyong.records.models import Record
    from xinyong.status.service import statuses

    out = []
    rows = list_alerts(session, limit=limit, **scope)
    record_ids = [
        f.details.get("record_id") for _, fs in rows for f in fs if (f.details or {}).get("record_id")
    ]
    records = (
        {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(record_ids)))}
        if record_ids
        else {}
    )
    state = statuses(session, record_ids=list(records), as_of=as_of) if records else {}
    subject_ids = sorted({alert.subject_id for alert, _ in rows})
    subjects = (
        {s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(subject_ids)))}
        if subject_ids
        else {}
    )  # one query for the page's subjects, not one per alert
    for alert, findings in rows:
        subject = subjects.get(alert.subject_id)
        if subject is None or not subject_visible(viewer, subject):
            continue
        kept = []
        for f in findings:
            rid = (f.details or {}).get("record_id")
            if rid is not None:
                rec = records.get(rid)
                if rec is None or not record_visible(viewer, rec, subject, as_of, state.get(rid, "active")):
                    continue
            kept.append(f)
        if kept:
            out.append((alert, kept))
    return out
