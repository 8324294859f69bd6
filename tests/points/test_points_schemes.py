"""Points schemes are data an office edits (docs/points.md): every shipped file validates, a village's own
file extends the district's, and a bad file is refused naming the file, the field and the reason in
Chinese and English, before any claim reads it. Expected values are read off the YAML by hand."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.points import service
from xinyong.points.service import PointsError

SHIPPED = Path(service.__file__).with_name("schemes")
VILLAGE = """\
id: V1
extends: baodi_party_led
items:
  - {id: honesty, name_zh: 诚实守信, name_en: Honesty, points: 12, evidence: [description]}
  - {id: river_patrol, name_zh: 巡河护河, name_en: River patrol, points: 4, evidence: [photo]}
catalogue:
  - {sku: soy_sauce, name_zh: 酱油, name_en: Soy sauce, cost: 15}
"""


@pytest.fixture
def schemes(tmp_path, monkeypatch) -> Path:
    for f in SHIPPED.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setattr(service, "SCHEMES", tmp_path)
    return tmp_path


def test_the_shipped_schemes_load_as_written():
    baodi = service.load_scheme("baodi_party_led")
    # baodi_party_led.yaml: 诚实守信 10, 志愿服务 5, 党员参加支部学习 3, 清洁家园 5, 孝老爱亲 8, 乱堆乱放 −5
    assert [(i["id"], i["points"]) for i in baodi["items"]] == [
        ("honesty", 10), ("volunteering", 5), ("party_study", 3), ("clean_home", 5), ("filial_piety", 8),
        ("littering", -5),
    ]  # fmt: skip
    assert [(g["sku"], g["cost"]) for g in baodi["catalogue"]] == [
        ("soap", 20), ("towel", 30), ("rice_5kg", 80), ("oil_5l", 120)
    ]  # fmt: skip
    assert baodi["targets"] == {"villages_on_scheme": 100, "exemplary_villages": 3}
    hongqiao = service.load_scheme("hongqiao_zhengrong")
    assert hongqiao["top_share"] == 0.2 and hongqiao["grade_points"] == {"A": 40, "B": 30, "C": 20, "D": 0}
    assert [(b["kind"], b["amount_fen"]) for b in hongqiao["benefits"]] == [
        ("utility", 100000),
        ("parking", 30000),
    ]


def test_a_village_file_extends_the_district_scheme(schemes):
    (schemes / "V1.yaml").write_text(VILLAGE, encoding="utf-8")
    v1 = service.load_scheme("V1")
    points = {i["id"]: i["points"] for i in v1["items"]}
    # honesty replaced (12), river_patrol added, the other five of baodi kept
    assert points == {
        "honesty": 12, "volunteering": 5, "party_study": 3, "clean_home": 5, "filial_piety": 8, "littering": -5,
        "river_patrol": 4,
    }  # fmt: skip
    assert [g["sku"] for g in v1["catalogue"]] == ["soap", "towel", "rice_5kg", "oil_5l", "soy_sauce"]
    assert v1["id"] == "V1" and v1["district_code"] == "120115" and v1["approval"] == "village_committee"


def test_an_edited_file_is_read_again_and_callers_get_copies(schemes):
    first = service.load_scheme("baodi_party_led")
    first["items"].clear()  # a caller's change must not reach the next caller
    assert len(service.load_scheme("baodi_party_led")["items"]) == 6
    path = schemes / "baodi_party_led.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("points: 10,", "points: 11,"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later modification time
    assert service.load_scheme("baodi_party_led")["items"][0]["points"] == 11


BAD = [
    ("points: 10,", "points: ten,", "items.0.points"),
    ("points: 10,", "points: 0,", "items.0.points"),
    ("points: 10,", "points: 2.5,", "items.0.points"),
    ("cost: 20}", "cost: 0}", "catalogue.0.cost"),
    ("cost: 20}", "cost: 20, colour: red}", "catalogue.0.colour"),
    ('district_code: "120115"', 'district_code: "110105"', "district_code"),
    ("name_zh: 诚实守信, ", "", "items.0.name_zh"),
    ("{sku: towel,", "{sku: soap,", "编号重复"),
    ("approval: village_committee", "approval: anyone", "approval"),
    ("id: baodi_party_led", "id: baodi_party_led\nextends: baodi_party_led", "成环"),
    ("items:", "items: [\n", "YAML"),
]


@pytest.mark.parametrize(("old", "new", "named"), BAD)
def test_a_bad_scheme_is_refused_naming_the_field(schemes, old, new, named):
    path = schemes / "baodi_party_led.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PointsError) as err:
        service.load_scheme("baodi_party_led")
    e = err.value
    assert e.field == "scheme" and "baodi_party_led" in e.zh and "baodi_party_led" in e.en
    assert named in e.zh or named in e.en, (e.zh, e.en)
    assert e.zh != e.en  # both languages, not one text twice


def test_a_duplicate_item_in_a_village_file_is_not_merged_away(schemes):
    (schemes / "V1.yaml").write_text(VILLAGE.replace("id: river_patrol", "id: honesty"), encoding="utf-8")
    with pytest.raises(PointsError) as err:
        service.load_scheme("V1")
    assert "V1.yaml" in err.value.zh and "honesty" in err.value.en


def test_cli_checks_a_file_before_it_is_put_in_place(tmp_path):
    good = tmp_path / "V1.yaml"
    good.write_text(VILLAGE, encoding="utf-8")
    r = CliRunner().invoke(app, ["points", "check", str(good)])
    assert r.exit_code == 0 and "V1: 7 items, 5 goods" in r.output
    bad = tmp_path / "V2.yaml"
    bad.write_text(VILLAGE.replace("cost: 15", "cost: -1"), encoding="utf-8")
    r = CliRunner().invoke(app, ["points", "check", str(bad)])
    assert r.exit_code == 2 and "catalogue.4.cost" in r.output and "V2.yaml" in r.output
    r = CliRunner().invoke(app, ["points", "check", str(tmp_path / "missing.yaml")])
    assert r.exit_code == 2 and "missing" in r.output
