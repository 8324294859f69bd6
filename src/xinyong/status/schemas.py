"""Pydantic shapes of record status: a change request and the status/history answer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xinyong.apitypes import UtcDateTime

EventName = Literal[
    "repaired", "objection_opened", "objection_upheld", "objection_rejected", "revoked", "erased"
]


class StatusChangeIn(BaseModel):
    """POST body: one status decision about a record."""

    model_config = ConfigDict(extra="forbid")

    event: EventName = Field(
        description="repaired | objection_opened | objection_upheld | objection_rejected | revoked | erased"
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="why: grounds, decision number (理由、文号)"
    )
    effective_on: dt.date = Field(description="first day the decision applies (生效日期, inclusive)")
    actor: str | None = Field(
        None, max_length=100, description="deciding authority; default: the logged-in user"
    )


class StatusEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    record_id: str
    event: str
    event_zh: str
    status: str
    status_zh: str
    effective_on: dt.date
    actor: str
    reason: str
    recorded_at: UtcDateTime
    leaf_index: int


class RecordStatusOut(BaseModel):
    record_id: str
    as_of: dt.date
    status: str
    status_zh: str
    events: list[StatusEventOut]
