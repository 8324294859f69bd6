"""Request bodies of the points API (points and quantities are integers)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

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
