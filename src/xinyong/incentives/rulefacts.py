"""Facts incentives adds to the rules vocabulary (registered in xinyong.rules.facts.FACT_PROVIDERS):
`person.score`, the individual credit score (docs/person-score.md) of a person from the newest stored
`person_haihe` run as of the date (-1 when not a person or not graded), and `role`, the roster role
(`subjects.attributes.role`). `person.score` is personal (FactSpec.personal): only a rule acting for the
person themself (`for_person=True`, the 信易+ bulk path) may read it — a yes/no per person would tell an
officer the score's range; the score itself is shown only to the person or under a grant
(xinyong.incentives.person)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.rules.facts import FactSpec, latest_results
from xinyong.subjects.models import Subject

VOCABULARY: dict[str, FactSpec] = {
    "person.score": FactSpec(
        "int",
        "个人信用积分（0–1000）",
        "individual credit score (0-1000)",
        -1,
        source="person_haihe",
        personal=True,  # only rules acting for the person themself (rules.facts.personal_refusal)
    ),
    "role": FactSpec("string", "试点角色", "roster role", "", source="subjects.attributes.role"),
}


def provide(session: Session, *, subject_ids: list[str] | None, as_of: dt.date) -> dict[str, dict[str, Any]]:
    scores = latest_results(session, "person_haihe", as_of, subject_ids)
    q = select(Subject.id, Subject.attributes)
    if subject_ids is not None:
        q = q.where(Subject.id.in_(subject_ids))
    out: dict[str, dict[str, Any]] = {}
    for sid, attrs in session.execute(q):
        out[sid] = {"role": str((attrs or {}).get("role") or "")}
    for sid, (_grade, score) in scores.items():
        out.setdefault(sid, {})["person.score"] = int(score)
    return out
