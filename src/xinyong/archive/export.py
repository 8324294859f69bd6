"""Exports of the subject list and of one archive (导出): CSV and Excel (XLSX), for spreadsheets.

Rows come from `list_subjects` / `build_archive`, so exports carry exactly what the disclosure
policy lets the caller see. `subjects_table` / `archive_table` build header + rows once; the CSV and
XLSX writers only encode them, so both formats always carry the same columns and values.

Formula injection: in CSV, cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) are
prefixed with an apostrophe (OWASP CSV injection), so `=HYPERLINK(...)` stays text. In XLSX every
text value is written as a string cell (never data type "f"), which Excel does not evaluate, so the
text is kept as it was, without the apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinyong.archive.schemas import VIEW_LABELS, Archive, SubjectPage
from xinyong.console.labels import field_value, label

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Table = tuple[list[str], list[list[object]]]


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def subjects_table(page: SubjectPage) -> Table:
    header = [
        "id",
        "名称 name",
        "类别 kind",
        "统一社会信用代码 uscc",
        "区 district",
        "行业 industry",
        "试点 pilot",
    ]
    rows: list[list[object]] = [
        [
            s.id,
            s.name,
            s.kind_zh,
            s.uscc,
            s.district_name or s.district_code,
            s.industry,
            label(s.pilot, "pilot"),
        ]
        for s in page.items
    ]
    return header, rows


def archive_table(archive: Archive) -> Table:
    header = [
        "信息截至 as_of",
        "版本 view",
        "主体 subject_id",
        "名称 name",
        "类别 kind",
        "信息类别 record kind",
        "性质 polarity",
        "日期 occurred_on",
        "状态 status",
        "公示至 publicity_until",
        "有效期至 valid_until",
        "来源 source",
        "归集日期 collected_on",
        "文号 source_record_id",
        "内容 details",
    ]
    rows: list[list[object]] = []
    view = VIEW_LABELS.get(archive.view, archive.view).split(" ")[0]
    for group in archive.groups:
        for r in group.records:
            details = "；".join(
                f"{lab.label_zh}：{field_value(group.kind, lab.name, r.fields[lab.name])}"
                for lab in group.field_labels
                if r.fields.get(lab.name) not in (None, "")
            )
            # Chinese labels only (console.labels): the JSON API keeps the codes.
            rows.append(
                [
                    archive.as_of,
                    view,
                    archive.subject.id,
                    archive.subject.name,
                    archive.subject.kind_zh,
                    group.name_zh,
                    label(r.polarity, "polarity"),
                    r.occurred_on,
                    r.status_zh,
                    r.publicity_until,
                    r.valid_until,
                    r.source,
                    r.collected_on,
                    r.source_record_id,
                    details,
                ]
            )
    return header, rows


# ---------------------------------------------------------------------------------------------- CSV


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
    return to_csv(*subjects_table(page))


def archive_csv(archive: Archive) -> str:
    return to_csv(*archive_table(archive))


# --------------------------------------------------------------------------------------------- XLSX

MAX_WIDTH = 60


def _display_width(value: object) -> int:
    """Columns are sized in Latin character widths; a Chinese character takes two."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_value(value: object) -> object:
    if value is None or (isinstance(value, (dt.date, int, float)) and not isinstance(value, bool)):
        return value
    # XML cannot carry control characters; openpyxl refuses them, so they are dropped.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str) -> bytes:
    """One sheet: bold frozen header row, real Excel dates (yyyy-mm-dd), columns sized to their text."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [_display_width(h) for h in header]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_xlsx_value(value))
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                # openpyxl would store "=..." as a formula; a string cell is never evaluated.
                cell.data_type = "s"
            if value is not None:
                widths[c - 1] = max(widths[c - 1], _display_width(value))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(width, MAX_WIDTH) + 2
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def subjects_xlsx(page: SubjectPage) -> bytes:
    return to_xlsx(*subjects_table(page), title="信用主体列表")


def archive_xlsx(archive: Archive) -> bytes:
    return to_xlsx(*archive_table(archive), title="信用档案")
