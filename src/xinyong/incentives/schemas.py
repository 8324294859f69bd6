"""Request bodies of the incentives API (responses are the service's plain dicts, shapes in docs/incentives.md)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class BenefitUseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(max_length=64)
    subject_id: str = Field(max_length=24)
    idempotency_key: str = Field(min_length=1, max_length=100)
    detail: dict = Field(default_factory=dict)
    used_on: dt.date | None = None
    actor: str | None = Field(default=None, max_length=100)


class ScoreGrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grantee: str = Field(min_length=1, max_length=64, description="username of the user allowed to read")
    purpose: str = Field(min_length=1, max_length=200)
    expires_at: dt.datetime = Field(description="naive UTC (or with a zone, converted)")
