"""Amounts in 元 or 万元, decided by the header (issue 10 item 5). Expected values are computed by
hand from the cells, never by the code under test: 34723.65 元 = 3.472365 万元, and so on."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalogue.service import header_units, load_catalogue, map_columns
from xinyong.ingest import columnar
from xinyong.ingest import normalise as rowpath
from xinyong.ingest.models import QuarantineRow
from xinyong.ingest.readers import grid_from_rows
from xinyong.ingest.service import ingest_file, retry_quarantined
from xinyong.records.models import Record

HEAD = "行政相对人名称,统一社会信用代码,行政处罚决定书文号,处罚类别,处罚决定日期,处罚机关"
FIRM = "天津市和平区某某餐饮店,92120101MA05L1FL7L"


def _csv(tmp_path: Path, amount_header: str, *amounts: str) -> Path:
    lines = [f"{HEAD},{amount_header}"]
    for i, amount in enumerate(amounts):
        lines.append(f"{FIRM},津和罚〔2023〕{i + 1}号,罚款,2023-05-01,和平区市场监管局,{amount}")
    path = tmp_path / "amounts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _records(engine, batch: int) -> list[Record]:
    with Session(engine) as s:
        return list(
            s.scalars(select(Record).where(Record.batch_id == batch).order_by(Record.source_record_id))
        )


def test_yuan_header_is_converted_to_the_catalogue_unit_and_the_cell_kept(engine, tmp_path):
    result = ingest_file(
        engine=engine, path=_csv(tmp_path, "罚款金额（元）", "34723.65", '"1,500,000"'), source="案例"
    )
    assert (result.accepted, result.rejected) == (2, 0)
    first, second = _records(engine, result.batch)
    # 34723.65 元 = 3.472365 万元; the record's amount is in CNY.
    assert first.fields["fine_amount"] == 3.472365
    assert first.amount == 34723.65
    assert first.original["罚款金额（元）"] == "34723.65"  # provenance: the cell as given
    # 1,500,000 元 = 150 万元 ≥ 1,000,000 CNY: serious by the catalogue's amount rule.
    assert second.fields["fine_amount"] == 150
    assert (second.amount, second.severity) == (1500000.0, "serious")


def test_wanyuan_header_and_field_code_keep_their_value(engine, tmp_path):
    result = ingest_file(engine=engine, path=_csv(tmp_path, "罚款金额(万元)", "3.47"), source="案例")
    (rec,) = _records(engine, result.batch)
    assert (rec.fields["fine_amount"], rec.amount) == (3.47, 34700.0)  # not 34700.000000000004
    path = tmp_path / "codes.csv"
    path.write_text(
        "CF_XDR_MC,CF_XDR_SHXYM,CF_WSH,CF_CFLB,CF_JDRQ,CF_XZJG,CF_NR_FK\n"
        f"{FIRM},津和罚〔2023〕9号,罚款,2023-05-01,和平区市场监管局,0.5\n",
        encoding="utf-8",
    )
    result = ingest_file(engine=engine, path=path, source="案例")
    (rec,) = _records(engine, result.batch)
    assert rec.amount == 5000.0  # CF_NR_FK is in 万元 by the 2.0 standard


def test_confiscation_in_yuan_under_the_combined_header(engine, tmp_path):
    """罚没金额(元) (fines and confiscations together, as customs and tax exports put it) is the
    fine amount, given in 元."""
    result = ingest_file(engine=engine, path=_csv(tmp_path, "罚没金额(元)", "800"), source="案例")
    (rec,) = _records(engine, result.batch)
    assert (rec.fields["fine_amount"], rec.amount) == (0.08, 800.0)


def test_header_without_a_unit_is_rejected_with_a_clear_reason_and_fixable(engine, tmp_path):
    result = ingest_file(engine=engine, path=_csv(tmp_path, "罚款金额", "5000", ""), source="案例")
    # The row without an amount is fine; the one with an amount cannot be read as 元 or 万元.
    assert (result.accepted, result.rejected) == (1, 1)
    with Session(engine) as s:
        (q,) = s.scalars(select(QuarantineRow).where(QuarantineRow.batch_id == result.batch))
    (r,) = q.reasons
    assert (r["field"], r["code"]) == ("fine_amount", "amount_unit")
    assert "罚款金额" in r["zh"] and "元" in r["zh"] and "万元" in r["zh"]
    assert "unit" in r["en"] and "5000" in r["en"]
    assert q.row_number == 2
    # Retrying unchanged keeps it open; stating the unit in the header fixes it.
    assert retry_quarantined(engine=engine, quarantine_id=q.id).status == "open"
    done = retry_quarantined(engine=engine, quarantine_id=q.id, changes={"罚款金额（元）": "5000"})
    assert done.status == "resolved"
    with Session(engine) as s:
        rec = s.get(Record, done.record_id)
        assert (rec.amount, rec.fields["fine_amount"]) == (5000.0, 0.5)
        assert rec.original["罚款金额（元）"] == "5000" and "罚款金额" not in rec.original


def test_units_of_each_header_spelling():
    spec = load_catalogue().kinds["penalty"]
    headers = ["罚款金额【元】", "没收金额（单位：元）", "罚款金额（万元）"]
    mapping = map_columns(headers, "penalty")
    assert mapping.columns == {"罚款金额【元】": "fine_amount", "没收金额（单位：元）": "confiscated_amount"}
    assert mapping.duplicate_targets == ["罚款金额（万元）"]  # a second fine column is reported
    assert header_units(spec, mapping) == {
        "fine_amount": ("罚款金额【元】", "元"),
        "confiscated_amount": ("没收金额（单位：元）", "元"),
    }
    assert header_units(spec, map_columns(["fine_amount", "CF_NR_WFFF"], "penalty")) == {}
    assert header_units(spec, map_columns(["没收金额"], "penalty")) == {
        "confiscated_amount": ("没收金额", None)
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=8,
    )
)
def test_columnar_conversion_agrees_with_the_row_path_and_with_decimal_division(amounts):
    """Property: the vectorised path, the row path and a hand formula (元 / 10000) agree."""
    from decimal import Decimal

    spec = load_catalogue().kinds["penalty"]
    rows = [
        {
            "行政相对人名称": "某店",
            "统一社会信用代码": "92120101MA05L1FL7L",
            "行政处罚决定书文号": f"文号{i}",
            "处罚类别": "罚款",
            "处罚决定日期": "2023-05-01",
            "处罚机关": "某局",
            "罚款金额（元）": str(a),
        }
        for i, a in enumerate(amounts)
    ]
    grid = grid_from_rows(rows)
    mapping = map_columns(grid.headers, "penalty")
    units = header_units(spec, mapping)
    norm = columnar.normalise_columns(spec, grid, mapping.columns, units)
    got = norm.values["fine_amount"].to_pylist()
    for i, a in enumerate(amounts):
        mapped = {mapping.columns[h]: v for h, v in rows[i].items() if h in mapping.columns}
        ref = rowpath.validate_row(spec, mapped, units)
        assert ref.ok
        assert Decimal(ref.values["fine_amount"]) == a / 10000
        assert got[i] == ref.values["fine_amount"]
        assert rowpath.amount_cny(spec, ref.values["fine_amount"]) == float(a)
