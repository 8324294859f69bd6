"""Issue 9, defect 3: import limits on decompressed size, rows, columns, cells and cell length.

The probe: an XLSX of 1.5 MB holding 1,500 shared strings of 1 MB took the server to 5 GB and
answered 500 after 10 s; the CLI died with an uncaught Arrow memory error (exit 1, not 2).
Expected values here are counted by the test itself (bytes written, rows written).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ingest_files import penalty_2, write_csv, write_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest.limits import LimitExceeded, Limits, check_grid
from xinyong.ingest.readers import ReaderError, read_file

REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def write_bomb(path: Path, cells: int, cell_bytes: int) -> int:
    """A well-formed XLSX whose shared strings are `cells` strings of `cell_bytes` 'A's; returns
    the total decompressed size. Deflate shrinks each 1 MB string to about 1 KB."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>"
            + "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(cells))
            + "</sheetData></worksheet>"
        ),
    }
    total = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
            total += len(text.encode())
        with z.open("xl/sharedStrings.xml", "w") as fh:
            head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            fh.write(head)
            total += len(head)
            blob = b"<si><t>" + b"A" * cell_bytes + b"</t></si>"
            for _ in range(cells):
                fh.write(blob)
                total += len(blob)
            fh.write(b"</sst>")
            total += len(b"</sst>")
    return total


def test_xlsx_bomb_is_refused_by_its_decompressed_size(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_IMPORT_MAX_MB", "8")
    path = tmp_path / "bomb.xlsx"
    inflated = write_bomb(path, cells=12, cell_bytes=MB)
    assert path.stat().st_size < inflated / 100  # it really is a bomb
    with pytest.raises(LimitExceeded) as err:
        read_file(path)
    assert "XINYONG_IMPORT_MAX_MB" in err.value.en and "解压后" in err.value.zh
    # just under the limit the same construction is read (the limit is the decompressed size)
    small = tmp_path / "small.xlsx"
    assert write_bomb(small, cells=3, cell_bytes=1000) < 8 * MB
    assert read_file(small).num_rows == 2  # row 1 is the header


def test_lying_zip_headers_do_not_help(tmp_path, monkeypatch):
    """Sizes in the zip directory are claims; the check inflates the members and counts."""
    monkeypatch.setenv("XINYONG_IMPORT_MAX_MB", "4")
    path = tmp_path / "liar.xlsx"
    write_bomb(path, cells=8, cell_bytes=MB)
    data = bytearray(path.read_bytes())
    # rewrite every declared uncompressed size (local headers and central directory) to 1 byte
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        while at != -1:
            data[at + offset : at + offset + 4] = (1).to_bytes(4, "little")
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ReaderError):  # over the limit, or corrupt: refused either way, never read
        read_file(path)


def _rows(n: int) -> list[dict[str, str]]:
    return [penalty_2(i) for i in range(1, n + 1)]


def test_rows_columns_cells_and_cell_length(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_IMPORT_MAX_ROWS", "40")
    with pytest.raises(LimitExceeded) as err:
        read_file(write_csv(tmp_path / "rows.csv", _rows(41)))
    assert "41" in err.value.en and "XINYONG_IMPORT_MAX_ROWS" in err.value.en and "41" in err.value.zh
    assert read_file(write_csv(tmp_path / "ok.csv", _rows(40))).num_rows == 40
    with pytest.raises(LimitExceeded):  # far over: refused before Arrow reads it (line count)
        read_file(write_csv(tmp_path / "many.csv", _rows(200)))

    monkeypatch.setenv("XINYONG_IMPORT_MAX_COLUMNS", "25")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"h{i}" for i in range(26)) + "\n" + ",".join("x" * 26) + "\n", encoding="utf-8")
    with pytest.raises(LimitExceeded) as err:
        read_file(wide)
    assert "26 columns" in err.value.en and "26" in err.value.zh

    monkeypatch.setenv("XINYONG_IMPORT_MAX_COLUMNS", "300")
    monkeypatch.setenv("XINYONG_IMPORT_MAX_CELLS", "200")
    columns = len(penalty_2(1))
    with pytest.raises(LimitExceeded) as err:  # 11 rows × 20 columns = 220 cells
        read_file(write_csv(tmp_path / "cells.csv", _rows(11)))
    assert f"{11 * columns} cells" in err.value.en

    monkeypatch.setenv("XINYONG_IMPORT_MAX_CELLS", "20000000")
    monkeypatch.setenv("XINYONG_IMPORT_MAX_CELL_CHARS", "5000")
    rows = _rows(3)
    rows[1]["违法事实"] = "违" * 5001
    with pytest.raises(LimitExceeded) as err:
        read_file(write_xlsx(tmp_path / "long.xlsx", rows))
    # rows[1] is the second data row: sheet row 3 as Excel/WPS shows it (header on row 1).
    assert "row 3" in err.value.en and "违法事实" in err.value.en and "5001" in err.value.en
    assert "第 3 行" in err.value.zh


def test_limits_from_env_defaults():
    assert Limits() == Limits.from_env() or True  # env may be set by the runner; defaults below
    d = Limits()
    assert (d.max_bytes, d.max_rows, d.max_columns, d.max_cells, d.max_cell_chars) == (
        200 * MB,
        1_000_000,
        300,
        20_000_000,
        32_767,
    )
    from xinyong.ingest.readers import grid_from_rows

    check_grid(grid_from_rows([{"a": "x" * 32_767}]))  # Excel's own maximum is accepted


def test_api_answers_413_and_writes_nothing(sqlite_engine, sqlite_url, tmp_path, monkeypatch):
    from xinyong.accounts import service as accounts
    from xinyong.app import create_app
    from xinyong.records.models import Record
    from xinyong.settings import Settings

    monkeypatch.setenv("XINYONG_IMPORT_MAX_MB", "8")
    with Session(sqlite_engine) as s:
        user = accounts.create_user(s, username="city", role="city_admin")
        key = accounts.issue_api_key(s, user=user, name="k")[0]
        s.commit()
    client = TestClient(create_app(dataclasses.replace(Settings.from_env(), database_url=sqlite_url)))
    path = tmp_path / "bomb.xlsx"
    write_bomb(path, cells=12, cell_bytes=MB)
    with path.open("rb") as fh:
        r = client.post(
            "/api/v1/ingest",
            files={"file": (path.name, fh)},
            data={"source": "市信用中心"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert r.status_code == 413, r.text
    assert "XINYONG_IMPORT_MAX_MB" in r.json()["detail"]["en"] and r.json()["detail"]["zh"]
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0


def _cli(args: list[str], sqlite_url: str, **env: str) -> tuple[int, str, float]:
    """Run the real CLI in its own process: (exit code, output, peak resident MB)."""
    script = (
        "import resource, sys\n"
        "from xinyong.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "finally:\n"
        "    print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    env = {
        "XINYONG_DATABASE_URL": sqlite_url,
        "PYTHONPATH": str(REPO / "src"),
        "PATH": "/usr/bin:/bin",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=120
    )
    out = done.stdout + done.stderr
    return done.returncode, out, int(out.split("RSS_KB")[1].split()[0]) / 1024


def test_cli_exits_2_on_a_bomb_with_bounded_memory(sqlite_engine, sqlite_url, tmp_path):
    """A 64 MB-inflating bomb against a 32 MB limit, the real CLI in its own process: exit 2 with
    the reason, and its peak memory is that of importing a 3-row CSV plus far less than the limit
    (the check inflates in 1 MB steps and keeps nothing)."""
    bomb = tmp_path / "bomb.xlsx"
    assert write_bomb(bomb, cells=64, cell_bytes=MB) > 64 * MB
    tiny = write_csv(tmp_path / "tiny.csv", _rows(3))
    code, out, base = _cli(
        ["ingest", str(tiny), "--source", "x", "--json"], sqlite_url, XINYONG_IMPORT_MAX_MB="32"
    )
    assert code == 0, out[-2000:]
    code, out, peak = _cli(
        ["ingest", str(bomb), "--source", "x", "--json"], sqlite_url, XINYONG_IMPORT_MAX_MB="32"
    )
    assert code == 2, out[-2000:]
    assert "XINYONG_IMPORT_MAX_MB" in out and "解压后" in out
    assert peak - base < 16, (base, peak)
