"""District programmes: the sixteen files match the seed; a 17th district needs no Python."""

from __future__ import annotations

import shutil

import pytest

from xinyong.demo.generator import DemoConfig, pilot_subjects
from xinyong.programmes.service import ProgrammeError, district_of, load_programmes
from xinyong.settings import REPO_ROOT
from xinyong.subjects.identifiers import check_uscc

# Roster facts as the seed states them: (district, roles, lowest, highest) for the summed counts
# of the roles. "300余" = more than 300, "近800" = a little under 800.
SEED_ROSTERS = [
    ("120101", ["concession_brand"], 301, 399),  # 300余个联营品牌
    ("120101", ["leasing_tenant"], 31, 39),  # 30余家租赁经营商户
    ("120103", ["tenant_firm"], 51, 59),  # 入驻企业共有50余家
    ("120104", ["pilot_street"], 3, 3),  # 首批 3 个街道
    ("120105", ["yifeng_subject"], 35, 35),  # 意风区35家市场主体
    ("120106", ["building_merchant"], 750, 799),  # 近800个商户
    ("120112", ["exhibition_firm"], 51, 59),  # 50 余家
    ("120115", ["village"], 100, 100),  # 100个行政村
    ("120116", ["pilot_firm"], 16, 10_000),  # 15 家以上
    ("120118", ["market_merchant"], 950, 999),  # 接近1000家
    ("120119", ["homestay"], 220, 220),  # 第一批220家民宿
]
# Groups the seed enumerates: 西青's five industrial chains, 武清's four venue types.
SEED_GROUPS = [
    ("120111", {"集成电路", "车联网", "汽车与新能源汽车", "高端装备", "生物医药"}, "chain"),
    ("120114", {"养老院", "网吧", "医院", "学校"}, "venue_type"),
]


def test_sixteen_districts_load():
    programmes = load_programmes()
    assert len(programmes) == 16
    assert all(p.district.code.startswith("1201") for p in programmes)
    assert all(p.pilot.targets and p.pilot.scenarios for p in programmes)


def programme(code: str):
    return next(p for p in load_programmes() if p.district.code == code)


@pytest.mark.parametrize(("code", "roles", "low", "high"), SEED_ROSTERS)
def test_rosters_match_the_seed(code, roles, low, high):
    groups = [g for g in programme(code).pilot.roster if g.role in roles]
    assert len(groups) == len(roles)
    assert low <= sum(g.count for g in groups) <= high


@pytest.mark.parametrize(("code", "values", "attribute"), SEED_GROUPS)
def test_enumerated_groups_match_the_seed(code, values, attribute):
    assert {g.attributes.get(attribute) for g in programme(code).pilot.roster} == values


def test_bad_file_names_the_path_in_both_languages(tmp_path):
    text = (REPO_ROOT / "programmes" / "120101_heping.yaml").read_text(encoding="utf-8")
    (tmp_path / "120101_heping.yaml").write_text(text.replace("count: 302", "count: many"), encoding="utf-8")
    with pytest.raises(ProgrammeError) as err:
        load_programmes(tmp_path)
    assert "120101_heping.yaml: pilot.roster[0].count" in str(err.value) and "字段无效" in str(err.value)


def test_unknown_role_in_a_target_is_rejected(tmp_path):
    text = (REPO_ROOT / "programmes" / "120104_nankai.yaml").read_text(encoding="utf-8")
    (tmp_path / "120104_nankai.yaml").write_text(
        text.replace("roles: [pilot_street]", "roles: [nobody]", 1), encoding="utf-8"
    )
    with pytest.raises(ProgrammeError, match="unknown roles"):
        load_programmes(tmp_path)


def test_former_codes_map_to_their_district():
    assert district_of("120224") == "120115"  # 宝坻县 → 宝坻区
    assert district_of("120107") == "120116"  # 塘沽区 → 滨海新区
    assert district_of("120101") == "120101"
    assert district_of("110112") is None


SEVENTEENTH = """
district: {code: "110112", name: 通州区, name_en: Tongzhou}
plan: {title: 通武廊消防信用合作, carrier: 通州区消防重点单位}
pilot:
  id: tongzhou_fire_cooperation
  name_zh: 通武廊消防安全信用合作（通州）
  carrier: {name: 通州区消防安全信用服务站, type: area, type_zh: 服务站}
  roster:
    - {role: key_unit, role_zh: 消防安全重点单位, kind: enterprise, count: 12, industries: [养老服务, 网吧]}
  scenarios:
    - {id: cross_region_sharing, name_zh: 跨区域消防信用信息共享}
  targets:
    - {id: units, text_zh: 重点单位全部建立信用档案, metric: archive_coverage, op: ">=", value: 1.0, unit: ratio}
"""


def test_a_seventeenth_district_is_only_a_yaml_file(tmp_path):
    for path in (REPO_ROOT / "programmes").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "110112_tongzhou.yaml").write_text(SEVENTEENTH, encoding="utf-8")
    programmes = load_programmes(tmp_path)
    assert len(programmes) == 17 and district_of("110112", tmp_path) == "110112"
    _, subjects = pilot_subjects(programmes, DemoConfig())
    tongzhou = [s for s in subjects if s.district_code == "110112"]
    assert [s.role for s in tongzhou].count("key_unit") == 12 and tongzhou[0].kind == "carrier"
    assert all(check_uscc(s.uscc).valid and s.uscc[2:8] == "110112" for s in tongzhou[1:])
