"""Subject registry: deterministic ids, bulk upsert with first/last seen, derived kind and district."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.models import Subject
from xinyong.subjects.service import SubjectError, derive_kind, subject_id_for, upsert_subjects

T1, T2 = dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1)


def test_subject_ids_are_short_stable_and_namespaced():
    code = make_uscc("91120101MA0000001")
    a = subject_id_for("enterprise", code)
    assert a == subject_id_for("individual_business", code) and len(a) <= 24 and a.startswith("s")
    assert subject_id_for("person", code) != a
    assert subject_id_for("enterprise", make_uscc("91120101MA0000002")) != a


@pytest.mark.parametrize(
    "code,kind",
    [
        ("11120101MB0000001", "government"),
        ("92120101MA0000001", "individual_business"),
        ("N2120101MA0000001", "village"),
        ("91120101MA0000001", "enterprise"),
    ],
)
def test_kind_derived_from_the_uscc(code, kind):
    assert derive_kind(uscc=make_uscc(code)) == kind


def test_upsert_inserts_then_refreshes(engine):
    carrier = {
        "kind": "carrier",
        "name": "海信广场",
        "local_code": "hp-hisense",
        "district_code": "120101",
        "pilot": "heping_mall",
    }
    shop = {
        "name": "某某餐饮店",
        "uscc": "ｍａ" and make_uscc("92120101MA0000001").lower(),
        "legal_rep": "张三",
        "industry": "餐饮",
        "registered_on": dt.date(2020, 1, 2),
        "pilot": "heping_mall",
        "attributes": {"floor": 3},
    }
    with Session(engine) as s:
        (carrier_id,) = upsert_subjects(s, [carrier], now=T1)
        (shop_id,) = upsert_subjects(s, [{**shop, "parent_id": carrier_id}], now=T1)
        s.commit()
    with Session(engine) as s:
        got = s.get(Subject, shop_id)
        assert (got.kind, got.uscc, got.district_code, got.division_code) == (
            "individual_business",
            make_uscc("92120101MA0000001"),
            "120101",
            "120101",
        )
        assert (got.parent_id, got.attributes, got.first_seen, got.last_seen) == (
            carrier_id,
            {"floor": 3},
            T1,
            T1,
        )
    with Session(engine) as s:  # again, with a new name and no pilot: name changes, pilot stays
        assert upsert_subjects(
            s, [{"name": "某某餐饮店（新）", "uscc": make_uscc("92120101MA0000001")}], now=T2
        ) == [shop_id]
        s.commit()
    with Session(engine) as s:
        got = s.get(Subject, shop_id)
        assert (got.name, got.pilot, got.first_seen, got.last_seen) == (
            "某某餐饮店（新）",
            "heping_mall",
            T1,
            T2,
        )
        assert len(list(s.scalars(select(Subject)))) == 2


def test_upsert_bulk_and_duplicates_in_one_call(sqlite_engine):
    rows = [{"name": f"企业{i}", "uscc": make_uscc(f"91120103MA{i:07d}")} for i in range(300)]
    with Session(sqlite_engine) as s:
        ids = upsert_subjects(s, rows + rows[:10], now=T1)
        s.commit()
    assert len(ids) == 310 and ids[300:] == ids[:10]
    with Session(sqlite_engine) as s:
        assert len(list(s.scalars(select(Subject.id)))) == 300


def test_person_keeps_the_id_number_and_its_district(sqlite_engine):
    pid = make_citizen_id("12010119800101001")
    with Session(sqlite_engine) as s:
        (sid,) = upsert_subjects(s, [{"name": "王大明", "id_number": pid, "kind": "person"}], now=T1)
        s.commit()
        got = s.get(Subject, sid)
    assert sid == subject_id_for("person", pid)
    assert (got.kind, got.id_number, got.district_code) == ("person", pid, "120101")


@pytest.mark.parametrize(
    "row,words",
    [
        ({"name": "x", "uscc": "91120101MA00000010"}, "校验码"),
        ({"name": "x"}, "no subject identifier"),
        ({"name": "", "uscc": make_uscc("91120101MA0000001")}, "name is empty"),
        ({"name": "x", "uscc": make_uscc("91120101MA0000001"), "kind": "alien"}, "unknown subject kind"),
    ],
)
def test_bad_rows_raise_bilingual_errors_and_write_nothing(sqlite_engine, row, words):
    with Session(sqlite_engine) as s:
        with pytest.raises(SubjectError, match=words):
            upsert_subjects(s, [{"name": "ok", "uscc": make_uscc("91120101MA0000009")}, row])
        s.rollback()
        assert list(s.scalars(select(Subject))) == []
