"""Pydantic shapes of a credit record (信用信息) as other domains and the API read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from xinyong.apitypes import UtcDateTime


class RecordOut(BaseModel):
    """A stored record with its provenance. `fields` holds the catalogue fields (decimal/integer
    fields as JSON numbers, everything else as text); `original` the row exactly as given."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    subject_id: str
    source: str
    source_record_id: str | None
    batch_id: int | None
    occurred_on: dt.date | None
    publicity_until: dt.date | None
    valid_until: dt.date | None
    severity: str | None
    polarity: str
    disclosure: str
    amount: float | None
    fields: dict[str, Any]
    original: dict[str, Any]
    first_seen: UtcDateTime
    last_seen: UtcDateTime
