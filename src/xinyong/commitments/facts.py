"""Rule facts from commitments (registered in xinyong.rules.facts.FACT_PROVIDERS; docs/rules.md):

| fact | type | value |
|---|---|---|
| `commitments.open` | int | the subject's commitments signed or in force as of the date |
| `commitments.breached` | int | its commitments breached (违诺) by the date |

States are the lifecycle fold as of the date (time-derived expiry included), so an expired
commitment is not open and a breach recorded after the date does not count yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments.lifecycle import derive_state
from xinyong.commitments.models import BREACHED, OPEN_STATES, Commitment, CommitmentEvent
from xinyong.rules.facts import FactSpec

VOCABULARY: dict[str, FactSpec] = {
    "commitments.open": FactSpec(
        "int", "履行中的信用承诺数", "open credit commitments", 0, source="commitments / commitment_events"
    ),
    "commitments.breached": FactSpec(
        "int", "违诺的信用承诺数", "breached credit commitments", 0, source="commitments / commitment_events"
    ),
}


def provide(session: Session, *, subject_ids: list[str] | None, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """{subject id: {"commitments.open": n, "commitments.breached": m}} for subjects with commitments
    signed by the date (others take the default 0); subject_ids None: every subject."""
    chunks: list[list[str] | None] = (
        [None]
        if subject_ids is None
        else [list(subject_ids[i : i + 500]) for i in range(0, len(subject_ids), 500)]
    )
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks:
        q = select(Commitment.id, Commitment.subject_id, Commitment.valid_until).where(
            Commitment.signed_on <= as_of
        )
        if chunk is not None:
            q = q.where(Commitment.subject_id.in_(chunk))
        rows = session.execute(q).all()
        if not rows:
            continue
        events: dict[str, list[tuple[str, dt.date]]] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            for cid, event, on in session.execute(
                select(CommitmentEvent.commitment_id, CommitmentEvent.event, CommitmentEvent.effective_on)
                .where(CommitmentEvent.commitment_id.in_(ids[start : start + 500]))
                .order_by(CommitmentEvent.commitment_id, CommitmentEvent.id)
            ):
                events.setdefault(cid, []).append((event, on))
        for r in rows:
            state = derive_state(events.get(r.id, []), valid_until=r.valid_until, as_of=as_of)
            facts = out.setdefault(r.subject_id, {"commitments.open": 0, "commitments.breached": 0})
            if state in OPEN_STATES:
                facts["commitments.open"] += 1
            elif state == BREACHED:
                facts["commitments.breached"] += 1
    return out
