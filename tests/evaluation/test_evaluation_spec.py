"""Model specs: shipped models validate; every kind of bad spec is refused with its path; the CLI."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import yaml
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.evaluation.repair import add_months, load_regimes, repairability
from xinyong.evaluation.schemas import SpecError, validate_spec
from xinyong.settings import REPO_ROOT

CITY = yaml.safe_load((REPO_ROOT / "models" / "city_enterprise.yaml").read_text(encoding="utf-8"))


def errors_of(data, catalogue) -> dict[str, str]:
    with pytest.raises(SpecError) as exc:
        validate_spec(data, catalogue=catalogue.fields, known_models={"city_enterprise"})
    return dict(exc.value.errors)


def test_every_shipped_model_is_valid_and_documented(models):
    assert len(models) >= 9
    docs = (REPO_ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    for spec in models.values():
        assert f"`{spec.id}`" in docs
        text = (REPO_ROOT / "models" / f"{spec.id}.yaml").read_text(encoding="utf-8")
        assert text.startswith("# "), f"{spec.id}: the file must open with what it measures and why"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["indicators"][3].update(kind="no_such_kind"), "indicators[3].kind"),
        (lambda d: d["indicators"][2]["filters"][0].update(field="colour"), "indicators[2].filters[0].field"),
        (lambda d: d["indicators"][3].update(window={"days": 0}), "indicators[3].window"),
        (lambda d: d["indicators"][1].update(window={"days": 99999}), "indicators[1].window"),
        (lambda d: d["dimensions"][0].update(weight=55), "dimensions"),
        (lambda d: d["decision_bands"][1].update(upper=90), "decision_bands[1]"),
        (lambda d: d["decision_bands"][2].update(upper=65), "decision_bands[2]"),
        (lambda d: d["decision_bands"][3].update(lower=10), "decision_bands[3].lower"),
        (lambda d: d["indicators"][0]["formula"].update(points=-40.123), "indicators[0].formula.points"),
        (lambda d: d["vetoes"][0].update(indicator="missing"), "vetoes[0].indicator"),
        (lambda d: d["vetoes"][0].update(grade="E"), "vetoes[0].grade"),
        (lambda d: d["indicators"][3].update(field="penalty_type", aggregate="max"), "indicators[3].field"),
        (lambda d: d["indicators"][0].update(dimension="nowhere"), "indicators[0].dimension"),
        (lambda d: d["indicators"][0].update(aggregate="median"), "indicators[0].aggregate"),
        # numbers the compiler cannot turn into 64-bit units: accepted once, then a crash at compile time
        (lambda d: d["indicators"][3]["points"][0].update(min=float("inf")), "indicators[3].points[0].min"),
        (lambda d: d["indicators"][0]["formula"].update(per=1e308), "indicators[0].formula.per"),
        (lambda d: d["indicators"][0]["formula"].update(cap=float("nan")), "indicators[0].formula.cap"),
        (lambda d: d["dimensions"][0].update(max=1e13), "dimensions[0].max"),
    ],
)
def test_bad_specs_are_refused_with_their_path(catalogue, mutate, path):
    data = copy.deepcopy(CITY)
    mutate(data)
    errs = errors_of(data, catalogue)
    assert any(p == path or p.startswith(path) for p in errs), errs


def test_every_number_a_model_accepts_compiles(tmp_path):
    """The bounds hold at the edge: the largest accepted threshold and divisor compile to a plan."""
    from xinyong.evaluation.plan import compile_plan
    from xinyong.evaluation.schemas import MAX_NUMBER
    from xinyong.evaluation.service import load_models

    data = copy.deepcopy(CITY)
    data["indicators"][3]["points"][0]["min"] = MAX_NUMBER
    data["indicators"][0]["formula"]["per"] = MAX_NUMBER
    spec = validate_spec(data)
    compile_plan(spec, load_models(), district=None, with_status=False, cache_dir=tmp_path)


def test_all_errors_are_reported_at_once(catalogue):
    data = copy.deepcopy(CITY)
    data["indicators"][0]["kind"] = "x"
    data["indicators"][1]["window"] = {"days": -5}
    data["dimensions"][1]["weight"] = 31
    assert len(errors_of(data, catalogue)) == 3


def test_model_check_cli_reports_paths(tmp_path):
    bad = copy.deepcopy(CITY)
    bad["indicators"][4]["window"] = {"days": 0}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    good = REPO_ROOT / "models" / "jizhou_homestay.yaml"
    result = CliRunner().invoke(app, ["model", "check", str(path), str(good)])
    assert result.exit_code == 1
    assert "indicators[4].window" in result.output and "jizhou_homestay" in result.output


def test_model_list_json():
    result = CliRunner().invoke(app, ["model", "list", "--json"])
    assert result.exit_code == 0
    ids = {m["id"] for m in json.loads(result.output)}
    assert {"city_enterprise", "hexi_building", "nankai_street", "jinnan_exhibition"} <= ids


def test_repair_regimes_switch_on_their_dates():
    regimes = load_regimes()
    assert [r.regime for r in regimes] == ["xinyong_practice_2019", "ndrc_order_58", "ndrc_order_36"]
    # a general penalty of 2025-12-15 under Order 58: the 3-month minimum ends on 2026-03-15
    # (Civil Code Art. 202), so it is repairable from the day after, 2026-03-16
    r = repairability("penalty", "general", dt.date(2025, 12, 15), dt.date(2026, 1, 10), regimes)
    assert (r.repairable_from, r.regime) == (dt.date(2026, 3, 16), "ndrc_order_58")
    # a serious penalty of 2025-06-01 seen on 2026-01-10: Order 58's 3-month minimum ended 2025-09-01
    r = repairability("penalty", "serious", dt.date(2025, 6, 1), dt.date(2026, 1, 10), regimes)
    assert (r.repairable_from, r.regime) == (dt.date(2026, 1, 10), "ndrc_order_58")
    assert r.first_repairable_on == dt.date(2025, 9, 2)
    # the minimum period has passed: repairable now
    assert repairability(
        "penalty", "minor", dt.date(2024, 1, 1), dt.date(2026, 7, 1), regimes
    ).repairable_from == dt.date(2026, 7, 1)
    assert (
        repairability(
            "judgment_debtor", None, dt.date(2025, 1, 1), dt.date(2026, 7, 1), regimes
        ).repairable_from
        is None
    )


@pytest.mark.parametrize(
    ("d", "n", "out"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(d, n, out):
    assert add_months(d, n) == out
