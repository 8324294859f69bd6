"""Request bodies of the points API (points and quantities are integers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Quantity = int | float | str | None  # checked by books.check_amount (zh/en reason, field)


class ClaimIn(BaseModel):
    villager_id: str = Field(max_length=64)
    item_id: str = Field(max_length=64)
    evidence: dict[str, str] = Field(default_factory=dict)
    claimed_on: dt.date
    idempotency_key: str = Field(min_length=1, max_length=120)


class DecisionIn(BaseModel):
    approve: bool
    reason: str = Field("", max_length=500)
    decided_on: dt.date | None = None


class RedemptionIn(BaseModel):
    villager_id: str = Field(max_length=64)
    sku: str = Field(max_length=64)
    quantity: Quantity = None
    idempotency_key: str = Field(min_length=1, max_length=120)
    on: dt.date | None = None


class RestockIn(BaseModel):
    village_id: str = Field(max_length=64)
    sku: str = Field(max_length=64)
    quantity: Quantity = None
    idempotency_key: str = Field(min_length=1, max_length=120)
    on: dt.date | None = None


# --------------------------------------------------------------------------- scheme files (schemes/*.yaml)
# A scheme is data an office edits (docs/points.md); these models are what `service.load_scheme` accepts.
# A file that fails is refused naming the file, the field and the reason, before any claim reads it.

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
# a scheme's file name: a district scheme's code, or a village's own file named by its subject id
SchemeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SchemeItem(_Strict):
    """积分事项: what earns (or, negative, costs) points; `evidence` names the fields a claim must carry."""

    id: Code
    name_zh: Text
    name_en: Text
    points: int = Field(ge=-1000, le=1000)
    evidence: list[Code] = Field(default_factory=list)
    evidence_zh: Text | None = None

    @field_validator("points")
    @classmethod
    def _not_zero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("积分不能为 0 / points must not be 0")
        return v


class SchemeGoods(_Strict):
    """积分超市 goods: the cost in points of one item."""

    sku: Code
    name_zh: Text
    name_en: Text
    cost: int = Field(gt=0, le=1_000_000)


class SchemeBenefit(_Strict):
    """A subsidy of the enterprise scheme, in integer fen per subsidised firm and period."""

    kind: Code
    name_zh: Text
    name_en: Text
    amount_fen: int = Field(gt=0, le=10**12)


class PointsScheme(_Strict):
    """One scheme after `extends:` is merged: a village scheme (宝坻: approval, catalogue) or an
    enterprise scheme (红桥: grade_model, grade_points, top_share, benefits)."""

    id: SchemeId
    extends: SchemeId | None = None
    district_code: Annotated[str, Field(pattern=r"^12\d{4}$")]
    name_zh: Text
    name_en: Text
    items: list[SchemeItem] = Field(min_length=1)
    approval: Literal["village_committee"] | None = None
    ranking: Literal["monthly"] | None = None
    targets: dict[Code, int] = Field(default_factory=dict)
    catalogue: list[SchemeGoods] = Field(default_factory=list)
    pilot: Code | None = None
    grade_model: Code | None = None
    grade_points: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=dict)
    period: Literal["half_year"] | None = None
    top_share: float | None = Field(None, gt=0, le=1)
    benefits: list[SchemeBenefit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _enterprise_complete(self) -> PointsScheme:
        # (Duplicate ids are refused per file by service.read_scheme_file, before `extends` merges them.)
        if self.grade_model and (self.top_share is None or not self.pilot):
            raise ValueError(
                "企业积分方案须有 pilot 与 top_share / an enterprise scheme needs pilot and top_share"
            )
        return self
