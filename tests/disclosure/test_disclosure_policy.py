"""The disclosure policy: the SQL filters equal the Python reference over a full matrix of
viewer × disclosure level × district × publicity × subject kind, on SQLite and PostgreSQL; and the
reference itself follows the matrix written in docs/disclosure.md."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from xinyong.disclosure.policy import (
    PUBLIC,
    Viewer,
    record_filter,
    record_visible,
    subject_filter,
    subject_visible,
)
from xinyong.records.models import Record
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


def _subject_id(district: str | None, kind: str) -> str:
    return f"S{district or 'none'}{kind[:3]}"


def make_world() -> tuple[list[Subject], list[Record]]:
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
    records = []
    for subject in subjects:
        for n, (level, kind, until) in enumerate(itertools.product(LEVELS, RECORD_KINDS, PUBLICITY)):
            records.append(
                Record(
                    id=f"{subject.id}-{n}",
                    kind=kind,
                    subject_id=subject.id,
                    source="t",
                    source_record_id=f"{subject.id}-{n}",
                    occurred_on=dt.date(2024, 1, 1),
                    publicity_until=until,
                    polarity="negative",
                    disclosure=level,
                    fields={},
                    original={},
                    first_seen=T0,
                    last_seen=T0,
                )
            )
    return subjects, records


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
    subjects, records = make_world()
    with session_scope(engine) as session:
        session.add_all(subjects)
        session.flush()
        session.add_all(records)
    return {s.id: s for s in subjects}, records


@pytest.mark.parametrize(
    "viewer",
    VIEWERS,
    ids=lambda v: f"{v.role}-{v.district_code or ''}{sorted(v.kinds or [])}{v.subject_id or ''}",
)
def test_sql_filters_equal_the_reference(engine, world, viewer):
    subjects, records = world
    want_records = {r.id for r in records if record_visible(viewer, r, subjects[r.subject_id], AS_OF)}
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


def test_every_viewer_sees_at_least_the_public_view_and_the_city_all():
    subjects, records = make_world()
    by_id = {s.id: s for s in subjects}
    public = {r.id for r in records if record_visible(PUBLIC, r, by_id[r.subject_id], AS_OF)}
    for viewer in VIEWERS:
        seen = {r.id for r in records if record_visible(viewer, r, by_id[r.subject_id], AS_OF)}
        assert public <= seen, viewer
    assert {r.id for r in records if record_visible(VIEWERS[1], r, by_id[r.subject_id], AS_OF)} == {
        r.id for r in records
    }


def _rec(level: str, until: dt.date | None = None, kind: str = "penalty", subject_id: str = "S") -> Record:
    return Record(id="r", kind=kind, subject_id=subject_id, disclosure=level, publicity_until=until)


def _subj(district: str | None = HEXI, kind: str = "enterprise", sid: str = "S") -> Subject:
    return Subject(id=sid, kind=kind, district_code=district)


# The matrix of docs/disclosure.md, row by row: (viewer, record, subject) → visible?
BEFORE = AS_OF - dt.timedelta(days=1)
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
