"""Builders of real 双公示 files for the ingest tests (both layouts, Chinese headers or field codes)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from xinyong.subjects.identifiers import make_citizen_id, make_uscc

# 双公示 penalty 2.0: Chinese header → field code
PENALTY_2 = [
    ("行政相对人名称", "CF_XDR_MC"),
    ("行政相对人类别", "CF_XDR_LB"),
    ("行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM"),
    ("法定代表人", "CF_FR"),
    ("证件类型", "CF_XDR_ZJLX"),
    ("证件号码", "CF_XDR_SFZ"),
    ("处罚决定书文号", "CF_WSH"),
    ("违法行为类型", "CF_WFXW"),
    ("违法事实", "CF_SY"),
    ("处罚依据", "CF_YJ"),
    ("处罚类别", "CF_CFLB"),
    ("处罚内容", "CF_NR"),
    ("罚款金额（万元）", "CF_NR_FK"),
    ("处罚决定日期", "CF_JDRQ"),
    ("处罚有效期", "CF_YXQ"),
    ("公示截止期", "CF_GSJZQ"),
    ("处罚机关", "CF_XZJG"),
    ("处罚机关统一社会信用代码", "CF_CFJGDM"),
    ("数据来源单位", "CF_SJLY"),
    ("备注", "BZ"),
]
# 双公示 penalty, older template (≈2016)
PENALTY_2016 = [
    ("行政处罚决定书文号", "CF_WSH"),
    ("处罚名称", "CF_CFMC"),
    ("处罚类别1", "CF_CFLB1"),
    ("处罚类别2", "CF_CFLB2"),
    ("处罚事由", "CF_SY"),
    ("处罚依据", "CF_YJ"),
    ("行政相对人名称", "CF_XDR_MC"),
    ("行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM"),
    ("行政相对人代码_5(居民身份证号)", "CF_XDR_SFZ"),
    ("法定代表人姓名", "CF_FR"),
    ("处罚结果", "CF_JG"),
    ("处罚决定日期", "CF_JDRQ"),
    ("处罚机关", "CF_XZJG"),
    ("当前状态", "CF_ZT"),
    ("地方编码", "DFBM"),
    ("数据更新时间戳", "SJC"),
    ("备注", "BZ"),
]
LICENCE_2 = [
    ("行政相对人名称", "XK_XDR"),
    ("行政相对人类别", "XK_XDR_LB"),
    ("行政相对人代码_1(统一社会信用代码)", "XK_XDR_SHXYM"),
    ("法定代表人", "XK_FR"),
    ("行政许可决定文书名称", "XK_WSMC"),
    ("行政许可决定文书号", "XK_WSH"),
    ("许可类别", "XK_XKLB"),
    ("许可证书名称", "XK_XKZS"),
    ("许可编号", "XK_XKBH"),
    ("许可内容", "XK_NR"),
    ("许可决定日期", "XK_JDRQ"),
    ("有效期自", "XK_YXQZ"),
    ("有效期至", "XK_YXQJZ"),
    ("许可机关", "XK_XKJG"),
    ("当前状态", "XK_ZT"),
    ("数据来源单位", "XK_SJLY"),
]
LICENCE_2016 = [
    ("行政许可决定书文号", "XK_WSH"),
    ("项目名称", "XK_XMMC"),
    ("审批类别", "XK_SPLB"),
    ("许可内容", "XK_NR"),
    ("行政相对人名称", "XK_XDR"),
    ("行政相对人代码_1(统一社会信用代码)", "XK_XDR_SHXYM"),
    ("法定代表人姓名", "XK_FR"),
    ("许可决定日期", "XK_JDRQ"),
    ("许可截止期", "XK_JZQ"),
    ("许可机关", "XK_XZJG"),
    ("当前状态", "XK_ZT"),
    ("地方编码", "DFBM"),
]

AUTHORITY = "天津市和平区市场监督管理局"
AUTHORITY_USCC = make_uscc("11120101MB1234567")


def uscc(i: int, district: str = "120101", head: str = "91") -> str:
    return make_uscc(f"{head}{district}MA{i:07d}"[:17])


def person_id(i: int) -> str:
    return make_citizen_id(f"120101{1980 + i % 20}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}")


def penalty_2(i: int, **over: str) -> dict[str, str]:
    """One penalty row, 2.0 layout, keyed by Chinese header."""
    row = {
        "行政相对人名称": f"天津市和平区某某餐饮有限公司{i}",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": uscc(i),
        "法定代表人": "张三",
        "证件类型": "",
        "证件号码": "",
        "处罚决定书文号": f"津和市监罚〔2023〕{i}号",
        "违法行为类型": "违反《食品安全法》",
        "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告;罚款",
        "处罚内容": "警告，罚款人民币5000元",
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2023/5/1",
        "处罚有效期": "",
        "公示截止期": "",
        "处罚机关": AUTHORITY,
        "处罚机关统一社会信用代码": AUTHORITY_USCC,
        "数据来源单位": "天津市和平区市场监督管理局",
        "备注": "",
    }
    row.update(over)
    return row


def penalty_2016(i: int, **over: str) -> dict[str, str]:
    row = {
        "行政处罚决定书文号": f"津市监罚字〔2016〕{i}号",
        "处罚名称": "食品经营违法",
        "处罚类别1": "罚款",
        "处罚类别2": "",
        "处罚事由": "未按规定公示许可证",
        "处罚依据": "《食品经营许可管理办法》",
        "行政相对人名称": f"天津某某商贸有限公司{i}",
        "行政相对人代码_1(统一社会信用代码)": uscc(i, "120103"),
        "行政相对人代码_5(居民身份证号)": "",
        "法定代表人姓名": "李四",
        "处罚结果": "罚款2000元",
        "处罚决定日期": "2016年8月9日",
        "处罚机关": AUTHORITY,
        "当前状态": "1",
        "地方编码": "120103",
        "数据更新时间戳": "2016-08-10 10:00:00",
        "备注": "",
    }
    row.update(over)
    return row


def licence_2(i: int, **over: str) -> dict[str, str]:
    row = {
        "行政相对人名称": f"天津某某民宿{i}",
        "行政相对人类别": "个体工商户",
        "行政相对人代码_1(统一社会信用代码)": uscc(i, "120119", "92"),
        "法定代表人": "王五",
        "行政许可决定文书名称": "食品经营许可决定书",
        "行政许可决定文书号": f"JY112011900{i:05d}",
        "许可类别": "普通",
        "许可证书名称": "食品经营许可证",
        "许可编号": f"JY112011900{i:05d}",
        "许可内容": "预包装食品销售",
        "许可决定日期": "20230301",
        "有效期自": "20230301",
        "有效期至": "20280228",
        "许可机关": "天津市蓟州区市场监督管理局",
        "当前状态": "1",
        "数据来源单位": "天津市蓟州区市场监督管理局",
    }
    row.update(over)
    return row


def licence_2016(i: int, **over: str) -> dict[str, str]:
    row = {
        "行政许可决定书文号": f"津许字〔2016〕{i}号",
        "项目名称": "建筑工程施工许可",
        "审批类别": "普通",
        "许可内容": "施工许可",
        "行政相对人名称": f"天津某某建设有限公司{i}",
        "行政相对人代码_1(统一社会信用代码)": uscc(i, "120116"),
        "法定代表人姓名": "赵六",
        "许可决定日期": "2016-03-01",
        "许可截止期": "2017-03-01",
        "许可机关": "天津市滨海新区住建委",
        "当前状态": "1",
        "地方编码": "120116",
    }
    row.update(over)
    return row


def as_codes(row: dict[str, str], layout: list[tuple[str, str]]) -> dict[str, str]:
    """The same row with field codes as headers (how many exports arrive)."""
    codes = dict(layout)
    return {codes.get(k, k): v for k, v in row.items()}


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    headers = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]]) -> Path:
    from openpyxl import Workbook

    headers = list(dict.fromkeys(k for r in rows for k in r))
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # literal text that looks like a formula, as exports contain it
    book.save(path)
    return path


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
