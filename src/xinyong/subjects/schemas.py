"""Pydantic shapes of the subject registry (信用主体): the upsert row and the stored subject."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.apitypes import UtcDateTime


class SubjectIn(BaseModel):
    """One row for subjects.service.upsert_subjects (see its docstring): at least one identifier."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    name: str
    uscc: str | None = None
    id_number: str | None = None
    local_code: str | None = None
    district_code: str | None = None
    division_code: str | None = None
    legal_rep: str | None = None
    industry: str | None = None
    address: str | None = None
    registered_on: dt.date | None = None
    pilot: str | None = None
    parent_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    source: str | None = None


class SubjectOut(BaseModel):
    """A stored subject, unmasked: apply the disclosure policy before showing it to anyone."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    name: str
    uscc: str | None
    id_number: str | None
    local_code: str | None
    division_code: str | None
    district_code: str | None
    legal_rep: str | None
    industry: str | None
    address: str | None
    registered_on: dt.date | None
    pilot: str | None
    parent_id: str | None
    attributes: dict[str, Any]
    source: str
    first_seen: UtcDateTime
    last_seen: UtcDateTime
