"""Pydantic shapes of the record catalogue (信用信息目录).

The catalogue is data: one YAML file per record kind under `catalogue/kinds/`, the subject columns
shared by every kind in `catalogue/subject_fields.yaml`, and the recognised file layouts (the
national 双公示 templates) under `catalogue/layouts/`. See docs/catalogue.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FieldType = Literal["string", "date", "decimal", "integer", "enum", "code"]
Polarity = Literal["positive", "negative", "neutral"]
Disclosure = Literal["public", "authorised", "government"]
Severity = Literal["minor", "general", "serious"]
SEVERITIES: tuple[str, ...] = ("minor", "general", "serious")
NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnumValue(_Strict):
    """One allowed value of an enum field; `aliases` are other spellings found in files (中文, codes)."""

    value: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    label_zh: str
    label_en: str
    aliases: tuple[str, ...] = ()


class FieldSpec(_Strict):
    """A column of a record kind. `aliases` are the headers it is recognised by (Chinese headers,
    双公示 field codes such as CF_XDR_MC); the English `name` and `label_zh` always match too."""

    name: str = Field(pattern=NAME)
    label_zh: str
    label_en: str
    type: FieldType = "string"
    required: bool = False
    values: tuple[EnumValue, ...] = ()
    aliases: tuple[str, ...] = ()
    check: Literal["uscc", "citizen_id", "any_id"] | None = None  # identifier validation for code fields
    unit_zh: str | None = None  # e.g. 万元 for amounts given in ten-thousands of CNY
    personal: bool = False  # personal data: masked on public pages
    max_length: int = Field(default=2000, gt=0)

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs `values`")
        if self.type != "enum" and self.values:
            raise ValueError("`values` is only for enum fields")
        if self.check and self.type != "code":
            raise ValueError("`check` is only for code fields")
        return self


class SubjectMap(_Strict):
    """Which fields identify the subject (信用主体) of a record."""

    name: str = "subject_name"
    kind: str = "subject_kind"
    uscc: str = "uscc"
    id_number: str = "id_number"
    local_code: str = "local_code"
    legal_rep: str = "legal_rep"


class Period(_Strict):
    months: int = Field(default=0, ge=0)
    years: int = Field(default=0, ge=0)

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


class PublicityRule(_Strict):
    """How long a record is publicised (公示期), counted from its occurred_on date.

    mode: `fixed` (one `period`), `by_severity` (a period per severity), `until_valid` (until the
    record's valid_until), `none` (not publicised on its own; e.g. a tax grade is shown as current
    state). A `publicity_until` date given in the file always wins over the rule.
    """

    mode: Literal["fixed", "by_severity", "until_valid", "none"]
    period: Period | None = None
    by_severity: dict[Severity, Period] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> PublicityRule:
        if self.mode == "fixed" and self.period is None:
            raise ValueError("mode `fixed` needs `period`")
        if self.mode == "by_severity" and set(self.by_severity) != set(SEVERITIES):
            raise ValueError(f"mode `by_severity` needs a period for each of {', '.join(SEVERITIES)}")
        return self


class SeverityRule(_Strict):
    """A severity for one category of a multi-valued cell, or for an amount.

    `field` rules: the cell is split into categories on `; ； , ， 、 /` (CATEGORY_SEPARATORS); a
    category matches when it begins with one of `category_starts_with` (吊销营业执照 begins with 吊销),
    the first matching rule deciding that category; a category no rule matches has `default`.
    `amount_at_least` rules: the record's amount (CNY) reaches the bound. The record's severity is
    the most severe of its categories and of its matching amount rules — never a substring of the
    whole cell (警告;罚款 is general, not minor)."""

    severity: Severity
    field: str | None = None
    category_starts_with: tuple[str, ...] = ()
    amount_at_least: float | None = None  # in CNY (after unit scaling)


class SeveritySpec(_Strict):
    field: str | None = None  # a field stating the severity explicitly (wins when present)
    rules: tuple[SeverityRule, ...] = ()
    default: Severity = "general"
    # Category names the kind knows (a category begins with one); any other is stored and warned.
    categories: tuple[str, ...] = ()


CATEGORY_SEPARATORS = ";；,，、/／"


class AmountSpec(_Strict):
    """The money amount of a record, stored in CNY: value × scale (万元 → scale 10000)."""

    field: str
    scale: float = Field(default=1.0, gt=0)


class KindSpec(_Strict):
    id: str = Field(pattern=NAME)
    name_zh: str
    name_en: str
    description: str = ""
    polarity: Polarity
    disclosure: Disclosure
    publicity: PublicityRule
    record_id: str | None = None  # field holding the source's own record id (e.g. 处罚决定书文号)
    subject: SubjectMap = SubjectMap()
    occurred_on: str | None = None
    valid_until: str | None = None
    publicity_until: str | None = None
    amount: AmountSpec | None = None
    severity: SeveritySpec | None = None
    fields: tuple[FieldSpec, ...]

    @model_validator(mode="after")
    def _references(self) -> KindSpec:
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate field names: {', '.join(dupes)}")
        refs = {
            "record_id": self.record_id,
            "occurred_on": self.occurred_on,
            "valid_until": self.valid_until,
            "publicity_until": self.publicity_until,
            "amount.field": self.amount.field if self.amount else None,
            "severity.field": self.severity.field if self.severity else None,
        }
        refs |= (
            {f"severity.rules[{i}].field": r.field for i, r in enumerate(self.severity.rules)}
            if self.severity
            else {}
        )
        missing = [f"{k} → {v}" for k, v in refs.items() if v and v not in names]
        if missing:
            raise ValueError(f"references to unknown fields: {'; '.join(missing)}")
        if self.publicity.mode == "by_severity" and self.severity is None:
            raise ValueError("publicity by_severity needs a `severity` section")
        if self.publicity.mode == "until_valid" and self.valid_until is None:
            raise ValueError("publicity until_valid needs `valid_until`")
        return self

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def subject_field_names(self) -> set[str]:
        s = self.subject
        return {s.name, s.kind, s.uscc, s.id_number, s.local_code, s.legal_rep}


class LayoutSpec(_Strict):
    """A recognised file layout (e.g. the 双公示 penalty template, 2.0). A file matches when at least
    `min_match` of the `signature` headers are present; `columns` overrides header → field for
    headers whose meaning differs between layouts (行政相对人代码_2 is 组织机构代码 in the older
    template but 工商注册号 in 2.0)."""

    id: str = Field(pattern=NAME)
    kind: str
    name_zh: str
    name_en: str
    signature: tuple[str, ...] = Field(min_length=1)
    min_match: int = Field(default=3, ge=1)
    columns: dict[str, str] = Field(default_factory=dict)


class SubjectFieldsFile(_Strict):
    fields: tuple[FieldSpec, ...]


class Catalogue(_Strict):
    kinds: dict[str, KindSpec]
    layouts: dict[str, LayoutSpec]
