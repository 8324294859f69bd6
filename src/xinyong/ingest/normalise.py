"""Row-at-a-time normalisation and validation: the reference implementation.

The columnar pipeline (columnar.py) does the same work on whole columns; this module is what it
falls back to for rows its vectorised checks flag, so every rejected row gets its reasons from
here, in Chinese and English. A differential test keeps the two in agreement.

Normalisation of a cell (every type):
  1. Unicode NFKC (full-width digits/letters/punctuation → half-width, ideographic space → space);
  2. control characters other than tab/newline/CR removed;
  3. leading/trailing space, tab, CR, LF trimmed; an empty result is "missing".
Then per type: `code` drops all whitespace and upper-cases ASCII; `date` → YYYY-MM-DD;
`decimal` → canonical decimal text (no thousands separators, no leading/trailing zeros);
`integer` → canonical integer text; `enum` → the catalogue value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xinyong.catalogue.schemas import CATEGORY_SEPARATORS, FieldSpec, KindSpec
from xinyong.ingest.irregular import ACCEPTED_IRREGULAR
from xinyong.records.identity import (  # noqa: F401 (re-export)
    NUMERIC_TYPES,
    canonical_record,
    content_id,
    fields_json,
    json_string,
    parse_decimal,
    record_id,
)
from xinyong.subjects.identifiers import (
    DOCUMENT_TYPES,
    check_citizen_id,
    check_document,
    check_uscc,
    document_type,
)
from xinyong.subjects.service import derive_kind, subject_id_for

CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_RE = re.compile(CONTROL)
_SPACE_RE = re.compile(r"[ \t\r\n]+")
_TRIM = " \t\r\n"
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

DATE_RE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_SERIAL_RE = re.compile(r"^(\d{5})(?:\.0+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug folded in)
INTEGER_RE = re.compile(r"^[+-]?\d{1,15}$")
MIN_YEAR, MAX_YEAR = 1900, 2100
# A validity end that means "no end" (有效期至 长期 / 永久 / 9999-12-31): stored as missing.
OPEN_END = frozenset(
    {
        "长期",
        "永久",
        "长期有效",
        "永久有效",
        "无固定期限",
        "无期限",
        "9999-12-31",
        "9999/12/31",
        "9999.12.31",
        "99991231",
        "9999-12-31 00:00:00",
        "9999年12月31日",
    }
)


@dataclass(frozen=True)
class Reason:
    """Why a row was rejected: the field (catalogue name, or "_row"/"_subject"), a stable code,
    and the message in Chinese and English."""

    field: str
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "zh": self.zh, "en": self.en}


def clean_text(value: object) -> str | None:
    """Steps 1-3 of the module docstring; None for missing."""
    if value is None:
        return None
    text = _CONTROL_RE.sub("", unicodedata.normalize("NFKC", value_to_text(value))).strip(_TRIM)
    return text or None


def value_to_text(value: object) -> str:
    """A cell as text: dates ISO, integral floats without `.0`, other values str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def code_text(text: str) -> str:
    return _SPACE_RE.sub("", text).translate(_ASCII_UPPER)


def enum_key(text: str) -> str:
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text)).translate(_ASCII_LOWER)


def parse_date(text: str) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, error code "date_format" | "date_impossible")."""
    m = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        serial = EXCEL_SERIAL_RE.match(text)
        if not serial or not 20000 <= int(serial.group(1)) <= 80000:
            return None, "date_format"
        return (EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))).isoformat(), None
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None, "date_impossible"
    try:
        return dt.date(y, mo, d).isoformat(), None
    except ValueError:
        return None, "date_impossible"


# Money units (docs/ingest.md "Amounts"): a value given in one is stored in the field's catalogue unit.
AMOUNT_FACTORS = {"元": Decimal(1), "万元": Decimal(10000)}


def convert_amount(text: str, given: str, wanted: str) -> tuple[str | None, str | None]:
    """A cleaned amount cell in unit `given` → (canonical decimal text in unit `wanted`, None) or
    (None, error code), in exact decimal arithmetic: "34723.65" 元 → "3.472365" 万元."""
    value, error = parse_decimal(text)
    if error or given == wanted:
        return value, error
    assert value is not None
    scaled = Decimal(value) * AMOUNT_FACTORS[given] / AMOUNT_FACTORS[wanted]
    return parse_decimal(format(scaled, "f"))


def parse_integer(text: str) -> tuple[str | None, str | None]:
    plain = text.replace(",", "").replace(" ", "")
    if not INTEGER_RE.match(plain):
        return None, "integer"
    return str(int(plain)), None


def enum_lookup(spec: FieldSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in spec.values:
        for alias in (v.value, v.label_zh, *v.aliases):
            out[enum_key(alias)] = v.value
    return out


def normalise_value(
    spec: FieldSpec, text: str, enums: dict[str, str] | None = None
) -> tuple[str | None, str | None]:
    """A cleaned, non-empty cell → (normalised text, None) or (None, error code)."""
    if spec.type == "code":
        return code_text(text), None
    if spec.type == "date":
        return parse_date(text)
    if spec.type == "decimal":
        return parse_decimal(text)
    if spec.type == "integer":
        return parse_integer(text)
    if spec.type == "enum":
        value = (enums if enums is not None else enum_lookup(spec)).get(enum_key(text))
        return (value, None) if value else (None, "enum")
    return text, None


MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填项为空", "required value is missing"),
    "date_format": (
        "无法识别的日期格式（应如 2023-05-01、2023/5/1、2023年5月1日、20230501）",
        "unrecognised date (use 2023-05-01, 2023/5/1, 2023年5月1日 or 20230501)",
    ),
    "date_impossible": ("日期不存在或超出 1900-2100", "impossible date or outside 1900-2100"),
    "decimal": ("不是有效的数值", "not a valid number"),
    "decimal_digits": ("有效数字超过15位", "more than 15 significant digits"),
    "negative": ("金额不能为负数", "amount must not be negative"),
    "integer": ("不是有效的整数", "not a valid integer"),
    "enum": ("取值不在目录允许范围内", "value not allowed by the catalogue"),
    "too_long": ("内容超过最大长度", "value is too long"),
    "no_subject_id": (
        "缺少主体标识：统一社会信用代码、身份证号或本地编码至少填一项",
        "no subject identifier: give a USCC, an ID number or a local code",
    ),
    "columns": (
        "列数与表头不一致（文件可能被截断）",
        "column count differs from the header (truncated file?)",
    ),
    "json": ("不是有效的 JSON 对象", "not a valid JSON object"),
    "amount_unit": (
        "金额单位不明：表头未注明是元还是万元，金额不作猜测；请在表头注明单位（如“罚款金额（万元）”）后重新提交",
        "amount unit unclear: the header states neither 元 (CNY) nor 万元 (10,000 CNY) and the amount "
        "is not guessed; resubmit with the unit in the header (e.g. 罚款金额（万元）)",
    ),
}


def reason(
    field_spec: FieldSpec | None,
    code: str,
    detail_zh: str = "",
    detail_en: str = "",
    field_name: str | None = None,
) -> Reason:
    zh, en = MESSAGES.get(code, (code, code))
    label_zh = field_spec.label_zh if field_spec else ""
    label_en = field_spec.label_en if field_spec else ""
    name = field_name or (field_spec.name if field_spec else "_row")
    return Reason(
        name,
        code,
        f"{label_zh}：{zh}{detail_zh}" if label_zh else zh + detail_zh,
        f"{label_en}: {en}{detail_en}" if label_en else en + detail_en,
    )


def _id_reason(spec: FieldSpec, value: str) -> Reason | None:
    if spec.check == "uscc" and value in ACCEPTED_IRREGULAR.get():
        return None  # an officer accepted this registered code as irregular (ingest/irregular.py)
    check = (
        check_uscc(value)
        if spec.check == "uscc"
        else check_citizen_id(value)
        if spec.check == "citizen_id"
        else None
    )
    if check is None or check.valid:
        return None
    return Reason(
        spec.name,
        spec.check or "id",
        f"{spec.label_zh} {value}：{check.reason_zh}",
        f"{spec.label_en} {value}: {check.reason_en}",
    )


def _person_id(
    spec: KindSpec, f: FieldSpec, mapped: Mapping[str, object], value: str, out: RowResult
) -> tuple[str, Reason | None]:
    """证件号码 checked by its 证件类型 (none given: a citizen ID). A type the catalogue does not
    know: stored unchecked, with a warning. Returns (normalised value, reason or None)."""
    label = clean_text(mapped.get("id_type"))
    doc = document_type(label) if label else DOCUMENT_TYPES[0]
    if doc is None:
        out.warnings.append(
            Reason(
                f.name,
                "id_type_unknown",
                f"证件类型「{label}」未知：证件号码未经校验即保存",
                f"unknown ID document type {label!r}: the number is stored unchecked",
            )
        )
        return value, None
    check = check_document(doc, value)
    if check.valid:
        assert check.value is not None
        return check.value, None
    return value, Reason(
        f.name,
        "id_document",
        f"{doc.label_zh} {value}：{check.reason_zh}",
        f"{doc.label_en} {value}: {check.reason_en}",
    )


def _citizen_id_in_uscc_column(spec: KindSpec, out: RowResult) -> None:
    """A number valid as a citizen ID in the USCC column is personal data. The subject's category
    decides: a person or an individual business (no USCC starts with a province code of a
    citizen ID but 1x, and 92 is no province) → it is the person's ID; no category → the same,
    with a warning for review; an organisation → a USCC only when it also passes GB 32100."""
    s = spec.subject
    value = out.values.get(s.uscc)
    if not value or not check_citizen_id(value).valid:
        return
    kind = out.values.get(s.kind)
    if kind in (None, "person", "individual_business"):
        del out.values[s.uscc]
        out.values.setdefault(s.id_number, check_citizen_id(value).value or value)
        if kind is None:
            out.values[s.kind] = "person"
            out.warnings.append(
                Reason(
                    s.uscc,
                    "id_in_uscc_column",
                    "统一社会信用代码列中是居民身份证号：按自然人处理并遮蔽，请核实",
                    "a citizen ID number in the USCC column: treated as a person's ID "
                    "(masked); please review",
                )
            )
        return
    bad = _id_reason(spec.field(s.uscc), value)
    if bad:
        del out.values[s.uscc]
        out.reasons.append(bad)


@dataclass
class RowResult:
    """A validated row: normalised fields and everything a Record needs, or the reasons it failed."""

    values: dict[str, str] = field(default_factory=dict)  # all mapped fields, normalised
    reasons: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)  # accepted, but an officer should look

    @property
    def ok(self) -> bool:
        return not self.reasons


def validate_row(
    spec: KindSpec,
    mapped: Mapping[str, object],
    units: Mapping[str, tuple[str, str | None]] | None = None,
) -> RowResult:
    """`mapped`: field name → raw cell (already mapped from headers). Every failing field gets
    its own reason; nothing stops at the first problem. `units` (catalogue.service.header_units):
    money fields whose header gives another unit than the catalogue's — field → (header, unit);
    the value is converted, or rejected (`amount_unit`) when the header states no unit."""
    out = RowResult()
    units = units or {}
    for f in spec.fields:
        text = clean_text(mapped.get(f.name))
        if text in OPEN_END and f.type == "date" and f.name == spec.valid_until:
            text = None  # 长期 / 永久 / 9999-12-31: valid with no end
        if text is None:
            if f.required:
                out.reasons.append(reason(f, "required"))
            continue
        if f.name in units:
            header, unit = units[f.name]
            if unit is None:
                out.reasons.append(
                    reason(f, "amount_unit", f"（表头「{header}」，{text}）", f" (header {header!r}, {text})")
                )
                continue
            value, error = convert_amount(text, unit, f.unit_zh or unit)
        else:
            value, error = normalise_value(f, text)
        if error:
            out.reasons.append(reason(f, error, f"（{text}）", f" ({text})"))
            continue
        assert value is not None
        if len(value) > f.max_length:
            out.reasons.append(
                reason(
                    f, "too_long", f"（{len(value)} > {f.max_length}）", f" ({len(value)} > {f.max_length})"
                )
            )
            continue
        if f.check == "citizen_id" and f.name == spec.subject.id_number:
            value, bad_id = _person_id(spec, f, mapped, value, out)
        elif f.check == "uscc" and f.name == spec.subject.uscc and check_citizen_id(value).valid:
            out.values[f.name] = value  # decided below, with the subject's category
            continue
        else:
            bad_id = _id_reason(f, value) if f.check else None
        if bad_id:
            out.reasons.append(bad_id)
            continue
        out.values[f.name] = value
    _citizen_id_in_uscc_column(spec, out)
    for name in severity_fields(spec):
        for category in unknown_categories(spec, out.values.get(name)):
            out.warnings.append(
                Reason(
                    name,
                    "category_unknown",
                    f"{spec.field(name).label_zh}：目录中没有类别「{category}」（已保存）",
                    f"{spec.field(name).label_en}: category {category!r} is not in the catalogue (stored)",
                )
            )
    s = spec.subject
    if not (
        out.values.get(s.uscc) or out.values.get(s.id_number) or out.values.get(s.local_code)
    ) and not any(r.field in (s.uscc, s.id_number, s.local_code) for r in out.reasons):
        out.reasons.append(reason(None, "no_subject_id", field_name="_subject"))
    return out


# --- from validated values to a record ---------------------------------------------------------


def subject_of(spec: KindSpec, values: Mapping[str, str]) -> dict[str, Any]:
    """Subject columns of a validated row. The primary identifier is the USCC, else the local code,
    else the citizen ID; a citizen ID is kept on the subject only when it is the primary one (a
    company's 证件号码 column holds its representative's ID, which belongs to a person)."""
    s = spec.subject
    uscc, local, person = values.get(s.uscc), values.get(s.local_code), values.get(s.id_number)
    primary = uscc or local or person
    assert primary is not None
    kind = values.get(s.kind) or derive_kind(uscc=uscc, id_number=person, local_code=local)
    namespace = "person" if primary == person and not uscc and not local else "org"
    key = primary
    if namespace == "person":
        label = values.get("id_type")
        doc = document_type(label) if label else DOCUMENT_TYPES[0]
        if doc is None or doc.code != "citizen_id":  # a passport number is not a citizen ID
            key = f"{doc.code if doc else 'other:' + label}:{primary}"
    return {
        "id": subject_id_for(namespace, key),
        "kind": kind,
        "name": values.get(s.name) or primary,
        "uscc": uscc,
        "id_number": person if namespace == "person" else None,
        "local_code": local,
        "legal_rep": values.get(s.legal_rep),
    }


def record_fields(spec: KindSpec, values: Mapping[str, str]) -> dict[str, str]:
    """The record's own fields (subject identity lives on the subject)."""
    skip = spec.subject_field_names | _SUBJECT_EXTRA
    return {k: v for k, v in values.items() if k not in skip}


# Other subject-describing codes of the 双公示 layouts; kept in `original`, not in the record's fields.
_SUBJECT_EXTRA = {
    "id_type",
    "org_code",
    "business_reg_no",
    "tax_reg_no",
    "institution_cert_no",
    "social_org_cert_no",
    "legal_rep_id_type",
    "legal_rep_id_number",
}


SEVERITY_RANK = {"minor": 0, "general": 1, "serious": 2}
_CATEGORY_SPLIT = re.compile("[" + re.escape(CATEGORY_SEPARATORS) + "]")


def split_categories(text: str | None) -> list[str]:
    """A multi-valued cell (处罚类别 …) as its categories: split on `; ； , ， 、 / ／`, trimmed,
    empty parts dropped. "警告;罚款；没收违法所得" → ["警告", "罚款", "没收违法所得"]."""
    return [p.strip() for p in _CATEGORY_SPLIT.split(text or "") if p.strip()]


def severity_fields(spec: KindSpec) -> list[str]:
    """The fields whose categories decide the severity, in a stable order."""
    if spec.severity is None:
        return []
    return sorted({r.field for r in spec.severity.rules if r.field})


def severity_from(spec: KindSpec, cells: Mapping[str, str | None], amount_hits: list[bool]) -> str | None:
    """The most severe of the categories of `cells` (field → cell text) and of the amount rules
    that hold (`amount_hits`, one per rule, False for field rules). See catalogue SeverityRule."""
    sev = spec.severity
    if sev is None:
        return None
    found: list[str] = []
    for name in severity_fields(spec):
        rules = [r for r in sev.rules if r.field == name]
        for category in split_categories(cells.get(name)):
            hit = next((r.severity for r in rules if category.startswith(r.category_starts_with)), None)
            found.append(hit or sev.default)
    found += [r.severity for r, hit in zip(sev.rules, amount_hits, strict=True) if hit]
    return max(found, key=SEVERITY_RANK.__getitem__) if found else sev.default


def amount_hits(spec: KindSpec, amount: float | None) -> list[bool]:
    rules = spec.severity.rules if spec.severity else ()
    return [
        r.field is None
        and r.amount_at_least is not None
        and amount is not None
        and amount >= r.amount_at_least
        for r in rules
    ]


def severity_of(spec: KindSpec, values: Mapping[str, str], amount: float | None) -> str | None:
    """A severity given in the file wins; otherwise severity_from the categories and the amount."""
    if spec.severity is None:
        return None
    if spec.severity.field and values.get(spec.severity.field):
        return values[spec.severity.field]
    return severity_from(spec, {f: values.get(f) for f in severity_fields(spec)}, amount_hits(spec, amount))


def unknown_categories(spec: KindSpec, cell: str | None) -> list[str]:
    """Categories of a cell that begin with none of the kind's known category names."""
    known = spec.severity.categories if spec.severity else ()
    if not known:
        return []
    return [c for c in split_categories(cell) if not c.startswith(known)]


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (2023-01-31 + 1 month → 2023-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def publicity_until(
    spec: KindSpec, occurred_on: str | None, valid_until: str | None, given: str | None, severity: str | None
) -> str | None:
    """A 公示截止期 given in the file wins; otherwise the kind's rule (see docs/catalogue.md)."""
    if given:
        return given
    rule = spec.publicity
    if rule.mode == "none":
        return None
    if rule.mode == "until_valid":
        return valid_until
    if not occurred_on:
        return None
    period = rule.period if rule.mode == "fixed" else rule.by_severity.get(severity or "general")
    if period is None:
        return None
    return add_months(dt.date.fromisoformat(occurred_on), period.total_months).isoformat()


def amount_of(spec: KindSpec, values: Mapping[str, str]) -> float | None:
    if spec.amount is None or not values.get(spec.amount.field):
        return None
    return amount_cny(spec, values[spec.amount.field])


def amount_cny(spec: KindSpec, text: str) -> float:
    """The amount field's canonical text × the kind's scale, in exact decimal arithmetic, as the
    nearest float (3.472365 万元 → 34723.65, not 34723.649999999994)."""
    assert spec.amount is not None
    return float(Decimal(text) * Decimal(repr(spec.amount.scale)))


def original_json(raw: Mapping[str, object]) -> str:
    """The row as given: header → cell text, empty cells left out, keys in file order."""
    return json.dumps(
        {k: value_to_text(v) for k, v in raw.items() if v is not None and v != ""},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def build_record(spec: KindSpec, source: str, values: Mapping[str, str]) -> dict[str, Any]:
    """Everything of a Record but provenance (batch, original, first/last seen)."""
    subject = subject_of(spec, values)
    fields = record_fields(spec, values)
    ftext = fields_json(spec, fields)
    amount = amount_of(spec, values)
    severity = severity_of(spec, values, amount)
    occurred = values.get(spec.occurred_on) if spec.occurred_on else None
    valid = values.get(spec.valid_until) if spec.valid_until else None
    given = values.get(spec.publicity_until) if spec.publicity_until else None
    return {
        "id": record_id(canonical_record(spec.id, source, subject["id"], ftext)),
        "kind": spec.id,
        "subject": subject,
        "source": source,
        "source_record_id": values.get(spec.record_id) if spec.record_id else None,
        "occurred_on": occurred,
        "valid_until": valid,
        "publicity_until": publicity_until(spec, occurred, valid, given, severity),
        "severity": severity,
        "polarity": spec.polarity,
        "disclosure": spec.disclosure,
        "amount": amount,
        "fields_json": ftext,
    }
