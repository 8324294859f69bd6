"""What reacts to newly stored grades, by module name, so evaluation never imports the higher domains
that read grades (lists, …).

GRADE_LISTENERS: modules with
`on_grades(session, *, model_id: str, as_of: date, subject_ids: list[str], now: datetime | None) -> dict`.
`evaluation.service.evaluate` calls each inside the transaction that stores the run's results, after
they are flushed: what a listener writes commits with the grades, and a listener's error rolls the
run back (grades and what follows from them never disagree)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from sqlalchemy.orm import Session

GRADE_LISTENERS: list[str] = [
    "xinyong.lists.listeners",
]


def grades_written(
    session: Session,
    *,
    model_id: str,
    as_of: dt.date,
    subject_ids: list[str],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Call every GRADE_LISTENERS module; {module name: what it returned}."""
    return {
        name: importlib.import_module(name).on_grades(
            session, model_id=model_id, as_of=as_of, subject_ids=subject_ids, now=now
        )
        for name in GRADE_LISTENERS
    }
