"""build_archive: grouping, status by date, and the disclosure policy applied per viewer."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.archive.schemas import RecordStatus
from xinyong.archive.service import (
    SubjectNotFound,
    build_archive,
    date_status,
    list_subjects,
)
from xinyong.disclosure.policy import OPERATOR, PUBLIC, Viewer
from xinyong.store.db import session_scope

HEPING = Viewer(role="district_officer", district_code="120101", username="heping")
HEXI = Viewer(role="district_officer", district_code="120103", username="hexi")


def _ids(archive) -> dict[str, str]:
    """source_record_id → status for every record in the archive."""
    return {r.source_record_id: r.status.value for g in archive.groups for r in g.records}


def test_full_view_groups_every_record_with_status(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        a = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=OPERATOR)
    assert a.view == "full"
    assert _ids(a) == {
        "P-ACTIVE": "active",
        "P-EXPIRED": "expired",
        "H-1": "active",
        "C-1": "active",
        "CP-1": "active",
        "INS-GOV": "active",
    }  # P-FUTURE happened after as_of
    kinds = [g.kind for g in a.groups]
    # Positive records come first, beside (not below) the negative ones.
    assert kinds.index("honour") < kinds.index("penalty") < kinds.index("inspection")
    penalty = next(g for g in a.groups if g.kind == "penalty")
    assert penalty.name_zh == "行政处罚" and penalty.counts["expired"] == 1
    assert "subject_name" not in {f.name for f in penalty.field_labels}
    assert a.subject.legal_rep == "张小明" and a.subject.district_name == "和平区"
    assert a.counts == {
        "active": 5,
        "expired": 1,
        "repaired": 0,
        "objection": 0,
        "upheld": 0,
        "revoked": 0,
        "erased": 0,
    }
    first = penalty.records[0]
    assert first.source == "和平区市场监管局" and first.collected_on == dt.date(2025, 1, 15)


def test_later_as_of_sees_future_record_and_expiry(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        a = build_archive(s, subject_id=w.shop, as_of=dt.date(2026, 3, 2), viewer=OPERATOR)
    ids = _ids(a)
    assert ids["P-FUTURE"] == "active" and ids["P-ACTIVE"] == "expired"


def test_public_sees_only_public_in_publicity_masked(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        a = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=PUBLIC)
    assert a.view == "public"
    assert set(_ids(a)) == {"P-ACTIVE", "H-1", "C-1"}
    assert set(_ids(a).values()) == {"active"}
    assert a.subject.legal_rep == "张*明"
    facts = next(g for g in a.groups if g.kind == "penalty").records[0].fields["violation_facts"]
    assert "张小明" not in facts and "张*明" in facts


def test_other_district_officer_sees_public_part_only(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        own = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=HEPING)
        other = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=HEXI)
    assert own.view == "full" and "INS-GOV" in _ids(own) and own.subject.legal_rep == "张小明"
    assert other.view == "public" and set(_ids(other)) == {"P-ACTIVE", "H-1", "C-1", "P-EXPIRED"} - {
        "P-EXPIRED"
    }


@pytest.mark.parametrize("viewer", [PUBLIC, HEXI, Viewer(role="bank", username="bank")])
def test_person_and_unknown_subjects_are_not_found(credit_world, viewer):
    w = credit_world
    with session_scope(w.engine) as s:
        for sid in (w.person, "NO-SUCH-ID"):
            with pytest.raises(SubjectNotFound) as err:
                build_archive(s, subject_id=sid, as_of=w.as_of, viewer=viewer)
            assert sid in err.value.message


def test_person_archive_is_masked_only_outside_own_district(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        own = build_archive(s, subject_id=w.person, as_of=w.as_of, viewer=HEPING)
    assert own.subject.name == "王大锤" and own.subject.id_number == w.person_id


def test_bank_sees_authorised_but_not_government(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        a = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=Viewer(role="bank", username="b"))
    assert a.view == "bank" and set(_ids(a)) == {"P-ACTIVE", "H-1", "C-1", "CP-1"}
    complaint = next(g for g in a.groups if g.kind == "complaint").records[0]
    # Personal data passes through the policy's masking: the phone in free text, the named person.
    assert "13812345678" not in str(complaint.fields) and complaint.fields["contact_name"] == "李*"


def test_status_events_override_the_date_rule_and_the_policy_withdraws(credit_world):
    """Status comes from xinyong.status (the only vocabulary): under objection the record stays and is
    marked; repaired it leaves the public view but stays, marked, in the full one; an expired record
    that is repaired shows as repaired. Nothing is committed (the world is shared by the module)."""
    from sqlalchemy.orm import Session

    from xinyong.status.service import change_status

    w = credit_world
    with Session(w.engine) as s:
        full = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=OPERATOR)
        ids = {r.source_record_id: r.id for g in full.groups for r in g.records}
        change_status(
            s,
            record_id=ids["P-ACTIVE"],
            event="objection_opened",
            actor="shop",
            reason="异议",
            effective_on=dt.date(2025, 6, 1),
        )
        change_status(
            s,
            record_id=ids["P-EXPIRED"],
            event="repaired",
            actor="和平区诚信办",
            reason="修复",
            effective_on=dt.date(2025, 6, 1),
        )
        change_status(
            s,
            record_id=ids["CP-1"],
            event="repaired",
            actor="和平区诚信办",
            reason="修复",
            effective_on=dt.date(2025, 6, 30),
        )
        full = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=OPERATOR)
        public = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=PUBLIC)
        bank = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=Viewer(role="bank", username="b"))
        day_before = build_archive(
            s, subject_id=w.shop, as_of=dt.date(2025, 6, 29), viewer=Viewer(role="bank", username="b")
        )
        s.rollback()
    assert _ids(full)["P-ACTIVE"] == "objection" and _ids(full)["P-EXPIRED"] == "repaired"
    assert _ids(full)["CP-1"] == "repaired" and full.counts["repaired"] == 2 and full.counts["objection"] == 1
    assert _ids(public)["P-ACTIVE"] == "objection"  # marked, not hidden
    assert (
        next(r.status_zh for g in public.groups for r in g.records if r.source_record_id == "P-ACTIVE")
        == "异议中"
    )
    assert (
        "CP-1" not in _ids(bank) and _ids(day_before)["CP-1"] == "active"
    )  # repaired from its effective date


def test_list_subjects_filters_and_hides_persons_from_public(credit_world):
    w = credit_world
    with session_scope(w.engine) as s:
        public = list_subjects(s, viewer=PUBLIC)
        pilot = list_subjects(s, viewer=OPERATOR, pilot=w.pilot)
        by_code = list_subjects(s, viewer=PUBLIC, q=w.uscc_hexi[:10].lower())
        hexi = list_subjects(s, viewer=OPERATOR, district="120103")
        officer = list_subjects(s, viewer=HEPING, kind="person")
    assert w.person not in {i.id for i in public.items} and public.total == 3
    assert {i.id for i in pilot.items} == {w.shop, w.xss}
    assert [i.id for i in by_code.items] == [w.hexi]
    assert [i.id for i in hexi.items] == [w.hexi]
    assert [i.name for i in officer.items] == ["王大锤"]


class _Rec:
    def __init__(self, publicity_until, valid_until):
        self.publicity_until, self.valid_until = publicity_until, valid_until


@settings(max_examples=200, deadline=None)
@given(as_of=st.dates(), pub=st.none() | st.dates(), valid=st.none() | st.dates())
def test_date_status_is_expired_exactly_when_an_end_date_has_passed(as_of, pub, valid):
    status = date_status(_Rec(pub, valid), as_of)
    passed = (pub is not None and pub < as_of) or (valid is not None and valid < as_of)
    assert (status == RecordStatus.expired) == passed
