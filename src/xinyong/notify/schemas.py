"""API shapes of the inbox, webhook endpoints and deliveries."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class InboxItemOut(BaseModel):
    id: int
    kind: str
    title_zh: str
    title_en: str
    body: dict
    subject_id: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(BaseModel):
    unread: int
    items: list[InboxItemOut]


class UnreadOut(BaseModel):
    unread: int


class EndpointIn(BaseModel):
    url: str = Field(max_length=500)
    district_code: str | None = Field(default=None, max_length=6)  # city admin only; officers get their own
    kinds: list[str] = Field(default_factory=list)
    timeout_seconds: float = 10.0


class EndpointOut(BaseModel):
    id: int
    url: str
    district_code: str | None
    kinds: list[str]
    timeout_seconds: float
    enabled: bool
    disabled_reason: str | None


class EndpointCreated(EndpointOut):
    secret: str  # shown once


class DeliveryOut(BaseModel):
    id: int
    event_id: int
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    last_status_code: int | None
