"""Lists follow grade changes without the evaluation domain importing lists:
`xinyong.evaluation.hooks.GRADE_LISTENERS` names this module, and `evaluation.service.evaluate` calls
`on_grades` inside the transaction that stores a run's results (so new grades and the list
memberships they imply commit together, or not at all)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

ACTOR = "lists-after-grading"


def on_grades(
    session: Session,
    *,
    model_id: str,
    as_of: dt.date,
    subject_ids: list[str],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Re-check, as of the run's date, the lists whose rules read this model's grade or score (and the
    lists reading memberships) for the subjects just graded: automatic lists enter and exit them,
    decision lists queue or lapse their candidates. Returns {list id: SyncResult.as_dict()}."""
    from xinyong.lists.service import lists_reading, sync_all

    wanted = lists_reading(model_id)
    if not wanted or not subject_ids:
        return {}
    results = sync_all(session, as_of=as_of, actor=ACTOR, now=now, subject_ids=subject_ids, list_ids=wanted)
    return {r.list_id: r.as_dict() for r in results}
