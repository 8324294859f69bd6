"""Request parameter types shared by every domain's api.py and pages.py.

Every integer a client sends goes through one of these bounded types, so a huge number
(`offset=9223372036854775808`, a leaf index past 2^63) is a 422 naming the parameter — never a
database overflow answered with 500 (issue 9). The bound is the 32-bit INTEGER range of the store's
id columns; counts and indexes above it cannot exist in a table anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from xinyong.dates import FORMATS_EN, DateError, parse_date

MAX_INT = 2_147_483_647

# Integer row ids live in 32-bit INTEGER columns on PostgreSQL: a larger number is malformed input
# (422 naming the parameter), not a database error (500).
RowId = Annotated[int, Path(ge=1, le=MAX_INT, description="row id (1 … 2147483647)")]
# Rows to skip in a paginated list.
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="rows to skip (0 … 2147483647)")]
# A 0-based position or a size (ledger leaf indexes and tree sizes), in a query string or a path.
Index = Annotated[int, Query(ge=0, le=MAX_INT, description="0 … 2147483647")]
PathIndex = Annotated[int, Path(ge=0, le=MAX_INT, description="0 … 2147483647")]
# An optional row id in a query string (e.g. `?batch=`).
QueryId = Annotated[int, Query(ge=1, le=MAX_INT, description="row id (1 … 2147483647)")]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# A moment in an API answer. The store keeps naive UTC; answers say so with an offset
# (`2026-11-30T12:00:00+00:00`), which is what OpenAPI's `date-time` format requires (schemathesis
# checks every body against it). Every response schema's datetime field uses this type.
UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc)]


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


# A moment a client sends: with an offset it is converted to UTC; without one it is taken as UTC. The
# store compares naive UTC, so an aware value must never reach it (it would fail the comparison).
UtcDateTimeIn = Annotated[dt.datetime, AfterValidator(_naive_utc)]


def _typed_date(value: object) -> object:
    """A date a person typed (xinyong.dates: 2026-06-30, 2026年6月30日, 2026/6/30); '' → None. The
    error names no field: the validation handler (console.errors) adds it from the location."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return value  # let pydantic answer for a number or a list
    try:
        return parse_date(value, field="date")
    except DateError:
        raise PydanticCustomError(
            "xinyong_date", "malformed date '{value}', expected " + FORMATS_EN, {"value": value[:40]}
        ) from None


# A date a client sends (query parameter, form field or JSON field): the forms people type are accepted,
# anything else is a 422 naming the field in Chinese and English. Empty → None (the caller's default).
Day = Annotated[dt.date | None, BeforeValidator(_typed_date)]
