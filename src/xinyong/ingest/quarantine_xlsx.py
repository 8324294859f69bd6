"""Quarantine to XLSX and back: an officer corrects rejected rows in Excel/WPS and re-imports them.

`export_quarantine(engine=…, path=…)` writes one sheet: `隔离编号` (quarantine id), `批次`, `行号` (the
sheet row of the original file), `原因 / reasons` (every reason, Chinese and English), then the row's
own columns as received. Text cells starting with `=`, `+`, `-`, `@` are written as text (never a
formula). `import_corrections(engine=…, path=…)` reads such a sheet back: each row whose `隔离编号`
is still open is resubmitted through `retry_quarantined` with the columns that differ from what is
stored — valid rows become records (the quarantine row resolved), invalid ones stay open with their
new reasons. Rows not changed are left alone. The original file's rows keep their identity: a
re-import of the original file does not re-open a row fixed this way (docs/ingest.md, Quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from xinyong.ingest.readers import ReaderError

ID_HEADER, BATCH_HEADER, ROW_HEADER, REASON_HEADER = "隔离编号", "批次", "行号", "原因 / reasons"
FIXED = (ID_HEADER, BATCH_HEADER, ROW_HEADER, REASON_HEADER)


def export_quarantine(
    *,
    engine: Engine,
    path: Path | str,
    batch: int | None = None,
    status: str | None = "open",
    limit: int = 100_000,
) -> int:
    """Write quarantined rows to an XLSX file; returns how many rows were written."""
    from openpyxl import Workbook

    from xinyong.ingest.service import list_quarantine

    rows = list_quarantine(engine=engine, batch=batch, status=status, limit=limit)
    headers: dict[str, None] = {}
    for q in rows:
        for h in q.raw:
            if h != "_line":
                headers.setdefault(h, None)
    book = Workbook()
    sheet = book.active
    sheet.title = "隔离区"
    sheet.append([*FIXED, *headers])
    for q in rows:
        reasons = "\n".join(f"[{r['field']}] {r['zh']} / {r['en']}" for r in q.reasons)
        sheet.append([q.id, q.batch_id, q.row_number, reasons, *(q.raw.get(h) for h in headers)])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=…" stays text, never a formula
    book.save(path)
    return len(rows)


@dataclass
class CorrectionReport:
    resolved: list[int] = field(default_factory=list)
    still_open: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # not open any more (already fixed)


def import_corrections(
    *, engine: Engine, path: Path | str, submitted_by: str | None = None
) -> CorrectionReport:
    """Resubmit the corrected rows of an exported quarantine sheet (see the module docstring).
    Raises ReaderError when the file is not such a sheet."""
    from python_calamine import CalamineWorkbook

    from xinyong.ingest.normalise import value_to_text
    from xinyong.ingest.service import get_quarantine, retry_quarantined

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise ReaderError(f"无法读取隔离区表格：{exc}", f"cannot read the quarantine sheet: {exc}") from exc
    if not rows or [value_to_text(c) for c in rows[0][: len(FIXED)]] != list(FIXED):
        raise ReaderError(
            f"不是隔离区导出表：第1行应以 {'、'.join(FIXED)} 开头",
            f"not a quarantine export: row 1 must start with {', '.join(FIXED)}",
        )
    headers = [value_to_text(c) for c in rows[0]]
    report = CorrectionReport()
    for line in rows[1:]:
        cells = {h: value_to_text(c) for h, c in zip(headers, line, strict=False) if h}
        if not cells.get(ID_HEADER):
            continue
        qid = int(float(cells[ID_HEADER]))
        q = get_quarantine(engine=engine, quarantine_id=qid)
        if q.status != "open":
            report.skipped.append(qid)
            continue
        changes = {h: v for h, v in cells.items() if h not in FIXED and v != (q.raw.get(h) or "")}
        if not changes:
            report.unchanged.append(qid)
            continue
        result = retry_quarantined(
            engine=engine, quarantine_id=qid, changes=changes, submitted_by=submitted_by
        )
        (report.resolved if result.status == "resolved" else report.still_open).append(qid)
    return report
