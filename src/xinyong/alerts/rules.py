"""Alert rules as data: `<XINYONG_ALERTS_DIR>/rules.yaml` (docs/alerts.md).

Record rules are CEL over the ingested record and its subject, compiled with the reference `cel`
package; change rules name watched values and may carry a subject-facts condition checked by the
rules service (`xinyong.rules.check_expression`). A bad file raises `AlertRuleError` naming the rule
and field in Chinese and English."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cel
import yaml

from xinyong.settings import get_settings

REGISTRATION = ("legal_rep", "registered_capital", "address")
RULE_SEVERITIES = ("serious", "general", "info")


class AlertRuleError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class AlertRule:
    id: str
    name_zh: str
    name_en: str
    on: str  # record | change
    severity: str
    when: str | None = None
    watch: tuple[str, ...] = ()
    direction: str | None = None  # drop
    order: tuple[str, ...] = ()
    facts: str | None = None
    program: Any = field(default=None, repr=False)

    def matches_record(self, record: dict, subject: dict) -> bool:
        return bool(self.program.execute({"record": record, "subject": subject}))


def record_activation(rec: Any, subj: Any) -> tuple[dict, dict]:  # noqa: ANN401 - Record, Subject
    """The CEL variables of a record rule: every key present (missing values are "")."""
    occurred = rec.occurred_on.isoformat() if isinstance(rec.occurred_on, dt.date) else ""
    record = {
        "kind": rec.kind or "",
        "severity": rec.severity or "",
        "polarity": rec.polarity or "",
        "source": rec.source or "",
        "occurred_on": occurred,
        "fields": {str(k): "" if v is None else str(v) for k, v in (rec.fields or {}).items()},
    }
    subject = {
        "district": subj.district_code or "",
        "kind": subj.kind or "",
        "pilot": subj.pilot or "",
        "industry": subj.industry or "",
    }
    return record, subject


def _rule(raw: dict, i: int) -> AlertRule:
    where = f"rules[{i}] ({raw.get('id', '?')})"
    for key in ("id", "name_zh", "name_en", "trigger", "severity"):
        if not str(raw.get(key) or "").strip():
            raise AlertRuleError(f"{where} 缺少字段 {key}", f"{where}: missing field {key}")
    if raw["severity"] not in RULE_SEVERITIES:
        raise AlertRuleError(f"{where} severity 无效", f"{where}: severity must be one of {RULE_SEVERITIES}")
    watch = raw.get("watch") or ()
    rule = AlertRule(
        id=str(raw["id"]),
        name_zh=str(raw["name_zh"]),
        name_en=str(raw["name_en"]),
        on=str(raw["trigger"]),
        severity=str(raw["severity"]),
        when=raw.get("when"),
        watch=(watch,) if isinstance(watch, str) else tuple(str(w) for w in watch),
        direction=raw.get("direction"),
        order=tuple(str(o) for o in raw.get("order") or ()),
        facts=raw.get("facts"),
    )
    if rule.on == "record":
        if not rule.when:
            raise AlertRuleError(f"{where} 缺少 when 表达式", f"{where}: a record rule needs `when`")
        try:
            rule.program = cel.compile(rule.when)
        except Exception as exc:  # noqa: BLE001 - cel raises ValueError/RuntimeError
            raise AlertRuleError(
                f"{where} when 表达式无法编译", f"{where}: `when` does not compile: {exc}"
            ) from exc
    elif rule.on == "change":
        if not rule.watch:
            raise AlertRuleError(f"{where} 缺少 watch", f"{where}: a change rule needs `watch`")
        if rule.direction not in (None, "drop") or (rule.direction == "drop" and not rule.order):
            raise AlertRuleError(
                f"{where} direction/order 无效", f"{where}: direction must be drop, with order"
            )
        from xinyong.rules import RuleError, check_expression, check_fact

        if rule.facts:
            try:
                check_expression(rule.facts)
            except RuleError as exc:
                raise AlertRuleError(f"{where} facts：{exc.zh}", f"{where}: facts: {exc.en}") from exc
        for key in rule.watch:
            if key in REGISTRATION:
                continue
            try:  # a watched fact is shown to officers in findings: a person's score may not be one
                check_fact(key)
            except RuleError as exc:
                raise AlertRuleError(
                    f"{where} watch {key}：{exc.zh}", f"{where}: watch {key}: {exc.en}"
                ) from exc
    else:
        raise AlertRuleError(
            f"{where} trigger 须为 record 或 change", f"{where}: `trigger` must be record or change"
        )
    return rule


def load_rules(directory: Path | None = None) -> list[AlertRule]:
    """Read and check every rule of `<directory>/rules.yaml`."""
    path = (directory or get_settings().alerts_dir) / "rules.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AlertRuleError(f"无法读取预警规则 {path}", f"cannot read alert rules {path}: {exc}") from exc
    rules = [_rule(r, i) for i, r in enumerate(data.get("rules") or [])]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise AlertRuleError("预警规则编号重复", f"duplicate alert rule ids in {path}")
    return rules
