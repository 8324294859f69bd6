"""`xinyong subject list|show`: the operator's full view, JSON equal to the API's shape."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.accounts.models import AccessLog
from xinyong.cli import app
from xinyong.store.db import session_scope


def _run(db_url: str, *args: str):
    return CliRunner().invoke(app, list(args), env={"XINYONG_DATABASE_URL": db_url})


def test_subject_list_json_filters(credit_world):
    r = _run(credit_world.url, "subject", "list", "--district", "120101", "--json")
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    # The operator sees the natural person too (full view), unmasked.
    assert {i["id"] for i in body["items"]} == {credit_world.shop, credit_world.person, credit_world.xss}
    assert "王大锤" in {i["name"] for i in body["items"]}
    r = _run(credit_world.url, "subject", "list", "--kind", "person", "--limit", "1", "--json")
    assert [i["id"] for i in json.loads(r.output)["items"]] == [credit_world.person]


def test_subject_show_json_is_the_full_archive_and_logged(credit_world):
    r = _run(credit_world.url, "subject", "show", credit_world.shop, "--as-of", "2025-06-30", "--json")
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    sources = {rec["source_record_id"]: rec["status"] for g in body["groups"] for rec in g["records"]}
    assert body["view"] == "full" and sources["P-EXPIRED"] == "expired" and "INS-GOV" in sources
    assert body["subject"]["legal_rep"] == "张小明"
    with session_scope(credit_world.engine) as s:
        assert [(a.username, a.surface) for a in s.scalars(select(AccessLog))] == [
            ("cli", "cli:subject-show")
        ]


def test_subject_show_errors(credit_world):
    assert _run(credit_world.url, "subject", "show", "NOPE", "--as-of", "2025-06-30").exit_code == 1
    bad = _run(credit_world.url, "subject", "show", credit_world.shop, "--as-of", "30/06/2025")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_subject_show_text_summary(credit_world):
    r = _run(credit_world.url, "subject", "show", credit_world.shop, "--as-of", "2025-06-30")
    assert r.exit_code == 0 and "行政处罚" in r.output and "expired" in r.output


def test_subject_list_table_keeps_ids_whole_at_80_columns(credit_world):
    r = CliRunner().invoke(
        app, ["subject", "list"], env={"XINYONG_DATABASE_URL": credit_world.url, "COLUMNS": "80"}
    )
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    for sid in (credit_world.shop, credit_world.person, credit_world.hexi, credit_world.xss):
        assert sid in r.output  # on one line, not cut with an ellipsis
