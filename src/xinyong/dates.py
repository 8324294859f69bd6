"""Dates people type (日期输入): one parser for every form, API parameter and CLI option.

Accepted: ISO ``2026-06-30`` and the forms users type in China — ``2026年6月30日``, ``2026/6/30``,
``2026.6.30``, ``2026-6-30`` (full-width digits and separators too). Anything else is a `DateError`
naming the field, in Chinese and English; an impossible day (``2026-02-30``) likewise.

Forms and the API use it through `xinyong.apitypes.Day` / `FormDay` (a 422 naming the field, see
`console.errors`); CLIs through `cli_day` (message on stderr, exit 2). No domain keeps its own copy.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from xinyong import clock

FORMATS_ZH = "YYYY-MM-DD（也可写 2026年6月30日 或 2026/6/30）"
FORMATS_EN = "YYYY-MM-DD (or 2026年6月30日, 2026/6/30)"

_TYPED = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$")


class DateError(ValueError):
    """A value that is not a calendar date. `str()` is the bilingual message (Chinese first)."""

    def __init__(self, field: str, value: object) -> None:
        self.field = field
        self.value = str(value)[:40]
        self.zh = f"{field}：日期格式错误“{self.value}”，应为 {FORMATS_ZH}"
        self.en = f"{field}: malformed date {self.value!r}, expected {FORMATS_EN}"
        super().__init__(f"{self.zh} / {self.en}")

    def detail(self) -> dict[str, str]:
        """The API's error body shape (`{"field", "zh", "en"}`, as the domains' own errors)."""
        return {"field": self.field, "zh": self.zh, "en": self.en, "message": str(self)}


def parse_date(
    raw: str | dt.date | None, *, field: str = "as_of", default: dt.date | None = None
) -> dt.date | None:
    """`raw` as a date. Empty or None → `default` (None when not given: callers that mean "today"
    pass `default=clock.today()` or use `day_or_today`). DateError naming `field` otherwise."""
    if isinstance(raw, dt.datetime):
        raise DateError(field, raw)
    if isinstance(raw, dt.date):
        return raw
    text = unicodedata.normalize("NFKC", raw or "").strip()  # full-width ２０２６／６／３０ → 2026/6/30
    if not text:
        return default
    match = _TYPED.match(text)
    if match is None:
        raise DateError(field, raw)
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:  # 2026-02-30, month 13
        raise DateError(field, raw) from None


def day_or_today(raw: str | dt.date | None, *, field: str = "as_of") -> dt.date:
    """`parse_date` with today (Beijing) for an empty value."""
    return parse_date(raw, field=field, default=clock.today())  # type: ignore[return-value]


def cli_day(raw: str | None, option: str = "--as-of") -> dt.date:
    """A CLI date option: empty → today; malformed → the bilingual message on stderr, exit 2."""
    import typer

    try:
        return day_or_today(raw, field=option)
    except DateError as exc:
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from None
