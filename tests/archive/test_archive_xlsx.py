"""Excel (XLSX) exports: the same rows as the CSV twins, the same policy, formulas stay text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from xinyong.accounts.models import AccessLog
from xinyong.archive.export import XLSX_MEDIA_TYPE, safe_cell, to_xlsx
from xinyong.store.db import session_scope

AS_OF = "2025-06-30"


def _sheet(content: bytes):  # noqa: ANN202
    return load_workbook(io.BytesIO(content)).active


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _as_csv_text(value: object) -> str:
    """How the CSV writes a value: ISO dates, empty for None, the apostrophe rule for formula-like text."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def _log(engine) -> list[tuple[str, str]]:  # noqa: ANN001
    with session_scope(engine) as s:
        return [(r.username, r.surface) for r in s.scalars(select(AccessLog).order_by(AccessLog.id))]


@pytest.mark.parametrize("who", [None, "heping", "hexi", "shichang"])
def test_archive_xlsx_has_the_csv_rows_for_each_viewer(credit_client, credit_world, who):
    client, auth = credit_client
    headers = auth[who] if who else {}
    base = f"/api/v1/subjects/{credit_world.shop}/archive"
    xlsx = client.get(f"{base}.xlsx", params={"as_of": AS_OF}, headers=headers)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    assert 'filename="archive-20250630.xlsx"' in xlsx.headers["content-disposition"]
    csv_rows = _csv_rows(client.get(f"{base}.csv", params={"as_of": AS_OF}, headers=headers).content)
    ws = _sheet(xlsx.content)
    xlsx_rows = [[_as_csv_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    assert len(xlsx_rows) > 1 and xlsx_rows == csv_rows
    assert ws.title == "信用档案" and ws.freeze_panes == "A2"
    dates = [c for c in ws["H"][1:] if c.value is not None]  # 日期 occurred_on
    assert dates and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)


def test_public_xlsx_is_masked_and_unlogged_and_full_view_is_logged(credit_client, credit_world):
    client, auth = credit_client
    url = f"/api/v1/subjects/{credit_world.shop}/archive.xlsx"
    public = _sheet(client.get(url, params={"as_of": AS_OF}).content)
    public_cells = [str(v) for row in public.iter_rows(values_only=True) for v in row if v is not None]
    assert {"P-ACTIVE", "H-1", "C-1"} <= set(public_cells) and "INS-GOV" not in public_cells
    assert not any("张小明" in c for c in public_cells)
    full = _sheet(client.get(url, params={"as_of": AS_OF}, headers=auth["heping"]).content)
    full_cells = [str(v) for row in full.iter_rows(values_only=True) for v in row if v is not None]
    assert "INS-GOV" in full_cells and any("张小明" in c for c in full_cells)
    assert _log(credit_world.engine) == [("heping", "api:archive-xlsx")]


def test_formula_text_stays_text(credit_client, credit_world):
    client, _ = credit_client
    content = client.get(f"/api/v1/subjects/{credit_world.xss}/archive.xlsx", params={"as_of": AS_OF}).content
    cells = [c for row in _sheet(content).iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(isinstance(c.value, str) and "=HYPERLINK" in c.value for c in cells)


def test_to_xlsx_never_writes_a_formula_and_drops_control_characters():
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tx", "a\x00b\x07c"]
    ws = _sheet(to_xlsx(["文本 text"], [[v] for v in hostile], title="测试"))
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells][:5] == hostile[:5] and cells[5].value == "abc"


def test_subject_list_xlsx_has_the_csv_rows_and_filters(credit_client, credit_world):
    client, auth = credit_client
    for headers, params in (
        ({}, {}),
        (auth["heping"], {"kind": "person"}),
        ({}, {"pilot": credit_world.pilot}),
    ):
        xlsx = client.get("/api/v1/subjects.xlsx", params=params, headers=headers)
        assert xlsx.status_code == 200
        ws = _sheet(xlsx.content)
        rows = [[_as_csv_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        csv_rows = _csv_rows(client.get("/api/v1/subjects.csv", params=params, headers=headers).content)
        assert rows == csv_rows and ws.title == "信用主体列表"
    public_ids = {
        row[0] for row in _sheet(client.get("/api/v1/subjects.xlsx").content).iter_rows(values_only=True)
    }
    assert credit_world.shop in public_ids and credit_world.person not in public_ids
    assert client.get("/api/v1/subjects.xlsx", params={"district": "12"}).status_code == 422


@pytest.mark.parametrize("who", [None, "hexi", "bank", "shop"])
def test_unknown_or_other_district_id_is_404(credit_client, credit_world, who):
    client, auth = credit_client
    headers = auth[who] if who else {}
    for sid in (credit_world.person, "NO-SUCH-SUBJECT"):
        r = client.get(f"/api/v1/subjects/{sid}/archive.xlsx", headers=headers)
        assert r.status_code == 404 and sid in r.json()["detail"]
    assert _log(credit_world.engine) == []


def test_pages_link_both_exports(credit_client, credit_world):
    client, auth = credit_client
    page = client.get(f"/subjects/{credit_world.shop}", params={"as_of": AS_OF}, headers=auth["heping"]).text
    assert f"/api/v1/subjects/{credit_world.shop}/archive.xlsx?as_of={AS_OF}" in page and "导出 Excel" in page
    listing = client.get("/subjects", params={"kind": "person"}, headers=auth["heping"]).text
    # The officer's list opens on their own district, and the exports carry that filter too.
    query = "district=120101&amp;kind=person"
    assert f"/api/v1/subjects.xlsx?{query}" in listing and f"/api/v1/subjects.csv?{query}" in listing
