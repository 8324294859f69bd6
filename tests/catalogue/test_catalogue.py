"""The catalogue (信用信息目录) loads, has the kinds other domains rely on, and rejects bad YAML with
an error naming the file and the path inside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from xinyong.catalogue.service import (
    CatalogueError,
    detect_kind,
    detect_layout,
    load_catalogue,
    map_columns,
    normalise_header,
)
from xinyong.settings import REPO_ROOT

KINDS = {
    "licence",
    "penalty",
    "inspection",
    "judgment_debtor",
    "business_anomaly",
    "commitment",
    "commitment_breach",
    "honour",
    "complaint",
    "contract_performance",
    "tax_grade",
    "self_declared",
    "financing",
    "points_event",
    "medical_credit_default",
}


def test_the_kinds_other_domains_depend_on():
    cat = load_catalogue()
    assert set(cat.kinds) == KINDS
    penalty = cat.kinds["penalty"]
    assert (penalty.polarity, penalty.disclosure, penalty.publicity.mode) == (
        "negative",
        "public",
        "by_severity",
    )
    assert {v.value for v in penalty.field("severity").values} == {"minor", "general", "serious"}
    assert penalty.record_id == "decision_no" and penalty.amount.scale == 10000
    assert {v.value for v in cat.kinds["tax_grade"].field("grade").values} == {"A", "B", "M", "C", "D"}
    assert {v.value for v in cat.kinds["commitment"].field("status").values} == {
        "signed",
        "kept",
        "breached",
        "expired",
        "withdrawn",
    }
    assert {"random", "fire"} <= {v.value for v in cat.kinds["inspection"].field("inspection_type").values}
    assert cat.kinds["financing"].field("bank").required
    assert cat.kinds["points_event"].field("points").type == "integer"
    for spec in cat.kinds.values():  # shared subject fields everywhere
        assert {"subject_name", "uscc", "id_number", "local_code", "subject_kind"} <= {
            f.name for f in spec.fields
        }


def test_every_kind_is_documented():
    text = (REPO_ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert [k for k in KINDS if f"`{k}`" not in text] == []


@pytest.mark.parametrize(
    "headers,kind,layout",
    [
        (["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_XDR_MC", "CF_JG", "CF_JDRQ"], "penalty", "sgs_penalty_2016"),
        (
            [
                "行政相对人名称",
                "行政相对人类别",
                "处罚决定书文号",
                "违法行为类型",
                "罚款金额（万元）",
                "处罚决定日期",
            ],
            "penalty",
            "sgs_penalty_2",
        ),
        (["XK_WSH", "XK_XMMC", "XK_SPLB", "XK_XDR", "XK_JDRQ", "XK_JZQ"], "licence", "sgs_licence_2016"),
        (
            [
                "行政相对人名称",
                "行政许可决定文书号",
                "许可类别",
                "许可证书名称",
                "有效期自",
                "有效期至",
                "许可机关",
            ],
            "licence",
            "sgs_licence_2",
        ),
    ],
)
def test_layouts_are_recognised_by_headers(headers, kind, layout):
    assert detect_layout(headers).id == layout
    assert detect_kind(headers)[0] == kind


def test_layout_specific_meaning_of_bare_headers():
    old = map_columns(
        ["行政相对人代码_2", "行政相对人代码_5"],
        "penalty",
        detect_layout(["CF_CFMC", "CF_CFLB1", "CF_JG", "CF_ZT"]),
    )
    new = map_columns(
        ["行政相对人代码_2", "行政相对人代码_5"],
        "penalty",
        detect_layout(["CF_XDR_LB", "CF_WFXW", "CF_NR_FK", "CF_GSJZQ"]),
    )
    assert old.columns == {"行政相对人代码_2": "org_code", "行政相对人代码_5": "id_number"}
    assert new.columns == {"行政相对人代码_2": "business_reg_no", "行政相对人代码_5": "institution_cert_no"}


def test_header_normalisation_and_unknown_columns():
    assert normalise_header(" *罚款金额（万元） ") == normalise_header("罚款金额(万元)")
    m = map_columns(["ＣＦ＿ＸＤＲ＿ＭＣ", "处罚类别", "CF_CFLB", "备用字段"], "penalty")
    assert m.columns == {"ＣＦ＿ＸＤＲ＿ＭＣ": "subject_name", "处罚类别": "penalty_type"}
    assert m.unknown == ["备用字段"] and m.duplicate_targets == ["CF_CFLB"]


def test_kinds_are_detected_from_their_own_fields():
    assert (
        detect_kind(["企业名称", "统一社会信用代码", "检查类型", "检查日期", "检查机关", "检查结果"])[0]
        == "inspection"
    )
    assert (
        detect_kind(["名称", "统一社会信用代码", "贷款银行", "贷款金额（万元）", "放款日期", "贷款状态"])[0]
        == "financing"
    )
    assert detect_kind(["甲", "乙"]) == (None, None)


@pytest.fixture
def broken_copy(tmp_path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(REPO_ROOT / "catalogue", target)
    return target


def _edit(path: Path, fn) -> None:  # noqa: ANN001
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d["fields"][3].update(type="money"), "kinds/penalty.yaml: fields[3].type"),
        (lambda d: d.update(polarity="bad"), "kinds/penalty.yaml: polarity"),
        (lambda d: d.update(record_id="no_such_field"), "record_id → no_such_field"),
        (lambda d: d["publicity"]["by_severity"].pop("serious"), "kinds/penalty.yaml: publicity"),
        (lambda d: d.update(id="other"), "must equal the file name"),
        (lambda d: d["fields"].append(dict(d["fields"][0])), "duplicate field names: decision_no"),
    ],
)
def test_errors_name_the_file_and_the_path(broken_copy, edit, message):
    _edit(broken_copy / "kinds" / "penalty.yaml", edit)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(broken_copy)
    assert message in str(err.value)


def test_layout_errors(broken_copy):
    _edit(broken_copy / "layouts" / "sgs_penalty_2.yaml", lambda d: d["columns"].update({"X": "nope"}))
    with pytest.raises(CatalogueError, match=r"layouts/sgs_penalty_2.yaml: columns.X: unknown field 'nope'"):
        load_catalogue(broken_copy)


def test_invalid_yaml(broken_copy):
    (broken_copy / "kinds" / "honour.yaml").write_text("id: honour\nfields: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="kinds/honour.yaml: invalid YAML"):
        load_catalogue(broken_copy)
