"""The Chinese label of every enumerated value, in one place (zh-CN first).

`label(value, domain)` is the one function pages, exports and the PDF call (in Jinja: the filter
`{{ value | label("severity") }}`). Labels come from the data that defines the values:

* `field:<kind>.<field>` — a catalogue field's `values` (catalogue/kinds/*.yaml, `label_zh`, aliases too);
* `kind` — a catalogue kind's `name_zh`; `pilot` — a programme's pilot name (programmes/*.yaml);
* `district` — a district code's name; `role`, `subject_kind`, `severity`, `polarity`,
  `disclosure`, `record_status`, `quarantine_status` — the tables below (the code's own enums).

An unknown value is returned unchanged (a value stored as free text stays readable); tests walk
every catalogue kind and fail when a known enum value would be shown untranslated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from xinyong.catalogue.schemas import SEVERITIES
from xinyong.disclosure.policy import ROLES
from xinyong.subjects.models import SUBJECT_KINDS

SEVERITY = {"minor": "轻微", "general": "一般", "serious": "严重"}
POLARITY = {"positive": "守信激励信息", "negative": "失信约束信息", "neutral": "基础与监管信息"}
DISCLOSURE = {"public": "社会公开", "authorised": "授权查询", "government": "政务共享"}
RECORD_STATUS = {"active": "有效", "expired": "已过期", "repaired": "已修复", "objection": "异议中"}
QUARANTINE_STATUS = {"open": "待修正", "resolved": "已入库", "rejected": "已驳回"}
BATCH_STATE = {"reading": "读取中", "importing": "导入中", "done": "已完成", "failed": "失败"}
assert set(SEVERITY) == set(SEVERITIES)

STATIC: dict[str, dict[str, str]] = {
    "severity": SEVERITY,
    "polarity": POLARITY,
    "disclosure": DISCLOSURE,
    "record_status": RECORD_STATUS,
    "quarantine_status": QUARANTINE_STATUS,
    "batch_state": BATCH_STATE,
    "role": ROLES,
    "subject_kind": SUBJECT_KINDS,
}


@lru_cache(maxsize=1)
def _catalogue_tables() -> dict[str, dict[str, str]]:
    from xinyong.catalogue.service import load_catalogue

    tables: dict[str, dict[str, str]] = {"kind": {}}
    for kind_id, spec in load_catalogue().kinds.items():
        tables["kind"][kind_id] = spec.name_zh
        for f in spec.fields:
            if f.values:
                table = {}
                for v in f.values:
                    table[v.value] = v.label_zh
                    for alias in v.aliases:
                        table.setdefault(alias, v.label_zh)
                tables[f"field:{kind_id}.{f.name}"] = table
    return tables


@lru_cache(maxsize=1)
def _programme_tables() -> dict[str, dict[str, str]]:
    from xinyong.programmes.service import load_programmes

    pilots: dict[str, str] = {}
    districts: dict[str, str] = {}
    for p in load_programmes():
        districts[p.district.code] = p.district.name
        pilots[p.pilot.id] = p.pilot.name_zh
    return {"pilot": pilots, "district": districts}


def table(domain: str) -> dict[str, str]:
    """value → Chinese label of one domain ({} when the domain has no enumerated values)."""
    if domain in STATIC:
        return STATIC[domain]
    if domain in ("pilot", "district"):
        return _programme_tables()[domain]
    return _catalogue_tables().get(domain, {})


def label(value: Any, domain: str) -> Any:
    """The Chinese label of `value` in `domain`; the value itself when it is not an enum value
    (None and "" stay as they are)."""
    if value is None or value == "":
        return value
    key = value.value if hasattr(value, "value") else value
    return table(domain).get(str(key), value)


def field_value(kind: str, field: str, value: Any) -> Any:
    """A record field as shown: enumerated fields get their label, everything else is unchanged."""
    return label(value, f"field:{kind}.{field}")


def is_enum_field(kind: str, field: str) -> bool:
    return bool(_catalogue_tables().get(f"field:{kind}.{field}"))


def grade_text(grade: str | None, grade_label: str | None) -> str:
    """A grade with its model's band label, e.g. "B 良好" (the letter alone when there is none)."""
    if not grade:
        return ""
    return f"{grade} {grade_label}" if grade_label and grade_label != grade else grade


def date_notes(record: Any, as_of: Any) -> list[str]:
    """The two ends a record's status depends on, each named (zh): its validity (有效期, e.g. a
    penalty's 处罚有效期) and its publicity period (公示期, how long it is shown publicly). A penalty
    can be past its validity yet still in publicity, so every status shown says which date it means."""
    notes = []
    valid_until = getattr(record, "valid_until", None)
    publicity_until = getattr(record, "publicity_until", None)
    if valid_until is not None:
        notes.append(f"有效期至 {valid_until}（{'已届满' if valid_until < as_of else '有效期内'}）")
    if publicity_until is not None:
        notes.append(f"公示期至 {publicity_until}（{'公示已结束' if publicity_until < as_of else '公示中'}）")
    return notes
