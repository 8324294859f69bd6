"""File readers: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX/XLS/ODS (python-calamine) and
JSON Lines, all into one shape — a grid of text columns (Arrow) plus the rows that could not be
read into the grid (they go to quarantine with their reason; nothing is dropped).

A file that cannot be read at all (not a spreadsheet, unterminated quote at the end, corrupt or
truncated XLSX) raises ReaderError with a Chinese and English message, before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from xinyong.ingest.headers import HEADER_SEARCH_ROWS, choose_header_row, no_header_message
from xinyong.ingest.normalise import value_to_text


class ReaderError(ValueError):
    """The file as a whole cannot be read; nothing of it is imported."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class BadRow:
    row_number: int
    raw: dict[str, str]
    code: str  # "columns" | "json"
    detail: str = ""


@dataclass
class Grid:
    """Text cells by column. Empty cells are "" (CSV/XLSX) or null (missing JSON keys)."""

    headers: list[str]
    columns: list[pa.Array]
    # Row number of each grid row: for CSV/XLSX the sheet row Excel/WPS shows (header row included,
    # title and blank rows counted); for JSON Lines the line number; for dict rows 1, 2, 3 …
    row_numbers: np.ndarray
    bad_rows: list[BadRow] = field(default_factory=list)
    format: str = "rows"
    encoding: str | None = None
    sha256: str | None = None
    header_row: int | None = None  # sheet row of the header (CSV/XLSX), as Excel/WPS numbers it

    def slice(self, start: int, length: int, *, with_bad_rows: bool) -> Grid:
        """Rows [start, start + length) (zero-copy); the unreadable rows go with one slice only."""
        if start == 0 and length >= self.num_rows and with_bad_rows:
            return self
        return Grid(
            self.headers,
            [c.slice(start, length) for c in self.columns],
            self.row_numbers[start : start + length],
            self.bad_rows if with_bad_rows else [],
            self.format,
            self.encoding,
            self.sha256,
            self.header_row,
        )

    @property
    def num_rows(self) -> int:
        return len(self.row_numbers)

    def row(self, i: int) -> dict[str, str]:
        """Grid row i as given: header → cell (None/empty left out)."""
        out: dict[str, str] = {}
        for h, col in zip(self.headers, self.columns, strict=True):
            v = col[i].as_py()
            if v not in (None, ""):
                out[h] = v
        return out


def _unique_headers(headers: list[str]) -> list[str]:
    """Blank headers become 列N / column N; repeated headers keep a #2, #3 suffix (both kept)."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = (h or "").strip() or f"列{i + 1}"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}#{seen[h]}")
    return out


def detect_encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not evidence against UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8"
        return "gb18030"  # superset of GBK and GB2312, what Chinese office software exports


def read_csv(path: Path) -> Grid:
    raw = path.read_bytes()
    if not raw.strip():
        raise ReaderError("文件为空", "the file is empty")
    encoding = detect_encoding(raw[: 1 << 20])
    try:
        text_head = raw[: 1 << 16].decode(encoding, errors="replace")
    except LookupError as exc:  # pragma: no cover - encodings above always exist
        raise ReaderError("无法识别文件编码", "unknown file encoding") from exc
    head_rows = list(itertools.islice(csv.reader(io.StringIO(text_head)), 10 * HEADER_SEARCH_ROWS))
    if not head_rows:
        raise ReaderError("缺少表头行", "no header row")
    skip = choose_header_row(head_rows)
    if skip is None:
        raise ReaderError(*no_header_message("CSV 文件", "the CSV file"))
    headers = _unique_headers(head_rows[skip])
    names = [f"c{i}" for i in range(len(headers))]
    bad: list[tuple[int | None, str]] = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=skip + 1,
                encoding="utf8" if encoding.startswith("utf-8") else encoding,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_bad_row),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ReaderError(
            f"CSV 文件无法解析（可能被截断或引号未闭合）：{exc}",
            f"the CSV file cannot be parsed (truncated or unterminated quote?): {exc}",
        ) from exc
    columns = [table.column(n).combine_chunks() for n in names]
    total = table.num_rows + len(bad)
    # Row numbers are lines as Excel/WPS shows them (header = line skip + 1). The handler reports
    # physical line numbers counted from the first line it read; without multi-line cells a data
    # row's number is its line number.
    first = skip + 2
    bad_numbers = [n + skip if n else first + total - len(bad) + i for i, (n, _) in enumerate(bad)]
    bad_set = set(bad_numbers)
    good_numbers = (
        np.fromiter(
            (n for n in range(first, first + total) if n not in bad_set), dtype=np.int64, count=table.num_rows
        )
        if bad
        else np.arange(first, first + total, dtype=np.int64)
    )
    bad_rows = []
    for number, (_, line) in zip(bad_numbers, bad, strict=True):
        cells = next(csv.reader(io.StringIO(line)), [])
        raw_row = {h: c for h, c in zip(headers, cells, strict=False) if c != ""}
        raw_row["_line"] = line
        bad_rows.append(BadRow(number, raw_row, "columns", f"{len(cells)}/{len(headers)}"))
    return Grid(headers, columns, good_numbers, bad_rows, "csv", encoding, header_row=skip + 1)


def read_excel(path: Path) -> Grid:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        # skip_empty_area=False: rows start at A1, so list index + 1 is the row Excel/WPS shows.
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for corrupt files
        raise ReaderError(
            f"Excel 文件无法读取（可能已损坏或被截断）：{exc}",
            f"the Excel file cannot be read (corrupt or truncated?): {exc}",
        ) from exc
    filled = [i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)]
    if not filled:
        raise ReaderError("工作表为空", "the first worksheet is empty")
    head = choose_header_row(rows)
    if head is None:
        raise ReaderError(
            *no_header_message(f"工作表「{book.sheet_names[0]}」", f"worksheet {book.sheet_names[0]!r}")
        )
    headers = _unique_headers([value_to_text(c) if c is not None else "" for c in rows[head]])
    keep = [i for i in filled if i > head]  # blank rows between data rows are not records
    columns = []
    for j in range(len(headers)):
        cells = [
            value_to_text(rows[i][j]) if j < len(rows[i]) and rows[i][j] is not None else "" for i in keep
        ]
        columns.append(pa.array(cells, pa.string()))
    numbers = np.array([i + 1 for i in keep], dtype=np.int64)
    return Grid(headers, columns, numbers, [], "xlsx", header_row=head + 1)


def read_jsonl(path: Path) -> Grid:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReaderError("JSON Lines 文件必须是 UTF-8 编码", "a JSON Lines file must be UTF-8") from exc
    rows: list[dict] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(BadRow(number, {"_line": line}, "json", str(exc)))
            continue
        if not isinstance(obj, dict):
            bad.append(BadRow(number, {"_line": line}, "json", type(obj).__name__))
            continue
        rows.append(obj)
        numbers.append(number)
    grid = grid_from_rows(rows)
    grid.row_numbers = np.array(numbers, dtype=np.int64)
    grid.bad_rows, grid.format = bad, "jsonl"
    return grid


def grid_from_rows(rows: Iterable[Mapping[str, object]]) -> Grid:
    """Dict rows (ingest_rows, JSON Lines) → a grid; headers are the union of keys in first-seen order."""
    rows = list(rows)
    headers: dict[str, None] = {}
    for r in rows:
        for k in r:
            headers.setdefault(str(k), None)
    names = list(headers)
    columns = []
    for h in names:
        cells = [r.get(h) for r in rows]
        columns.append(pa.array([None if c is None else value_to_text(c) for c in cells], pa.string()))
    return Grid(names, columns, np.arange(1, len(rows) + 1, dtype=np.int64), [], "rows")


def read_file(path: Path) -> Grid:
    path = Path(path)
    if not path.is_file():
        raise ReaderError(f"文件不存在：{path}", f"no such file: {path}")
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        magic = fh.read(8)
    from xinyong.ingest import limits  # import limits (issue 9): checked before and after reading

    limits.check_file(path)
    with limits.bounded_memory():
        if suffix in {".xlsx", ".xlsm", ".xls", ".ods"} or magic.startswith(
            (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
        ):
            grid = read_excel(path)
        elif suffix in {".jsonl", ".ndjson", ".json"}:
            grid = read_jsonl(path)
        else:
            grid = read_csv(path)
    limits.check_grid(grid)
    grid.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return grid
