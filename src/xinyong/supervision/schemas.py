"""The supervision scheme (监管方案) file format: supervision/*.yaml, validated by Pydantic.

A scheme maps a subject's grade under one credit model (plus, optionally, its venue type 场所类型 or
risk class 风险分类, both subject attributes, and an optional CEL condition) to a tier; a tier sets the
sampling ratio of random inspections (basis points: 300 = 3 %) and the inspection frequency per
year. Tiers are tried in order; the first that matches wins; the last tier must match everything.
Shapes and examples: docs/supervision.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name_zh: str
    name_en: str
    grades: list[str] | None = None  # None: any grade, or none at all
    venue_types: list[str] | None = None  # subject.attributes.venue_type
    risk_classes: list[str] | None = None  # subject.attributes.risk_class
    condition: str | None = None  # CEL over subject facts (xinyong.rules)
    ratio_bp: int = Field(ge=0, le=10000)  # sampling ratio in basis points (1/10000)
    per_year: int = Field(ge=0, le=365)  # inspections per year; 0: no separate inspection
    exempt_except: list[str] = []  # inspection types still allowed when per_year == 0 (e.g. special)
    departments: list[str] = []  # who inspects this tier (joint schemes)
    note_zh: str | None = None

    @property
    def catch_all(self) -> bool:
        return not (self.grades or self.venue_types or self.risk_classes or self.condition)


class Scheme(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    version: str
    district: str = Field(pattern=r"^\d{6}$")
    name_zh: str
    name_en: str
    basis_zh: str  # the plan text it implements (source of the rule)
    model: str  # credit model whose latest grade decides
    departments: list[str] = []
    population: str | None = None  # CEL: who the scheme covers (None: every subject of the district)
    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="after")
    def _tiers(self) -> Scheme:
        ids = [t.id for t in self.tiers]
        if len(set(ids)) != len(ids):
            raise ValueError("tier ids must be unique / 分级编号重复")
        if not self.tiers[-1].catch_all:
            raise ValueError(
                "the last tier must match every subject (no grades/venue/risk/condition) / 最后一级须为兜底分级"
            )
        return self

    def tier(self, tier_id: str) -> Tier:
        return next(t for t in self.tiers if t.id == tier_id)
