"""The record lifecycle on every surface (issue 8): in the tenancy world each district's firm has a
repaired record, one under objection, one dated in the future and one whose publicity expired.

The route-by-route harness (test_every_route.py) already checks every route for the probing viewers
(the repaired and future records are secrets there; any body that shows the objection record must
mark it). This module adds what it does not cover: the city admin (who sees everything that has
happened, but nothing dated in the future), the marks themselves on each export of the firm's
archive for each viewer, and the CLI (which runs with the operator's rights).
"""

from __future__ import annotations

import json

import pytest
from tenancy_world import OBJECTION_MARKS, body_text, call
from typer.testing import CliRunner

from xinyong.cli import app as cli_app

EXPORTS = (
    "/api/v1/subjects/{sid}/archive",
    "/api/v1/subjects/{sid}/archive.csv",
    "/api/v1/subjects/{sid}/archive.xlsx",
    "/api/v1/subjects/{sid}/report.pdf",
    "/subjects/{sid}",
    "/c/{sid}",
)
# viewer → (sees the repaired record, sees the expired one) for the 和平 firm; nobody sees the future one.
SEES = {
    "city_admin": (True, True),
    "heping_officer": (True, True),
    "merchant": (True, True),
    "public": (False, False),
    "bank": (False, False),
    "department": (False, False),
}


def _body(world, viewer: str, url: str) -> tuple[int, str]:  # noqa: ANN001
    response = call(world, viewer, "GET", {"url": url, "params": {"purpose": "lifecycle"}})
    return response.status_code, body_text(response.content, response.headers.get("content-type", ""))


@pytest.mark.parametrize("viewer", sorted(SEES))
@pytest.mark.parametrize("template", EXPORTS)
def test_each_export_of_the_archive_for_each_viewer(world, viewer, template):
    hp = world.hp
    status, body = _body(world, viewer, template.format(sid=hp.firm_id))
    if viewer == "public" and template == "/subjects/{sid}":
        assert status == 303  # the console asks the public to log in; its card is /c/{id}
        return
    assert status == 200, body[:300]
    sees_repaired, sees_expired = SEES[viewer]
    is_card = template.startswith("/c/")
    assert hp.canaries["firm_future"] not in body  # not happened yet: nobody, the city included
    assert (hp.canaries["firm_repaired"] in body) is (sees_repaired and not is_card)  # the card is public
    assert (hp.canaries["firm_expired"] in body) is (sees_expired and not is_card)
    if hp.objection_text in body:
        assert any(mark in body for mark in OBJECTION_MARKS)
    if not template.endswith(".pdf"):  # the PDF prints texts of a few fields only
        assert hp.objection_text in body  # under objection: never hidden
    if sees_repaired and not is_card:
        assert "repaired" in body or "已修复" in body


def test_the_cli_shows_the_lifecycle_to_the_operator(world, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", world.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    hp = world.hp
    shown = runner.invoke(cli_app, ["subject", "show", hp.firm_id, "--json"])
    assert shown.exit_code == 0, shown.output
    statuses = {r["id"]: r["status"] for g in json.loads(shown.output)["groups"] for r in g["records"]}
    assert statuses[hp.record_ids["firm_repaired"]] == "repaired"
    assert statuses[hp.record_ids["firm_objection"]] == "objection"
    assert statuses[hp.record_ids["firm_expired"]] == "expired"
    assert hp.record_ids["firm_future"] not in statuses and hp.canaries["firm_future"] not in shown.output
    status = runner.invoke(cli_app, ["status", "show", hp.record_ids["firm_objection"], "--json"])
    assert status.exit_code == 0 and json.loads(status.output)["status_zh"] == "异议中"
    missing = runner.invoke(cli_app, ["status", "show", "no-such-record"])
    assert missing.exit_code == 1 and "no-such-record" in missing.output
