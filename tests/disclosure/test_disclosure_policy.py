"""The disclosure policy: the SQL filters equal the Python reference over a full matrix of
viewer × disclosure level × district × publicity × subject kind × occurrence date × status history,
on SQLite and PostgreSQL; and the reference itself follows the matrix written in docs/disclosure.md."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import insert, select

from xinyong.disclosure.policy import (
    PUBLIC,
    Viewer,
    record_filter,
    record_visible,
    subject_filter,
    subject_visible,
)
from xinyong.records.models import Record
from xinyong.status.models import TRANSITIONS, StatusEvent
from xinyong.status.service import derive_status
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

AS_OF = dt.date(2024, 6, 30)
HEPING, HEXI = "120101", "120103"
DISTRICTS = (HEPING, HEXI, None)
SUBJECT_KINDS = ("enterprise", "person")
LEVELS = ("public", "authorised", "government", "unknown-level")
RECORD_KINDS = ("penalty", "inspection", "complaint")
PUBLICITY = (None, AS_OF - dt.timedelta(days=1), AS_OF, AS_OF + dt.timedelta(days=1))
T0 = dt.datetime(2024, 1, 1)
BEFORE, AFTER = AS_OF - dt.timedelta(days=1), AS_OF + dt.timedelta(days=1)
OCCURRED = (dt.date(2024, 1, 1), AS_OF, AFTER, None)  # past, the day itself, future-dated, undated
# Status histories (event, effective date) in append order; effective on/before/after the as-of date.
HISTORIES: tuple[tuple[tuple[str, dt.date], ...], ...] = (
    (),
    (("objection_opened", BEFORE),),
    (("objection_opened", AFTER),),
    (("repaired", BEFORE),),
    (("repaired", AS_OF),),
    (("repaired", AFTER),),
    (("objection_opened", BEFORE), ("objection_upheld", AS_OF)),
    (("objection_opened", BEFORE), ("objection_rejected", BEFORE)),
    (("objection_opened", BEFORE), ("objection_rejected", AFTER)),
    (("revoked", AS_OF),),
    (("objection_opened", BEFORE), ("erased", AS_OF)),
    (("repaired", BEFORE), ("erased", AFTER)),
    (("repaired", BEFORE), ("revoked", BEFORE), ("erased", BEFORE)),
)


def _subject_id(district: str | None, kind: str) -> str:
    return f"S{district or 'none'}{kind[:3]}"


def make_world() -> tuple[list[Subject], list[Record], dict[str, tuple]]:
    """Subjects, records and each record's status history (record id → HISTORIES entry)."""
    subjects = [
        Subject(
            id=_subject_id(d, k),
            kind=k,
            name=f"{d}-{k}",
            district_code=d,
            attributes={},
            source="t",
            first_seen=T0,
            last_seen=T0,
        )
        for d, k in itertools.product(DISTRICTS, SUBJECT_KINDS)
    ]
    records, histories = [], {}
    combos = list(itertools.product(LEVELS, RECORD_KINDS, PUBLICITY))
    extra = list(itertools.product(OCCURRED, HISTORIES))
    for subject in subjects:
        for n, (level, kind, until) in enumerate(combos):
            # Every level × kind × publicity meets every occurrence × history across the subjects'
            # records (a full product per row would be 13x larger for no new clause).
            for m, (occurred, hist) in enumerate(extra):
                if (n + m) % 4:
                    continue
                rid = f"{subject.id}-{n}-{m}"
                histories[rid] = hist
                records.append(
                    Record(
                        id=rid,
                        kind=kind,
                        subject_id=subject.id,
                        source="t",
                        source_record_id=rid,
                        occurred_on=occurred,
                        publicity_until=until,
                        polarity="negative",
                        disclosure=level,
                        fields={},
                        original={},
                        first_seen=T0,
                        last_seen=T0,
                    )
                )
    return subjects, records, histories


def test_world_histories_are_valid_and_cover_every_pairing():
    subjects, records, histories = make_world()
    for hist in HISTORIES:  # each history is a path of the transition table, in effective order
        status = "active"
        for event, _ in hist:
            status = TRANSITIONS[(status, event)]
        assert [d for _, d in hist] == sorted(d for _, d in hist)
    pairs = {(r.disclosure, r.kind, r.publicity_until, r.occurred_on, histories[r.id]) for r in records}
    for level, kind, until in itertools.product(LEVELS, RECORD_KINDS, PUBLICITY):
        assert {(o, h) for (lv, k, u, o, h) in pairs if (lv, k, u) == (level, kind, until)}, (
            level,
            kind,
            until,
        )
    assert {h for *_, h in pairs} == set(HISTORIES)
    assert {o for _, _, _, o, _ in pairs} == set(OCCURRED)


VIEWERS = [
    PUBLIC,
    Viewer(role="city_admin", user_id="1"),
    Viewer(role="district_officer", user_id="2", district_code=HEPING),
    Viewer(role="district_officer", user_id="3", district_code=HEXI),
    Viewer(role="district_officer", user_id="4", district_code=None),  # misconfigured: public view only
    Viewer(role="department", user_id="5", kinds=frozenset({"penalty"})),
    Viewer(role="department", user_id="6", kinds=frozenset({"penalty", "complaint"})),
    Viewer(role="department", user_id="7", kinds=frozenset()),
    Viewer(role="bank", user_id="8"),
    Viewer(role="subject", user_id="9", subject_id=_subject_id(HEPING, "enterprise")),
    Viewer(role="subject", user_id="10", subject_id=_subject_id(HEXI, "person")),
]


@pytest.fixture
def world(engine):
    subjects, records, histories = make_world()
    with session_scope(engine) as session:
        session.add_all(subjects)
        session.flush()
        session.add_all(records)
        session.flush()
        rows = []
        for rid, hist in histories.items():
            status = "active"
            for event, day in hist:
                status = TRANSITIONS[
                    (status, event)
                ]  # the status each event leads to, as the service stores it
                rows.append(
                    {
                        "record_id": rid,
                        "event": event,
                        "status": status,
                        "effective_on": day,
                        "actor": "t",
                        "reason": "t",
                        "recorded_at": T0,
                        "leaf_index": 0,
                    }
                )
        session.execute(insert(StatusEvent), rows)
    return {s.id: s for s in subjects}, records, histories


def _status(histories: dict[str, tuple], rid: str) -> str:
    return derive_status(histories[rid], AS_OF)


@pytest.mark.parametrize(
    "viewer",
    VIEWERS,
    ids=lambda v: f"{v.role}-{v.district_code or ''}{sorted(v.kinds or [])}{v.subject_id or ''}",
)
def test_sql_filters_equal_the_reference(engine, world, viewer):
    subjects, records, histories = world
    want_records = {
        r.id
        for r in records
        if record_visible(viewer, r, subjects[r.subject_id], AS_OF, _status(histories, r.id))
    }
    want_subjects = {s.id for s in subjects.values() if subject_visible(viewer, s)}
    with session_scope(engine) as session:
        got_records = set(
            session.scalars(
                select(Record.id)
                .join(Subject, Subject.id == Record.subject_id)
                .where(record_filter(viewer, AS_OF))
            )
        )
        got_subjects = set(session.scalars(select(Subject.id).where(subject_filter(viewer))))
        # Negated, the clauses must still partition the rows (no SQL NULL three-valued surprises).
        got_not_records = set(
            session.scalars(
                select(Record.id)
                .join(Subject, Subject.id == Record.subject_id)
                .where(~record_filter(viewer, AS_OF))
            )
        )
        got_not_subjects = set(session.scalars(select(Subject.id).where(~subject_filter(viewer))))
    assert got_records == want_records
    assert got_subjects == want_subjects
    assert got_not_records == {r.id for r in records} - want_records
    assert got_not_subjects == set(subjects) - want_subjects


def test_every_viewer_sees_at_least_the_public_view_and_the_city_all_that_has_happened():
    subjects, records, histories = make_world()
    by_id = {s.id: s for s in subjects}

    def seen(viewer: Viewer) -> set[str]:
        return {
            r.id
            for r in records
            if record_visible(viewer, r, by_id[r.subject_id], AS_OF, _status(histories, r.id))
        }

    public = seen(PUBLIC)
    for viewer in VIEWERS:
        assert public <= seen(viewer), viewer
    assert seen(VIEWERS[1]) == {r.id for r in records if r.occurred_on is None or r.occurred_on <= AS_OF}


def _rec(
    level: str,
    until: dt.date | None = None,
    kind: str = "penalty",
    subject_id: str = "S",
    occurred: dt.date | None = None,
) -> Record:
    return Record(
        id="r",
        kind=kind,
        subject_id=subject_id,
        disclosure=level,
        publicity_until=until,
        occurred_on=occurred,
    )


def _subj(district: str | None = HEXI, kind: str = "enterprise", sid: str = "S") -> Subject:
    return Subject(id=sid, kind=kind, district_code=district)


# The matrix of docs/disclosure.md, row by row: (viewer, record, subject) → visible?
HEPING_OFFICER = Viewer(role="district_officer", district_code=HEPING)
DOC_MATRIX = [
    (PUBLIC, _rec("public"), _subj(), True),
    (PUBLIC, _rec("public", AS_OF), _subj(), True),  # the last day of publicity is still public
    (PUBLIC, _rec("public", BEFORE), _subj(), False),  # publicity ended (expired or repaired)
    (PUBLIC, _rec("authorised"), _subj(), False),
    (PUBLIC, _rec("government"), _subj(), False),
    (HEPING_OFFICER, _rec("government", BEFORE), _subj(HEPING), True),  # own district: everything
    (HEPING_OFFICER, _rec("authorised"), _subj(HEXI), False),  # other district: public view
    (HEPING_OFFICER, _rec("public"), _subj(HEXI), True),
    (Viewer(role="department", kinds=frozenset({"penalty"})), _rec("government", BEFORE), _subj(), True),
    (
        Viewer(role="department", kinds=frozenset({"penalty"})),
        _rec("government", kind="inspection"),
        _subj(),
        False,
    ),
    (Viewer(role="bank"), _rec("authorised"), _subj(), True),
    (Viewer(role="bank"), _rec("authorised", BEFORE), _subj(), False),  # repaired: not held against it
    (Viewer(role="bank"), _rec("government"), _subj(), False),
    (Viewer(role="subject", subject_id="S"), _rec("government", BEFORE), _subj(), True),
    (Viewer(role="subject", subject_id="T"), _rec("authorised"), _subj(), False),
]


@pytest.mark.parametrize(("viewer", "record", "subject", "visible"), DOC_MATRIX)
def test_reference_follows_the_documented_matrix(viewer, record, subject, visible):
    assert record_visible(viewer, record, subject, AS_OF) is visible


CITY = Viewer(role="city_admin")
BANK = Viewer(role="bank")
# docs/disclosure.md "Status and dates": (viewer, record, subject, status) → visible?
STATUS_MATRIX = [
    (PUBLIC, _rec("public"), _subj(), "objection", True),  # under objection: shown (and marked)
    (PUBLIC, _rec("public"), _subj(), "repaired", False),  # repaired: leaves public disclosure
    (PUBLIC, _rec("public"), _subj(), "upheld", False),
    (PUBLIC, _rec("public"), _subj(), "revoked", False),
    (PUBLIC, _rec("public"), _subj(), "erased", False),
    (BANK, _rec("authorised"), _subj(), "repaired", False),  # ... and sharing
    (BANK, _rec("authorised"), _subj(), "objection", True),
    (HEPING_OFFICER, _rec("public"), _subj(HEXI), "repaired", False),
    (HEPING_OFFICER, _rec("government"), _subj(HEPING), "repaired", True),  # own scope keeps it, marked
    (HEPING_OFFICER, _rec("government"), _subj(HEPING), "erased", False),  # erased: the city only
    (Viewer(role="department", kinds=frozenset({"penalty"})), _rec("public"), _subj(), "revoked", True),
    (
        Viewer(role="department", kinds=frozenset({"penalty"})),
        _rec("public", kind="inspection"),
        _subj(),
        "revoked",
        False,
    ),
    (Viewer(role="subject", subject_id="S"), _rec("public"), _subj(), "repaired", True),
    (CITY, _rec("government"), _subj(), "erased", True),
    (PUBLIC, _rec("public", occurred=AFTER), _subj(), "active", False),  # not happened yet
    (PUBLIC, _rec("public", occurred=AS_OF), _subj(), "active", True),
    (CITY, _rec("public", occurred=AFTER), _subj(), "active", False),
    (HEPING_OFFICER, _rec("public", occurred=AFTER), _subj(HEPING), "active", False),
]


@pytest.mark.parametrize(("viewer", "record", "subject", "status", "visible"), STATUS_MATRIX)
def test_reference_follows_the_documented_status_rules(viewer, record, subject, status, visible):
    assert record_visible(viewer, record, subject, AS_OF, status) is visible


@pytest.mark.parametrize(
    ("viewer", "subject", "visible"),
    [
        (PUBLIC, _subj(kind="enterprise"), True),
        (PUBLIC, _subj(kind="person"), False),  # a person's existence is personal data
        (HEPING_OFFICER, _subj(HEXI, "person"), False),  # another district's person: "not found"
        (HEPING_OFFICER, _subj(HEPING, "person"), True),
        (Viewer(role="subject", subject_id="S"), _subj(kind="person", sid="S"), True),
        (Viewer(role="bank"), _subj(kind="person"), False),
        (Viewer(role="city_admin"), _subj(None, "person"), True),
    ],
)
def test_subject_visibility(viewer, subject, visible):
    assert subject_visible(viewer, subject) is visible


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role"):
        Viewer(role="superuser")
