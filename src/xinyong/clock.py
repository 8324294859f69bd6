"""Local time (本地时间): what "today" is, and how instants are shown to people.

The platform serves Tianjin: "today" and every default as-of date is the calendar date in
XINYONG_TIMEZONE (default ``Asia/Shanghai``, UTC+8, no daylight saving), not the server's own date —
a server on UTC would otherwise show yesterday's archive until 08:00 Beijing time. Instants are stored
as UTC (naive columns hold UTC); `to_local` turns one into Beijing time for display.

Time stays a parameter: every function takes the instant (`at`) or the zone, so tests pass both.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo of `name` (default: XINYONG_TIMEZONE). ValueError, in Chinese and English, for a
    name the tz database does not know. (ZoneInfo caches zones itself.)"""
    if name is None:  # the setting itself (Settings.timezone reads the same variable); cheap per call
        name = os.environ.get("XINYONG_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"XINYONG_TIMEZONE {name!r} is not a known time zone (e.g. Asia/Shanghai) / "
            f"未知时区 {name!r}（例如 Asia/Shanghai）"
        ) from exc


def now() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def utcnow_naive() -> dt.datetime:
    """The current instant as naive UTC (how DateTime columns store instants)."""
    return now().replace(tzinfo=None)


def to_local(at: dt.datetime, tz: str | None = None) -> dt.datetime:
    """`at` in local time (aware). A naive `at` is UTC, as the store keeps it."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(zone(tz))


def today(at: dt.datetime | None = None, tz: str | None = None) -> dt.date:
    """The local calendar date of `at` (default: now): 2026-11-30T17:00Z is 2026-12-01 in Shanghai."""
    return to_local(at or now(), tz).date()


def local_text(at: dt.datetime | str | None, fmt: str = "%Y-%m-%d %H:%M", tz: str | None = None) -> str:
    """`at` as people read it: local time with no zone suffix; '' for None. Jinja filter `local_time`.
    `at` may be an ISO 8601 string (the log's ``2026-03-01T08:00:00.000000Z``)."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    return "" if at is None else to_local(at, tz).strftime(fmt)


def day_start_utc(day: dt.date, tz: str | None = None) -> dt.datetime:
    """The first instant of local calendar day `day`, as naive UTC (to filter stored instants by a
    local date): 2026-12-01 in Shanghai starts at 2026-11-30T16:00Z."""
    return dt.datetime.combine(day, dt.time.min, zone(tz)).astimezone(dt.UTC).replace(tzinfo=None)
