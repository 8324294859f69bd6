"""Working days (工作日) from China's holiday and adjusted-workday schedule in
`catalogue/workdays/*.yaml` (State Council notices, one block per year; operators add next year's).

A day is a working day when it is Monday–Friday and not a listed holiday, or when it is a listed
adjusted working day (调休上班). Deadlines are counted like 「N 个工作日内」: the day of receipt is not
counted, the N-th working day after it is the last day. A deadline that would end after the last
loaded year (or a start before the first) is refused with CalendarError: the schedule for that year is
not known yet, and guessing would give a wrong legal deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.settings import get_settings


class CalendarError(ValueError):
    """A deadline the loaded schedule cannot answer, or a malformed calendar file (zh / en)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Holiday(_Strict):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    name: str


class Year(_Strict):
    notice: str
    holidays: list[Holiday]
    workdays: list[dt.date] = Field(default_factory=list)


class CalendarFile(_Strict):
    years: dict[int, Year]


@dataclass(frozen=True)
class WorkCalendar:
    """The loaded schedule: holidays, adjusted working days and the years covered."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    years: tuple[int, ...]

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.years[-1], 12, 31)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.years[0], 1, 1)

    def _check(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise CalendarError(
                f"工作日历未载入 {day.year} 年的放假安排（已载入：{'、'.join(map(str, self.years))}）；"
                f"请在 catalogue/workdays/ 补充国务院办公厅当年通知 / the holiday schedule for {day.year} "
                f"is not loaded (loaded: {', '.join(map(str, self.years))}); add the State Council notice "
                f"to catalogue/workdays/"
            )

    def is_workday(self, day: dt.date) -> bool:
        """True for a working day; CalendarError outside the loaded years."""
        self._check(day)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The last day of a period of `n` working days after `start` (start itself not counted).
        n ≥ 1. CalendarError when the answer lies past the last loaded year."""
        if n < 1:
            raise CalendarError(f"工作日数必须 ≥ 1（{n}）/ working days must be ≥ 1 ({n})")
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count


def _expand(h: Holiday) -> list[dt.date]:
    return [h.start + dt.timedelta(days=i) for i in range((h.end - h.start).days + 1)]


@lru_cache(maxsize=4)
def load_calendar(directory: Path | None = None) -> WorkCalendar:
    """Every `*.yaml` under catalogue/workdays (or `directory`). CalendarError names file and field
    for a malformed file, a holiday outside its year, or a year given twice."""
    directory = directory or (get_settings().catalogue_dir / "workdays")
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    years: set[int] = set()
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = CalendarFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as exc:
            raise CalendarError(f"工作日历文件有误 / malformed calendar file {path}: {exc}") from None
        for year, block in data.years.items():
            if year in years:
                raise CalendarError(f"{path}: {year} 年重复 / year {year} given twice")
            years.add(year)
            for h in block.holidays:
                days = _expand(h)
                if not days or any(d.year != year for d in days):
                    raise CalendarError(
                        f"{path}: years.{year}.holidays {h.name} {h.start}..{h.end} 不在 {year} 年内 / "
                        f"holiday outside its year"
                    )
                holidays.update(days)
            for d in block.workdays:
                if d.year != year:
                    raise CalendarError(
                        f"{path}: years.{year}.workdays {d} 不在该年 / workday outside its year"
                    )
                workdays.add(d)
    if not years:
        raise CalendarError(f"{directory} 中没有工作日历 / no working-day calendar in {directory}")
    ordered = tuple(sorted(years))
    if ordered != tuple(range(ordered[0], ordered[-1] + 1)):
        raise CalendarError(f"工作日历年份不连续 {ordered} / calendar years have a gap {ordered}")
    return WorkCalendar(frozenset(holidays), frozenset(workdays), ordered)
