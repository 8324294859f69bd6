"""Where the header is: the header row of a sheet below title rows, merged cells, notes and blanks.

Department exports often start with a title (`行政许可处理情况`, merged over the columns), a line of
notes or blank rows; the header row is the first of the first `HEADER_SEARCH_ROWS` rows whose cells
name at least `MIN_KNOWN` catalogue headers (any kind, any layout, after `normalise_header`) — the
row with most such cells wins, the earlier on a tie. Row numbers are the ones Excel/WPS shows
(1-based, counting title and blank rows), so a clerk finds a quarantined row where the report says.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from xinyong.catalogue.headers import normalise_header
from xinyong.catalogue.service import header_index, load_catalogue

HEADER_SEARCH_ROWS = 20
MIN_KNOWN = 2


@lru_cache(maxsize=1)
def known_header_keys() -> frozenset[str]:
    """Every normalised header the catalogue knows: field names, labels, aliases, layout columns."""
    cat = load_catalogue()
    keys: set[str] = set()
    for kind in cat.kinds:
        keys |= set(header_index(kind))
    for layout in cat.layouts.values():
        keys |= {normalise_header(h) for h in layout.columns}
        keys |= {normalise_header(h) for h in layout.signature}
    keys.discard("")
    return frozenset(keys)


def known_count(cells: Sequence[object]) -> int:
    keys = known_header_keys()
    return sum(1 for c in cells if c not in (None, "") and normalise_header(c) in keys)


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Index (0-based) of the header row among the first HEADER_SEARCH_ROWS rows, or None when no
    row names at least MIN_KNOWN known headers."""
    best: tuple[int, int] | None = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = known_count(row)
        if hits >= MIN_KNOWN and (best is None or hits > best[0]):
            best = (hits, i)
    return best[1] if best else None


def choose_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """The header row: a row of known headers (find_header_row); failing that, the first row of
    the first HEADER_SEARCH_ROWS with at least two cells (unknown headers: the import reports them,
    or --kind decides); a one-column sheet's first non-empty row; None when the first rows are all
    titles or notes (one cell each) but later rows are wider — the header is not where it may be."""
    found = find_header_row(rows)
    if found is not None:
        return found
    widths = [sum(1 for c in row if c not in (None, "")) for row in rows]
    for i, filled in enumerate(widths[:HEADER_SEARCH_ROWS]):
        if filled >= 2:
            return i
    if all(w <= 1 for w in widths):
        return next((i for i, w in enumerate(widths) if w), None)
    return None


def no_header_message(where_zh: str, where_en: str) -> tuple[str, str]:
    """The bilingual error when no header row was found, naming what was searched."""
    return (
        f"{where_zh}前 {HEADER_SEARCH_ROWS} 行中没有表头行（需至少 {MIN_KNOWN} 个目录中已知的列名，"
        "如 行政相对人名称、处罚决定书文号、CF_XDR_MC）",
        f"no header row in the first {HEADER_SEARCH_ROWS} rows of {where_en} (a header row names at least "
        f"{MIN_KNOWN} columns the catalogue knows, e.g. 行政相对人名称, 处罚决定书文号, CF_XDR_MC)",
    )
