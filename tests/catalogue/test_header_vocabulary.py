"""The whole 双公示 header vocabulary, both generations: every standard field of each layout maps,
under its Chinese header and its field code, to the field written here by hand (from the published
templates as reproduced in shared/reference/shuanggongshi.md and public implementations), or is
ignored on purpose with a reason. Spelling variants departments use map the same way."""

from __future__ import annotations

import pytest

from xinyong.catalogue.service import detect_layout, map_columns

# (Chinese header, field code, field) per layout — written out by hand, not read from the catalogue.
PENALTY_2016 = [
    ("行政处罚决定书文号", "CF_WSH", "decision_no"),
    ("处罚名称", "CF_CFMC", "penalty_name"),
    ("处罚类别1", "CF_CFLB1", "penalty_type"),
    ("处罚类别2", "CF_CFLB2", "penalty_type_2"),
    ("处罚事由", "CF_SY", "violation_facts"),
    ("处罚依据", "CF_YJ", "legal_basis"),
    ("行政相对人名称", "CF_XDR_MC", "subject_name"),
    ("行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM", "uscc"),
    ("行政相对人代码_2(组织机构代码)", "CF_XDR_ZDM", "org_code"),
    ("行政相对人代码_3(工商登记码)", "CF_XDR_GSDJ", "business_reg_no"),
    ("行政相对人代码_4(税务登记号)", "CF_XDR_SWDJ", "tax_reg_no"),
    ("行政相对人代码_5(居民身份证号)", "CF_XDR_SFZ", "id_number"),
    ("法定代表人姓名", "CF_FR", "legal_rep"),
    ("处罚结果", "CF_JG", "penalty_content"),
    ("处罚决定日期", "CF_JDRQ", "decision_date"),
    ("处罚机关", "CF_XZJG", "authority"),
    ("当前状态", "CF_ZT", "status"),
    ("地方编码", "DFBM", "area_code"),
    ("数据更新时间戳", "SJC", "updated_at"),
    ("备注", "BZ", "remarks"),
]
PENALTY_2 = [
    ("行政相对人名称", "CF_XDR_MC", "subject_name"),
    ("行政相对人类别", "CF_XDR_LB", "subject_kind"),
    ("行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM", "uscc"),
    ("行政相对人代码_2(工商注册号)", "CF_XDR_GSZC", "business_reg_no"),
    ("行政相对人代码_3(组织机构代码)", "CF_XDR_ZZJG", "org_code"),
    ("行政相对人代码_4(税务登记号)", "CF_XDR_SWDJ", "tax_reg_no"),
    ("行政相对人代码_5(事业单位证书号)", "CF_XDR_SYDW", "institution_cert_no"),
    ("行政相对人代码_6(社会组织登记证号)", "CF_XDR_SHZZ", "social_org_cert_no"),
    ("法定代表人", "CF_FRDB", "legal_rep"),
    ("法定代表人证件类型", "CF_FR_ZJLX", "legal_rep_id_type"),
    ("法定代表人证件号码", "CF_FR_ZJHM", "legal_rep_id_number"),
    ("证件类型", "CF_XDR_ZJLX", "id_type"),
    ("证件号码", "CF_XDR_ZJHM", "id_number"),
    ("行政处罚决定书文号", "CF_WSH", "decision_no"),
    ("违法行为类型", "CF_WFXW", "violation_type"),
    ("违法事实", "CF_SY", "violation_facts"),
    ("处罚依据", "CF_YJ", "legal_basis"),
    ("处罚类别", "CF_CFLB", "penalty_type"),
    ("处罚内容", "CF_NR", "penalty_content"),
    ("罚款金额（万元）", "CF_NR_FK", "fine_amount"),
    ("没收违法所得、没收非法财物的金额（万元）", "CF_NR_WFFF", "confiscated_amount"),
    ("暂扣或吊销证照名称及编号", "CF_NR_ZKDX", "licence_suspended"),
    ("处罚决定日期", "CF_JDRQ", "decision_date"),
    ("处罚有效期", "CF_YXQ", "valid_until"),
    ("公示截止期", "CF_GSJZQ", "publicity_until"),
    ("处罚机关", "CF_CFJG", "authority"),
    ("处罚机关统一社会信用代码", "CF_CFJGDM", "authority_uscc"),
    ("数据来源单位", "CF_SJLY", "data_source"),
    ("数据来源单位统一社会信用代码", "CF_SJLYDM", "data_source_uscc"),
    ("备注", "BZ", "remarks"),
]
LICENCE_2016 = [
    ("行政许可决定书文号", "XK_WSH", "decision_no"),
    ("项目名称", "XK_XMMC", "project_name"),
    ("审批类别", "XK_SPLB", "licence_category"),
    ("许可内容", "XK_NR", "licence_content"),
    ("行政相对人名称", "XK_XDR", "subject_name"),
    ("行政相对人代码_1(统一社会信用代码)", "XK_XDR_SHXYM", "uscc"),
    ("行政相对人代码_2(组织机构代码)", "XK_XDR_ZDM", "org_code"),
    ("行政相对人代码_3(工商登记码)", "XK_XDR_GSDJ", "business_reg_no"),
    ("行政相对人代码_4(税务登记号)", "XK_XDR_SWDJ", "tax_reg_no"),
    ("行政相对人代码_5(居民身份证号)", "XK_XDR_SFZ", "id_number"),
    ("法定代表人姓名", "XK_FR", "legal_rep"),
    ("许可决定日期", "XK_JDRQ", "decision_date"),
    ("许可截止期", "XK_JZQ", "valid_until"),
    ("许可机关", "XK_XZJG", "authority"),
    ("当前状态", "XK_ZT", "status"),
    ("地方编码", "DFBM", "area_code"),
    ("数据更新时间戳", "SJC", "updated_at"),
    ("备注", "BZ", "remarks"),
]
LICENCE_2 = [
    ("行政相对人名称", "XK_XDR_MC", "subject_name"),
    ("行政相对人类别", "XK_XDR_LB", "subject_kind"),
    ("行政相对人代码_1(统一社会信用代码)", "XK_XDR_SHXYM", "uscc"),
    ("行政相对人代码_2(工商注册号)", "XK_XDR_GSZC", "business_reg_no"),
    ("行政相对人代码_3(组织机构代码)", "XK_XDR_ZZJG", "org_code"),
    ("行政相对人代码_4(税务登记号)", "XK_XDR_SWDJ", "tax_reg_no"),
    ("行政相对人代码_5(事业单位证书号)", "XK_XDR_SYDW", "institution_cert_no"),
    ("行政相对人代码_6(社会组织登记证号)", "XK_XDR_SHZZ", "social_org_cert_no"),
    ("法定代表人", "XK_FRDB", "legal_rep"),
    ("法定代表人证件类型", "XK_FR_ZJLX", "legal_rep_id_type"),
    ("法定代表人证件号码", "XK_FR_ZJHM", "legal_rep_id_number"),
    ("证件类型", "XK_XDR_ZJLX", "id_type"),
    ("证件号码", "XK_XDR_ZJHM", "id_number"),
    ("行政许可决定文书名称", "XK_XKWS", "decision_doc_name"),
    ("行政许可决定文书号", "XK_WSH", "decision_no"),
    ("许可类别", "XK_XKLB", "licence_category"),
    ("许可证书名称", "XK_XKZS", "certificate_name"),
    ("许可编号", "XK_XKBH", "licence_no"),
    ("许可内容", "XK_NR", "licence_content"),
    ("许可决定日期", "XK_JDRQ", "decision_date"),
    ("有效期自", "XK_YXQZ", "valid_from"),
    ("有效期至", "XK_YXQZI", "valid_until"),
    ("许可机关", "XK_XKJG", "authority"),
    ("许可机关统一社会信用代码", "XK_XKJGDM", "authority_uscc"),
    ("当前状态", "XK_ZT", "status"),
    ("数据来源单位", "XK_LYDW", "data_source"),
    ("数据来源单位统一社会信用代码", "XK_LYDWDM", "data_source_uscc"),
    ("备注", "BZ", "remarks"),
]
# Standard columns deliberately not mapped to a field, with the reason. (None today: every
# standard column of both generations has a field; an entry here must say why it is ignored.)
IGNORED: dict[str, dict[str, str]] = {
    "sgs_penalty_2016": {},
    "sgs_penalty_2": {},
    "sgs_licence_2016": {},
    "sgs_licence_2": {},
}
LAYOUTS = {
    "sgs_penalty_2016": ("penalty", PENALTY_2016),
    "sgs_penalty_2": ("penalty", PENALTY_2),
    "sgs_licence_2016": ("licence", LICENCE_2016),
    "sgs_licence_2": ("licence", LICENCE_2),
}


@pytest.mark.parametrize("layout_id", LAYOUTS)
@pytest.mark.parametrize("by", ["chinese", "code"])
def test_every_standard_field_maps_or_is_ignored_with_a_reason(layout_id, by):
    kind, table = LAYOUTS[layout_id]
    headers = [zh if by == "chinese" else code for zh, code, _ in table]
    layout = detect_layout(headers)
    assert layout is not None and layout.id == layout_id
    mapping = map_columns(headers, kind, layout)
    ignored = IGNORED[layout_id]
    assert all(reason.strip() for reason in ignored.values())
    expected = {(zh if by == "chinese" else code): f for zh, code, f in table if zh not in ignored}
    assert mapping.columns == expected
    assert mapping.unknown == [] and mapping.duplicate_targets == []


def _variants(header: str) -> list[str]:
    """Spellings seen in real files: full-width underscore/brackets, dashes, spaces, 【】, a note colon."""
    return [
        header.replace("_", "＿"),
        header.replace("_", "-"),
        header.replace("_", "－"),
        header.replace("(", "（").replace(")", "）"),
        header.replace("(", "【").replace(")", "】"),
        " ".join(header),
        f"*{header}：",
        header.replace("_", " _ "),
    ]


@pytest.mark.parametrize("layout_id", LAYOUTS)
def test_spelling_variants_map_like_the_standard_header(layout_id):
    kind, table = LAYOUTS[layout_id]
    layout = detect_layout([code for _, code, _ in table])
    for zh, code, field in table:
        for variant in [*_variants(zh), *_variants(code), code.lower()]:
            got = map_columns([variant], kind, layout).columns
            assert got == {variant: field}, (zh, variant)


@pytest.mark.parametrize(
    "header",
    ["法定代表人", "法定代表人姓名", "法定代表人名称", "CF_FR", "CF_FRDB", "XK_FR", "XK_FRDB", "XK_FDDB"],
)
def test_legal_representative_under_every_name(header):
    assert map_columns([header], "penalty").columns == {header: "legal_rep"}


def test_an_import_report_names_each_unmapped_column():
    headers = [zh for zh, _, _ in PENALTY_2] + ["信息使用范围", "数据导出时间"]
    mapping = map_columns(headers, "penalty", detect_layout(headers))
    assert mapping.unknown == ["信息使用范围", "数据导出时间"]


# 国家企业信用信息公示系统「抽查检查结果信息」: (header as listed, field) by hand; 序号 is ignored on
# purpose — the row's position in the listing, no fact of the inspection.
GSXT_SPOT_CHECK = [
    ("企业名称", "subject_name"),
    ("统一社会信用代码", "uscc"),
    ("检查实施机关", "inspector_org"),
    ("类型", "inspection_type"),
    ("日期", "inspection_date"),
    ("结果", "result"),
    ("备注", "remarks"),
]


@pytest.mark.parametrize("spelling", ["listed", "regional"])
def test_gsxt_spot_check_columns_map(spelling):
    regional = {"类型": "抽查检查类型", "日期": "抽查检查日期", "结果": "抽查检查结果"}
    table = [(regional.get(h, h) if spelling == "regional" else h, f) for h, f in GSXT_SPOT_CHECK]
    headers = ["序号", *(h for h, _ in table)]
    layout = detect_layout(headers)
    assert layout is not None and (layout.id, layout.kind) == ("gsxt_spot_check", "inspection")
    mapping = map_columns(headers, "inspection", layout)
    assert mapping.columns == dict(table)
    assert mapping.unknown == ["序号"]
