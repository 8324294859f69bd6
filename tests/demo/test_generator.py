"""The generator alone (no database): faithful rosters, valid identifiers, every kind, determinism."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from xinyong.catalogue.service import load_catalogue
from xinyong.demo.generator import DemoConfig, pilot_subjects
from xinyong.demo.records import NEGATIVE, RecordMaker
from xinyong.programmes.service import district_of, load_programmes
from xinyong.subjects.identifiers import check_citizen_id, check_uscc


def generate(config: DemoConfig):
    programmes = load_programmes()
    _, subjects = pilot_subjects(programmes, config)
    subjects = list(subjects)
    makers: dict[str, RecordMaker] = {}
    rows = []
    for s in subjects:
        maker = makers.setdefault(s.district_code, RecordMaker(config, s.district_code, s.district_name))
        rows.extend((s, r) for r in maker.records(s))
    return subjects, rows


@pytest.fixture(scope="module")
def full():
    return generate(DemoConfig(seed=2023))


def digest(subjects, rows) -> str:
    payload = [(s.key, s.name, s.parent_key, s.attributes) for s in subjects]
    payload += [(r.kind, r.source, r.row) for _, r in rows]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()


def test_same_seed_same_content_other_seed_other_content(full):
    small = DemoConfig(seed=2023, scale=0.1)
    assert digest(*generate(small)) == digest(*generate(small))
    assert digest(*generate(small)) != digest(*generate(DemoConfig(seed=2024, scale=0.1)))


def test_every_identifier_is_valid_and_unique(full):
    subjects, _ = full
    keys = [s.key for s in subjects]
    assert len(keys) == len(set(keys))
    for s in subjects:
        if s.uscc:
            assert check_uscc(s.uscc).valid, s.uscc
        if s.id_number:
            assert check_citizen_id(s.id_number).valid, s.id_number
        assert s.uscc or s.id_number or s.local_code


def test_division_codes_match_the_district(full):
    subjects, _ = full
    for s in subjects:
        if s.uscc:
            assert s.uscc[2:8] == s.district_code, (s.name, s.uscc)
        if s.id_number:  # former county codes (宝坻县 120224) still map to their district
            assert district_of(s.id_number[:6]) == s.district_code, (s.name, s.id_number)


def test_each_pilot_has_its_roster_as_the_programme_states(full):
    subjects, _ = full
    by_role = Counter((s.district_code, s.role) for s in subjects)
    for p in load_programmes():
        sizes: dict[str, int] = {}
        for g in p.pilot.roster:
            sizes[g.role] = g.count * sizes[g.parent_role] if g.per_parent else g.count
            assert by_role[(p.district.code, g.role)] == sizes[g.role], (p.district.name, g.role)
        assert by_role[(p.district.code, "carrier")] == (1 if p.pilot.carrier else 0)
        members = [s for s in subjects if s.district_code == p.district.code and s.role != "carrier"]
        assert {s.pilot for s in members} == {p.pilot.id}


def test_named_subjects_come_from_the_seed_and_get_no_negative_records(full):
    subjects, rows = full
    names = {s.name for s in subjects}
    for seed_name in (
        "远东宏信（天津）融资租赁有限公司",
        "平安国际融资租赁（天津）有限公司",
        "诺德世纪（天津）展览服务有限公司",
        "天津市蓟州区渔阳镇西井峪村村民委员会",
    ):
        assert seed_name in names
    assert not [r for s, r in rows if s.named and r.kind in NEGATIVE]


def test_every_catalogue_kind_appears_with_its_required_fields(full):
    _, rows = full
    catalogue = load_catalogue()
    seen = Counter(r.kind for _, r in rows)
    # These come from demo steps, not the generator: commitment breaches (xinyong.commitments.demo),
    # credit-medical defaults (xinyong.medical.demo).
    from_steps = {"commitment_breach", "medical_credit_default"}
    assert set(seen) == set(catalogue.kinds) - from_steps
    for _, r in rows:
        required = [f.name for f in catalogue.kinds[r.kind].fields if f.required and f.name != "subject_name"]
        missing = [name for name in required if r.row.get(name) in (None, "")]
        assert not missing, (r.kind, missing)


def test_most_subjects_are_clean_and_some_are_not(full):
    subjects, rows = full
    negative = {s.key for s, r in rows if r.kind in ("penalty", "judgment_debtor", "business_anomaly")}
    share = len(negative) / len(subjects)
    assert 0.005 < share < 0.1
    severities = Counter(r.row["severity"] for _, r in rows if r.kind == "penalty")
    assert set(severities) == {"minor", "general", "serious"}
    assert severities["serious"] < severities["general"]


def test_dates_spread_over_the_window(full):
    _, rows = full
    config = DemoConfig()
    years = Counter()
    for _, r in rows:
        for value in r.row.values():
            if hasattr(value, "year") and not isinstance(value, int):
                years[value.year] += 1
    window = range(config.start.year, config.end.year + 1)
    assert all(years[y] > 0 for y in window)


def test_plan_specific_records(full):
    _, rows = full
    by = Counter((s.district_code, r.kind) for s, r in rows)
    assert by[("120102", "complaint")] > by[("120103", "complaint")]  # 河东 after-sales complaints
    fire = [
        r
        for s, r in rows
        if s.district_code == "120114" and r.kind == "inspection" and r.row["inspection_type"] == "fire"
    ]
    assert {r.row["venue_type"] for r in fire} == {"养老院", "网吧", "医院", "学校"}
    assert by[("120115", "points_event")] > 0 and by[("120113", "self_declared")] > 0
    assert by[("120111", "contract_performance")] > 0 and by[("120110", "financing")] > 0
