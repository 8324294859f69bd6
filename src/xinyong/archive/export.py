"""CSV exports of the subject list and of one archive (导出), for spreadsheets.

Rows come from `list_subjects` / `build_archive`, so exports carry exactly what the disclosure
policy lets the caller see. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR)
are prefixed with an apostrophe (OWASP CSV injection), so `=HYPERLINK(...)` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from xinyong.archive.schemas import Archive, SubjectPage

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    # A UTF-8 BOM lets Excel open Chinese text correctly.
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def subjects_csv(page: SubjectPage) -> str:
    header = ["id", "名称 name", "类别 kind", "统一社会信用代码 uscc", "区 district", "行业 industry", "试点 pilot"]
    return to_csv(header, ([s.id, s.name, s.kind_zh, s.uscc, s.district_name or s.district_code, s.industry,
                            s.pilot] for s in page.items))


def archive_csv(archive: Archive) -> str:
    header = ["信息截至 as_of", "版本 view", "主体 subject_id", "名称 name", "类别 kind", "信息类别 record kind",
              "性质 polarity", "日期 occurred_on", "状态 status", "公示至 publicity_until", "有效期至 valid_until",
              "来源 source", "归集日期 collected_on", "文号 source_record_id", "内容 details"]
    rows = []
    for group in archive.groups:
        for r in group.records:
            details = "；".join(f"{lab.label_zh}：{r.fields[lab.name]}" for lab in group.field_labels
                               if r.fields.get(lab.name) not in (None, ""))
            rows.append([archive.as_of, archive.view, archive.subject.id, archive.subject.name, group.name_zh,
                         r.kind, r.polarity, r.occurred_on, r.status.value, r.publicity_until, r.valid_until,
                         r.source, r.collected_on, r.source_record_id, details])
    return to_csv(header, rows)
