"""`xinyong ingest` and `xinyong quarantine list/show/retry` through the real Typer app (--json contract)."""

from __future__ import annotations

import json

import pytest
from ingest_files import penalty_2, uscc, write_csv
from typer.testing import CliRunner

from xinyong.cli import app

USCC = "行政相对人代码_1(统一社会信用代码)"


@pytest.fixture
def cli(sqlite_url, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout

    return run


def test_ingest_json_contract_and_idempotent_rerun(cli, tmp_path):
    bad = penalty_2(3, **{USCC: uscc(3)[:-1] + ("0" if uscc(3)[-1] != "0" else "1")})
    path = write_csv(tmp_path / "p.csv", [penalty_2(1), penalty_2(2), penalty_2(1), bad])
    code, out = cli("ingest", str(path), "--source", "津市监", "--json")
    assert code == 0
    first = json.loads(out)
    assert set(first) == {"batch", "read", "accepted", "corrected", "duplicates", "rejected"}
    assert (first["read"], first["accepted"], first["duplicates"], first["rejected"]) == (4, 2, 1, 1)
    code, out = cli("ingest", str(path), "--source", "津市监", "--json")
    again = json.loads(out)
    assert again["batch"] == first["batch"] + 1
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 3, 1)


def test_ingest_human_output_and_unreadable_file(cli, tmp_path):
    path = write_csv(tmp_path / "p.csv", [{**penalty_2(1), "额外": "x"}])
    code, out = cli("ingest", str(path), "--source", "s")
    assert code == 0 and "accepted 1" in out and "额外" in out
    missing = tmp_path / "nope.csv"
    code, out = cli("ingest", str(missing), "--source", "s", "--json")
    assert code == 2 and "no such file" in json.loads(out)["error"]["en"]


def test_quarantine_list_show_and_retry(cli, tmp_path):
    path = write_csv(
        tmp_path / "p.csv", [penalty_2(1, **{"处罚决定日期": "2023-02-30", "处罚机关": ""}), penalty_2(2)]
    )
    _, out = cli("ingest", str(path), "--source", "s", "--json")
    batch = json.loads(out)["batch"]
    code, out = cli("quarantine", "list", "--batch", str(batch), "--json")
    (row,) = json.loads(out)
    assert row["row_number"] == 2 and row["raw"]["处罚决定日期"] == "2023-02-30"
    assert {r["field"] for r in row["reasons"]} == {"decision_date", "authority"}
    code, out = cli("quarantine", "show", str(row["id"]), "--json")
    assert code == 0 and json.loads(out)["reasons"] == row["reasons"]

    # fix one of two problems: still rejected, reasons updated, exit 1
    code, out = cli("quarantine", "retry", str(row["id"]), "--set", "decision_date=2023-02-28", "--json")
    assert code == 1
    still = json.loads(out)
    assert still["status"] == "open" and [r["field"] for r in still["reasons"]] == ["authority"]
    # fix the other (by its Chinese header): accepted, resolved
    code, out = cli(
        "quarantine", "retry", str(row["id"]), "--set", "处罚机关=天津市和平区市场监督管理局", "--json"
    )
    assert code == 0
    done = json.loads(out)
    assert done["status"] == "resolved" and done["record_id"] and done["batch"] > batch
    _, out = cli("quarantine", "list", "--json")
    assert json.loads(out) == []
    _, out = cli("quarantine", "list", "--all", "--json")
    (resolved,) = json.loads(out)
    assert resolved["status"] == "resolved" and resolved["raw"]["处罚决定日期"] == "2023-02-28"
    code, out = cli("quarantine", "retry", str(row["id"]), "--json")
    assert code == 2  # already resolved


def test_quarantine_show_unknown_id(cli):
    code, out = cli("quarantine", "show", "999", "--json")
    assert code == 2 and "999" in json.loads(out)["error"]["en"]


def test_quarantine_accept_irregular_needs_a_reason_and_accepts_the_code_unchanged(cli, tmp_path):
    irregular = uscc(7)[:-1] + ("0" if uscc(7)[-1] != "0" else "1")
    path = write_csv(tmp_path / "p.csv", [penalty_2(7, **{USCC: irregular})])
    cli("ingest", str(path), "--source", "s", "--json")
    _, out = cli("quarantine", "list", "--json")
    (row,) = json.loads(out)
    code, out = cli(
        "quarantine", "accept-irregular", str(row["id"]), "--reason", "", "--officer", "heping", "--json"
    )
    assert code == 2 and json.loads(out)["error"]["en"]
    code, out = cli(
        "quarantine",
        "accept-irregular",
        str(row["id"]),
        "--reason",
        "核对原件",
        "--officer",
        "heping",
        "--json",
    )
    assert code == 0 and json.loads(out)["status"] == "resolved"
    code, out = cli("quarantine", "export", str(tmp_path / "q.xlsx"), "--json")
    assert code == 0 and json.loads(out)["rows"] == 0  # nothing open any more
