"""The individual score used for sign-up — the one place that knows where it comes from.

The incentives domain owns the person score (`xinyong.incentives` … `person_score(session, *,
subject_id, as_of, viewer) -> int | None`, None unless the viewer is the person or holds a live
authorisation grant). When that module is installed it is used as is. Until then this fallback
applies the same viewer rule and a transparent stand-in on the 0–1000 scale of the comparables
(白鹭分, 茉莉分; anchors section (f)): 700, minus 150 per negative record and plus 10 per positive
record (at most +50) the person's own view shows as of the date, clamped to 0–1000.
"""

from __future__ import annotations

import datetime as dt
import importlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import Viewer, record_filter
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def _incentives_score():  # noqa: ANN202 - the real function, when the incentives domain exists
    for name in ("xinyong.incentives.person", "xinyong.incentives.service", "xinyong.incentives"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "person_score"):
            return module.person_score
    return None


def person_score(session: Session, *, subject_id: str, as_of: dt.date, viewer: Viewer) -> int | None:
    """The person's score (0–1000) as `viewer` may read it, or None (not the person, no grant)."""
    real = _incentives_score()
    if real is not None:
        return real(session, subject_id=subject_id, as_of=as_of, viewer=viewer)
    if not (viewer.role == "city_admin" or (viewer.role == "subject" and viewer.subject_id == subject_id)):
        return None
    own = Viewer(role="subject", subject_id=subject_id)
    rows = session.execute(
        select(Record.polarity, func.count())
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(own, as_of))
        .group_by(Record.polarity)
    ).all()
    counts = dict(rows)
    score = 700 - 150 * counts.get("negative", 0) + min(50, 10 * counts.get("positive", 0))
    return max(0, min(1000, score))
