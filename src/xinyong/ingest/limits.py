"""Import limits (导入上限): what a file may expand to before any reader builds it in memory.

A 1.5 MB XLSX can hold 1.5 GB of shared strings (a decompression bomb) and a huge CSV makes Arrow
allocate several times its size; both once took the server to 5 GB (issue 9). `read_file` calls
`check_file` before reading — it measures the real decompressed size of an XLSX by streaming its
zip members (header sizes can lie), and counts the lines and header columns of a text file without
loading it — and `check_grid` after, on what the reader built. Every limit is a setting
(docs/settings.md):

| limit | setting | default |
|---|---|---|
| text file size / XLSX decompressed size | XINYONG_IMPORT_MAX_MB | 200 (MB) |
| data rows | XINYONG_IMPORT_MAX_ROWS | 1,000,000 |
| columns | XINYONG_IMPORT_MAX_COLUMNS | 300 |
| cells (rows × columns) | XINYONG_IMPORT_MAX_CELLS | 20,000,000 |
| characters in one cell | XINYONG_IMPORT_MAX_CELL_CHARS | 32,767 (Excel's own cell limit) |

A file over a limit is refused whole with `LimitExceeded` (a `ReaderError`, so the CLI exits 2 and
the API answers 413) naming the limit, the measured value and, for a cell, its row and column.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xinyong.ingest.readers import Grid, ReaderError

MB = 1024 * 1024
CHUNK = 1 << 20


class LimitExceeded(ReaderError):
    """The file is larger than an import limit; nothing of it is imported (HTTP 413, CLI exit 2)."""

    status = 413


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * MB
    max_rows: int = 1_000_000
    max_columns: int = 300
    max_cells: int = 20_000_000
    max_cell_chars: int = 32_767

    @classmethod
    def from_env(cls) -> Limits:
        env = os.environ.get
        return cls(
            max_bytes=int(float(env("XINYONG_IMPORT_MAX_MB", "200")) * MB),
            max_rows=int(env("XINYONG_IMPORT_MAX_ROWS", "1000000")),
            max_columns=int(env("XINYONG_IMPORT_MAX_COLUMNS", "300")),
            max_cells=int(env("XINYONG_IMPORT_MAX_CELLS", "20000000")),
            max_cell_chars=int(env("XINYONG_IMPORT_MAX_CELL_CHARS", "32767")),
        )


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def _too_big(limits: Limits, size: int, what_zh: str, what_en: str) -> LimitExceeded:
    return LimitExceeded(
        f"{what_zh}超过导入上限 {_mb(limits.max_bytes)}（XINYONG_IMPORT_MAX_MB），实际至少 {_mb(size)}",
        f"{what_en} exceeds the import limit of {_mb(limits.max_bytes)} (XINYONG_IMPORT_MAX_MB): "
        f"at least {_mb(size)}",
    )


def is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def check_zip(path: Path, limits: Limits) -> int:
    """Total decompressed size of an XLSX/ODS, measured by inflating every member in 1 MB steps and
    stopping as soon as it passes the limit (so a bomb costs at most `max_bytes` of CPU, no memory).
    Returns the size; raises LimitExceeded."""
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
            declared = sum(m.file_size for m in members)
            if declared > limits.max_bytes:
                raise _too_big(limits, declared, "Excel 文件解压后", "the Excel file, decompressed,")
            total = 0
            for member in members:
                with book.open(member) as fh:
                    while chunk := fh.read(CHUNK):
                        total += len(chunk)
                        if total > limits.max_bytes:
                            raise _too_big(limits, total, "Excel 文件解压后", "the Excel file, decompressed,")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise ReaderError(
            f"Excel 文件无法读取（可能已损坏或被截断）：{exc}",
            f"the Excel file cannot be read (corrupt or truncated?): {exc}",
        ) from exc
    return total


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            lines += chunk.count(b"\n")
    return lines


def _header_columns(path: Path) -> int:
    import csv
    import io

    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return len(next(csv.reader(io.StringIO(first)), []))


def check_file(path: Path, limits: Limits | None = None) -> None:
    """Before reading: size (decompressed for XLSX), and for text files an upper bound on the rows
    (line count) and the header's columns, so Arrow never gets a file it would blow up on."""
    limits = limits or Limits.from_env()
    path = Path(path)
    if is_zip(path):
        check_zip(path, limits)
        return
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _too_big(limits, size, "文件", "the file")
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        return  # one object per line: rows and columns are checked on the grid
    columns = _header_columns(path)
    _check_shape(limits, rows=None, columns=columns)
    lines = _count_lines(path)
    # Quoted multi-line cells make the line count an over-estimate of the rows, so only a file
    # twice over a limit is refused here, before Arrow sees it; the exact check is on the grid.
    if lines > 2 * limits.max_rows or lines * max(columns, 1) > 2 * limits.max_cells:
        raise LimitExceeded(
            f"文件约有 {lines} 行 × {columns} 列，远超导入上限（{limits.max_rows} 行，{limits.max_cells} 个单元格）",
            f"the file has about {lines} lines × {columns} columns, far over the import limits "
            f"({limits.max_rows} rows, {limits.max_cells} cells)",
        )


def _check_shape(limits: Limits, *, rows: int | None, columns: int) -> None:
    if columns > limits.max_columns:
        raise LimitExceeded(
            f"列数 {columns} 超过导入上限 {limits.max_columns}（XINYONG_IMPORT_MAX_COLUMNS）",
            f"{columns} columns exceed the import limit of {limits.max_columns} (XINYONG_IMPORT_MAX_COLUMNS)",
        )
    if rows is None:
        return
    if rows > limits.max_rows:
        raise LimitExceeded(
            f"数据行数 {rows} 超过导入上限 {limits.max_rows}（XINYONG_IMPORT_MAX_ROWS）",
            f"{rows} data rows exceed the import limit of {limits.max_rows} (XINYONG_IMPORT_MAX_ROWS)",
        )
    if rows * columns > limits.max_cells:
        raise LimitExceeded(
            f"单元格数 {rows * columns}（{rows} 行 × {columns} 列）超过导入上限 {limits.max_cells}"
            "（XINYONG_IMPORT_MAX_CELLS）",
            f"{rows * columns} cells ({rows} rows × {columns} columns) exceed the import limit of "
            f"{limits.max_cells} (XINYONG_IMPORT_MAX_CELLS)",
        )


def check_grid(grid: Grid, limits: Limits | None = None) -> None:
    """After reading: exact rows, columns, cells, and the longest cell (naming its row and column)."""
    import pyarrow.compute as pc

    limits = limits or Limits.from_env()
    rows = grid.num_rows + len(grid.bad_rows)
    _check_shape(limits, rows=rows, columns=len(grid.headers))
    for header, column in zip(grid.headers, grid.columns, strict=True):
        if len(column) == 0:
            continue
        lengths = pc.utf8_length(column.fill_null(""))
        longest = pc.max(lengths).as_py() or 0
        if longest > limits.max_cell_chars:
            at = pc.index(lengths, longest).as_py()
            row = int(grid.row_numbers[at])
            raise LimitExceeded(
                f"第 {row} 行「{header}」列的单元格有 {longest} 个字符，超过上限 {limits.max_cell_chars}"
                "（XINYONG_IMPORT_MAX_CELL_CHARS）",
                f"row {row}, column {header!r}: a cell of {longest} characters exceeds the limit of "
                f"{limits.max_cell_chars} (XINYONG_IMPORT_MAX_CELL_CHARS)",
            )


@contextmanager
def bounded_memory() -> Iterator[None]:
    """Around a reader: an allocation failure is a clear LimitExceeded (not an uncaught Arrow
    error), and memory Arrow no longer uses goes back to the system afterwards."""
    import pyarrow as pa

    try:
        yield
    except (MemoryError, pa.ArrowMemoryError) as exc:
        raise LimitExceeded(
            "文件过大，读取时内存不足；请拆分后分批导入", "the file is too large to read in memory; split it"
        ) from exc
    finally:
        release_memory()


def release_memory() -> None:
    """Hand memory Arrow's pool keeps cached back to the operating system (after a large import)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
