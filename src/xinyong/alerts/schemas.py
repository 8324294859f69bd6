"""API shapes of watchlists and alerts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class FindingOut(BaseModel):
    rule_id: str
    severity: str
    details: dict
    found_at: dt.datetime


class AlertOut(BaseModel):
    id: int
    watchlist_id: str
    subject_id: str
    day: dt.date
    severity: str
    findings: list[FindingOut]


class WatchlistOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    kind: str
    district_code: str | None
    pilot: str | None
    push_days: int
