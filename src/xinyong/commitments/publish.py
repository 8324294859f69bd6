"""Commitments as credit records, through the ingest service (the one way records change).

After the caller commits its commitment events, `publish(engine, commitment_ids=…)` writes:

* one `commitment` record per commitment (source `commitments`, number = the commitment id): it is
  what the archive and the public card show (the disclosure policy decides who sees it); a later
  state (kept, breached, expired, withdrawn) is a correction (更正) of that record;
* one `commitment_breach` negative record (违诺记录, number `WN-<commitment id>`) per breach.

Idempotent: rows whose content did not change are duplicates to the ingest service. A withdrawn
commitment's record ends (valid_until) on the withdrawal date, so it leaves the card after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from xinyong import clock
from xinyong.commitments.letters import load_templates
from xinyong.commitments.models import BREACHED, KEPT, WITHDRAWN, Commitment, CommitmentEvent
from xinyong.commitments.schemas import COMMITMENT_TYPES
from xinyong.commitments.service import states
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

SOURCE = "commitments"
# commitment state → the `commitment` kind's 履约状态 value
_RECORD_STATUS = {
    "signed": "signed",
    "in_force": "signed",
    KEPT: "kept",
    BREACHED: "breached",
    "expired": "expired",
    WITHDRAWN: "withdrawn",
}


class PublishError(RuntimeError):
    """The ingest service rejected a row this module built (a bug or a catalogue change)."""


def _subject_fields(subject: Subject) -> dict[str, Any]:
    return {
        "subject_name": subject.name,
        "subject_kind": subject.kind,
        "uscc": subject.uscc,
        "id_number": subject.id_number,
        "local_code": subject.local_code,
    }


def rows_for(
    engine: Engine, *, commitment_ids: Sequence[str] | None, as_of: dt.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(commitment rows, breach rows) for these commitments (all when None) as of the date."""
    templates = load_templates()
    with session_scope(engine) as s:
        q = select(Commitment, Subject).join(Subject, Subject.id == Commitment.subject_id)
        if commitment_ids is not None:
            q = q.where(Commitment.id.in_(list(commitment_ids)))
        pairs = s.execute(q.where(Commitment.signed_on <= as_of).order_by(Commitment.id)).all()
        ids = [c.id for c, _ in pairs]
        now_state = states(s, commitment_ids=ids, as_of=as_of)
        last: dict[str, CommitmentEvent] = {}
        for start in range(0, len(ids), 500):
            for e in s.scalars(
                select(CommitmentEvent)
                .where(CommitmentEvent.commitment_id.in_(ids[start : start + 500]))
                .where(CommitmentEvent.effective_on <= as_of)
                .order_by(CommitmentEvent.id)
            ):
                last[e.commitment_id] = e
    commitments: list[dict[str, Any]] = []
    breaches: list[dict[str, Any]] = []
    for c, subject in pairs:
        state = now_state.get(c.id)
        if state is None:
            continue
        template = templates.get(c.template_id)
        name = template.name_zh if template else c.template_id
        accepted_by = template.accepted_by if template else ""
        event = last.get(c.id)
        until = c.valid_until
        if state == WITHDRAWN and event is not None:
            until = event.effective_on if until is None else min(until, event.effective_on)
        row = {
            **_subject_fields(subject),
            "commitment_no": c.id,
            "commitment_type": COMMITMENT_TYPES[c.type][0],
            "content": name,
            "signed_on": c.signed_on,
            "valid_until": until,
            "accepted_by": accepted_by,
            "status": _RECORD_STATUS[state],
        }
        if state == BREACHED and event is not None:
            row["breached_on"] = event.effective_on
            row["breach_details"] = event.reason
            breaches.append(
                {
                    **_subject_fields(subject),
                    "breach_no": event.breach_record_no,
                    "commitment_no": c.id,
                    "commitment_type": COMMITMENT_TYPES[c.type][0],
                    "commitment_name": name,
                    "breached_on": event.effective_on,
                    "breach_details": event.reason,
                    "decided_by": event.actor,
                    "severity": template.breach_severity if template else "general",
                }
            )
        commitments.append(row)
    return commitments, breaches


def publish(
    engine: Engine,
    *,
    commitment_ids: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, dict[str, int]]:
    """Ingest the records of these commitments (all when None) as of the date (default today).

    Returns {"commitment": summary, "commitment_breach": summary} (the ingest `--json` summary:
    read, accepted, corrected, duplicates, rejected). Raises PublishError when a row is rejected
    (it is quarantined by the ingest service, so it is not lost)."""
    day = as_of or clock.today(now)
    commitments, breaches = rows_for(engine, commitment_ids=commitment_ids, as_of=day)
    from xinyong.ingest.service import ingest_rows

    out: dict[str, dict[str, int]] = {}
    for kind, rows in (("commitment", commitments), ("commitment_breach", breaches)):
        if not rows:
            out[kind] = {"read": 0, "accepted": 0, "corrected": 0, "duplicates": 0, "rejected": 0}
            continue
        result = ingest_rows(
            engine=engine, rows=rows, source=SOURCE, kind=kind, submitted_by="xinyong.commitments", now=now
        )
        out[kind] = result.summary()
        if result.rejected:
            raise PublishError(
                f"{result.rejected} 条{kind}记录被拒收（见隔离区，批次 {result.batch}） / "
                f"{result.rejected} {kind} rows were rejected (quarantined, batch {result.batch})"
            )
    return out
