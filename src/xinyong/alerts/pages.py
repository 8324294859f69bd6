"""Console page of risk early warning (/alerts): watchlists and alerts with their findings, scoped
as the API (city: all; district officer: their district; bank: the lists it owns), and filtered by
the disclosure policy (`service.visible_alerts`). Each alert names its subject, linked to the
subject's archive (`/subjects/{id}`), and each finding reads in Chinese first: the rule's name
(alerts/rules.yaml `name_zh`), the record kind (catalogue `name_zh`), the severity (轻微/一般/严重),
the date; registration changes name the field (法定代表人, 注册资本, 地址) with before → after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from xinyong import clock
from xinyong.accounts.deps import Db, require_console_role
from xinyong.alerts import service
from xinyong.alerts.api import scope
from xinyong.alerts.models import SEVERITIES, WATCHLIST_KINDS
from xinyong.alerts.rules import AlertRuleError, load_rules
from xinyong.console.labels import label
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer, present_subject
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
Watcher = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer", "bank"))]

# Watched registration values (alerts.rules.REGISTRATION) as people read them.
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "legal_rep": ("法定代表人", "legal representative"),
    "registered_capital": ("注册资本", "registered capital"),
    "address": ("地址", "address"),
}


def rule_names() -> dict[str, tuple[str, str]]:
    """rule id → (name_zh, name_en) of the installed alert rules ({} when the file cannot be read:
    the page then shows rule ids, and `xinyong alerts` reports the file's error)."""
    try:
        return {r.id: (r.name_zh, r.name_en) for r in load_rules()}
    except AlertRuleError:
        return {}


def severity_text(value: str | None) -> str:
    """A record's or an alert's severity in Chinese with the English beside: 严重 serious, 一般 general,
    轻微 minor, 提示 info; "" when there is none."""
    if not value:
        return ""
    if value in SEVERITIES:
        return f"{SEVERITIES[value][0]} {value}"
    return f"{label(value, 'severity')} {value}"


def finding_view(finding: Any, rules: dict[str, tuple[str, str]]) -> dict[str, Any]:  # noqa: ANN401 - AlertFinding
    """One finding as the page shows it: {rule_id, rule_zh, rule_en, kind, kind_zh, severity_text,
    occurred_on, field_zh, field_en, before, after}."""
    d = finding.details or {}
    zh, en = rules.get(finding.rule_id, (finding.rule_id, ""))
    field = d.get("field")
    field_zh, field_en = FIELD_NAMES.get(field, (field, "")) if field else ("", "")
    return {
        "rule_id": finding.rule_id,
        "rule_zh": zh,
        "rule_en": en,
        "kind": d.get("kind") or "",
        "kind_zh": label(d.get("kind"), "kind") or "",
        "severity_text": severity_text(d.get("severity")),
        "occurred_on": d.get("occurred_on") or d.get("as_of") or "",
        "field": field or "",
        "field_zh": field_zh,
        "field_en": field_en,
        "before": d.get("before"),
        "after": d.get("after"),
    }


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: Db, viewer: Watcher):
    alerts = service.visible_alerts(db, viewer, as_of=clock.today(), **scope(viewer))
    ids = sorted({a.subject_id for a, _ in alerts})
    subjects = db.scalars(select(Subject).where(Subject.id.in_(ids))) if ids else []
    names = {x.id: present_subject(viewer, x)["name"] for x in subjects}  # masked as the policy says
    watchlists = service.list_watchlists(db, **scope(viewer))
    rules = rule_names()
    return render(
        request,
        "alerts/alerts.html",
        alerts=[(a, [finding_view(f, rules) for f in findings]) for a, findings in alerts],
        names=names,
        list_names={w.id: w.name_zh for w in watchlists},
        watchlists=watchlists,
        severities=SEVERITIES,
        kinds=WATCHLIST_KINDS,
        viewer=viewer,
    )
