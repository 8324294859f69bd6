"""Subject merges (主体合并): an officer's judgement that two subjects are one entity, and its undoing.

Real registries leave one entity under several ids: records keyed by an old 组织机构代码 or 工商注册号
before the USCC, a person's ID typed where the individual business's code belongs. Structure links
what it can (ingest/orgcode.py); the rest an officer merges by hand:

- `merge_subjects(session, merged_id=B, kept_id=A, officer=…, reason=…)` appends a `merge` decision
  to `subject_merges`, files every record of B under A through the record service
  (`records.service.move_records`: new content id, new commit sequence number, a
  `record.subject_changed` leaf each), lists them in `subject_merge_moves`, marks B
  `merged_into = A` and appends a `subject.merged` ledger leaf — all in the caller's transaction.
- `undo_merge(session, merge_id=…, officer=…, reason=…)` appends an `unmerge` decision (`undoes` =
  the merge): every record the merge moved — and every record collected for B while it was merged,
  which ingest filed under A and listed the same way — goes back to B; B stands on its own again;
  a `subject.unmerged` leaf. Nothing is overwritten: the decisions stay in id order.

Rules (each refusal is a MergeError in Chinese and English, and nothing changes): a reason and an
officer are required; the two ids differ and both exist; neither is merged away already (merge into
the subject it was merged into instead); a merge is undone once, and only while its kept subject is
not itself merged away (undo that later merge first), so chains unwind in reverse order.

Afterwards the merged-away id answers with the kept subject's archive (archive/service.py), rows
naming it are filed under the kept subject at ingest (`merge_chains`), and evaluation grades the kept
subject with both subjects' records and no longer grades the merged-away one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject, SubjectMerge, SubjectMergeMove


class MergeError(ValueError):
    """A refused merge or undo; nothing was written."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class MergeNotFound(MergeError, LookupError):
    """The subject or the merge decision named does not exist."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _required(officer: str, reason: str) -> tuple[str, str]:
    officer, reason = (officer or "").strip(), (reason or "").strip()
    if not officer or not reason:
        raise MergeError(
            "合并或撤销合并须写明经办人和理由", "a merge or its undoing needs an officer and a reason"
        )
    if len(reason) > 500 or len(officer) > 100:
        raise MergeError("理由不超过500字、经办人不超过100字", "reason ≤ 500 and officer ≤ 100 characters")
    return officer, reason


def _subject(session: Session, subject_id: str) -> Subject:
    subject = session.scalar(select(Subject).where(Subject.id == subject_id).with_for_update())
    if subject is None:
        raise MergeNotFound(f"信用主体不存在：{subject_id}", f"no subject {subject_id}")
    return subject


def _log(session: Session, event: dict[str, object], at: dt.datetime) -> int:
    from xinyong.ledger.service import append_events

    return append_events(session, [event], at=at)[0]


def _record_moves(
    session: Session | Connection, merge_id: int, moved: Iterable[tuple[str, str]], to: str, at: dt.datetime
) -> None:
    rows = [
        {"merge_id": merge_id, "record_id": rid, "from_subject_id": old, "to_subject_id": to, "moved_at": at}
        for rid, old in moved
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(SubjectMergeMove), rows[start : start + 5000])


def merge_subjects(
    session: Session,
    *,
    merged_id: str,
    kept_id: str,
    officer: str,
    reason: str,
    now: dt.datetime | None = None,
) -> SubjectMerge:
    """Merge subject `merged_id` into `kept_id` (see the module docstring); returns the decision."""
    from xinyong.records.models import Record
    from xinyong.records.service import move_records

    officer, reason = _required(officer, reason)
    now = now or _now()
    if merged_id == kept_id:
        raise MergeError("不能把信用主体并入自身", "a subject cannot be merged into itself")
    first, second = sorted((merged_id, kept_id))  # lock in id order: no deadlock between two merges
    subjects = {first: _subject(session, first), second: _subject(session, second)}
    merged, kept = subjects[merged_id], subjects[kept_id]
    for s in (merged, kept):
        if s.merged_into is not None:
            raise MergeError(
                f"信用主体 {s.id} 已并入 {s.merged_into}（合并决定 {s.merge_id}）",
                f"subject {s.id} is already merged into {s.merged_into} (merge {s.merge_id})",
            )
    decision = SubjectMerge(
        action="merge",
        kept_id=kept_id,
        merged_id=merged_id,
        reason=reason,
        officer=officer,
        decided_at=now,
        records=0,
        leaf_index=-1,
    )
    session.add(decision)
    session.flush()
    ids = list(session.scalars(select(Record.id).where(Record.subject_id == merged_id)))
    moved = move_records(session, ids, to_subject_id=kept_id, cause={"merge_id": decision.id})
    _record_moves(session, decision.id, moved, kept_id, now)
    session.execute(
        update(Subject).where(Subject.id == merged_id).values(merged_into=kept_id, merge_id=decision.id)
    )
    decision.records = len(moved)
    decision.leaf_index = _log(session, _event("subject.merged", decision, kept_id), now)
    session.flush()
    return decision


def undo_merge(
    session: Session, *, merge_id: int, officer: str, reason: str, now: dt.datetime | None = None
) -> SubjectMerge:
    """Undo merge decision `merge_id` (see the module docstring); returns the `unmerge` decision."""
    from xinyong.records.service import move_records

    officer, reason = _required(officer, reason)
    now = now or _now()
    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.action != "merge":
        raise MergeNotFound(f"没有编号为 {merge_id} 的合并决定", f"no merge decision {merge_id}")
    first, second = sorted((merge.merged_id, merge.kept_id))
    subjects = {first: _subject(session, first), second: _subject(session, second)}
    merged, kept = subjects[merge.merged_id], subjects[merge.kept_id]
    done = session.scalar(select(SubjectMerge.id).where(SubjectMerge.undoes == merge_id))
    if done is not None or merged.merge_id != merge_id:
        raise MergeError(
            f"合并决定 {merge_id} 已撤销（撤销决定 {done}）",
            f"merge {merge_id} is already undone (decision {done})",
        )
    if kept.merged_into is not None:
        raise MergeError(
            f"{kept.id} 其后已并入 {kept.merged_into}：请先撤销合并决定 {kept.merge_id}",
            f"{kept.id} was later merged into {kept.merged_into}: undo merge {kept.merge_id} first",
        )
    undo = SubjectMerge(
        action="unmerge",
        kept_id=merge.kept_id,
        merged_id=merge.merged_id,
        undoes=merge_id,
        reason=reason,
        officer=officer,
        decided_at=now,
        records=0,
        leaf_index=-1,
    )
    session.add(undo)
    session.flush()
    ids = list(
        session.scalars(select(SubjectMergeMove.record_id).where(SubjectMergeMove.merge_id == merge_id))
    )
    moved = move_records(session, ids, to_subject_id=merge.merged_id, cause={"merge_id": undo.id})
    _record_moves(session, undo.id, moved, merge.merged_id, now)
    session.execute(
        update(Subject).where(Subject.id == merge.merged_id).values(merged_into=None, merge_id=None)
    )
    undo.records = len(moved)
    undo.leaf_index = _log(session, _event("subject.unmerged", undo, merge.merged_id), now)
    session.flush()
    return undo


def _event(kind: str, d: SubjectMerge, subject_id: str) -> dict[str, object]:
    return {
        "type": kind,
        "subject_id": subject_id,
        "kept_id": d.kept_id,
        "merged_id": d.merged_id,
        "merge_id": d.id,
        "undoes": d.undoes,
        "officer": d.officer,
        "reason_sha256": hashlib.sha256(d.reason.encode()).hexdigest(),
        "records": d.records,
    }


def merge_history(session: Session, subject_id: str) -> list[SubjectMerge]:
    """Every merge and unmerge decision naming the subject (kept or merged), oldest first."""
    return list(
        session.scalars(
            select(SubjectMerge)
            .where((SubjectMerge.kept_id == subject_id) | (SubjectMerge.merged_id == subject_id))
            .order_by(SubjectMerge.id)
        )
    )


def resolve(session: Session | Connection, subject_id: str) -> str:
    """The subject an id stands for now: itself, or — merged away — the end of its merge chain."""
    seen = {subject_id}
    current = subject_id
    while True:
        nxt = session.execute(select(Subject.merged_into).where(Subject.id == current)).scalar()
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt


def merge_chains(
    conn: Session | Connection, subject_ids: Iterable[str]
) -> dict[str, list[tuple[int, str, str]]]:
    """For each merged-away id among `subject_ids`: the hops to the subject it stands for now,
    [(merge id, from, to), …] (ingest files rows naming it under the last `to`). {} when none is."""
    ids = sorted(set(subject_ids))
    step: dict[str, tuple[int, str]] = {}
    todo = ids
    while todo:
        found = []
        for start in range(0, len(todo), 5000):
            for sid, into, mid in conn.execute(
                select(Subject.id, Subject.merged_into, Subject.merge_id).where(
                    Subject.id.in_(todo[start : start + 5000]), Subject.merged_into.is_not(None)
                )
            ):
                step[sid] = (int(mid), into)
                found.append(into)
        todo = sorted(set(found) - step.keys())
    out: dict[str, list[tuple[int, str, str]]] = {}
    for sid in ids:
        hops, current = [], sid
        while current in step and len(hops) <= len(step):
            mid, into = step[current]
            hops.append((mid, current, into))
            current = into
        if hops:
            out[sid] = hops
    return out


def record_ingest_moves(
    conn: Connection,
    chains: dict[str, list[tuple[int, str, str]]],
    rows: Iterable[tuple[str, str]],
    at: dt.datetime,
) -> None:
    """Ingest filed new records (record id, the subject the row names) under the subject that id
    stands for: list them under each merge on the way, so undoing a merge moves them back too."""
    for rid, named in rows:
        for mid, frm, to in chains.get(named, ()):
            _record_moves(conn, mid, [(rid, frm)], to, at)
