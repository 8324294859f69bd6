"""Old organisation codes (组织机构代码, GB 11714) linked to the USCC that contains them.

A USCC's characters 9–17 are the holder's organisation code. Rows of older files keyed only by the
组织机构代码 (no USCC) belong to the subject whose stored USCC contains that code: before validation,
such rows get that USCC in a derived column `统一社会信用代码（由组织机构代码关联）`, which then identifies
the subject (the row's own cells are kept unchanged in `original`). A code matching no stored
subject — or more than one — links nothing (the row is judged as it is).
"""

from __future__ import annotations

import re

import pyarrow as pa
from sqlalchemy import Engine, func, select

from xinyong.catalogue.schemas import KindSpec
from xinyong.catalogue.service import ColumnMapping
from xinyong.ingest.normalise import clean_text, code_text
from xinyong.ingest.readers import Grid
from xinyong.subjects.models import Subject

DERIVED_HEADER = "统一社会信用代码（由组织机构代码关联）"
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


def org_code_of(text: str | None) -> str | None:
    """A cell as a 9-character organisation code (`12345678-9` → `123456789`), or None."""
    cleaned = clean_text(text)
    if not cleaned:
        return None
    code = code_text(cleaned).replace("-", "")
    return code if _ORG_CODE.match(code) else None


def link_org_codes(
    engine: Engine, spec: KindSpec, grid: Grid, mapping: ColumnMapping
) -> tuple[Grid, ColumnMapping]:
    """The grid and mapping with org-code-only rows given their subject's USCC (see module docstring)."""
    headers = {f: h for h, f in mapping.columns.items()}
    org_header, uscc_header = headers.get("org_code"), headers.get(spec.subject.uscc)
    if org_header is None or grid.num_rows == 0:
        return grid, mapping
    orgs = grid.columns[grid.headers.index(org_header)].to_pylist()
    usccs = grid.columns[grid.headers.index(uscc_header)].to_pylist() if uscc_header else [None] * len(orgs)
    wanted = {
        i: org_code_of(o) for i, (o, u) in enumerate(zip(orgs, usccs, strict=True)) if not clean_text(u)
    }
    codes = sorted({c for c in wanted.values() if c})
    if not codes:
        return grid, mapping
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for start in range(0, len(codes), 5000):
            part = codes[start : start + 5000]
            for code in conn.execute(
                select(Subject.uscc).where(func.substr(Subject.uscc, 9, 9).in_(part))
            ).scalars():
                found.setdefault(code[8:17], set()).add(code)
    linked = {i: next(iter(found[c])) for i, c in wanted.items() if c and len(found.get(c, ())) == 1}
    if not linked:
        return grid, mapping
    derived = [linked.get(i, u or "") for i, u in enumerate(usccs)]
    new_grid = Grid(
        [*grid.headers, DERIVED_HEADER],
        [*grid.columns, pa.array(derived, pa.string())],
        grid.row_numbers,
        grid.bad_rows,
        grid.format,
        grid.encoding,
        grid.sha256,
        grid.header_row,
    )
    columns = {h: f for h, f in mapping.columns.items() if h != uscc_header}
    columns[DERIVED_HEADER] = spec.subject.uscc
    new_mapping = ColumnMapping(
        mapping.kind, mapping.layout, columns, list(mapping.unknown), list(mapping.duplicate_targets)
    )
    return new_grid, new_mapping
