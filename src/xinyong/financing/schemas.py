"""Request bodies of the financing API. Amounts are integer fen (StrictInt: 1.5 or "150" is a 422)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeedIn(_In):
    subject_id: str | None = Field(
        default=None, max_length=24, description="default: the subject login's own"
    )
    amount_fen: StrictInt
    term_months: StrictInt
    purpose: str = Field(max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=100)
    collective: bool = False


class WhitelistIn(_In):
    whitelist_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    rule: str = Field(max_length=2000)
    as_of: dt.date | None = None
    district_code: str | None = Field(default=None, max_length=6)
    pilot: str | None = Field(default=None, max_length=64)
    parent_id: str | None = Field(default=None, max_length=24)


class ReviewIn(_In):
    subject_id: str = Field(max_length=24)
    approve: bool
    note: str = Field(default="", max_length=500)


class PushIn(_In):
    bank_id: str = Field(max_length=32)


class OutcomeIn(_In):
    need_id: StrictInt
    event: str = Field(max_length=16)
    idempotency_key: str = Field(min_length=1, max_length=100)
    amount_fen: StrictInt | None = None
    rate_bp: StrictInt | None = None
    reason: str = Field(default="", max_length=500)


class AuthoriseIn(_In):
    bank_id: str = Field(max_length=32)
    purpose: str = Field(min_length=1, max_length=200)
    days: StrictInt = 30
