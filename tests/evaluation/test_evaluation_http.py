"""Evaluation API and console pages on the shared credit world: who may see what, reasons, explanations."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.evaluation import service

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def evaluated(_credit_world_module, tmp_path_factory):
    w = _credit_world_module
    snap = tmp_path_factory.mktemp("snap")
    runs = [
        service.evaluate(w.engine, model_id="city_enterprise", as_of=day, snapshot_dir=snap)
        for day in (dt.date(2025, 3, 31), dt.date(2025, 6, 30))
    ]
    return w, runs


def test_public_grades_carry_reasons_but_no_explanation(credit_client, evaluated):
    client, _ = credit_client
    w, _ = evaluated
    r = client.get(f"/api/v1/subjects/{w.shop}/grades", params={"as_of": AS_OF, "explain": "true"})
    assert r.status_code == 200, r.text
    g = r.json()["grades"][0]
    assert g["model_id"] == "city_enterprise" and g["as_of"] == AS_OF and g["grade"] in {"A", "B", "C", "D"}
    assert g["reasons"] and "explanation" not in g


def test_officer_gets_what_would_change_it(credit_client, evaluated):
    client, auth = credit_client
    w, _ = evaluated
    r = client.get(
        f"/api/v1/subjects/{w.shop}/grades",
        params={"as_of": AS_OF, "explain": "true"},
        headers=auth["heping"],
    )
    x = r.json()["grades"][0]["explanation"]
    assert (
        x["grade"] == r.json()["grades"][0]["grade"]
    )  # the on-demand python engine agrees with the stored run
    assert {"repairs", "once_repaired", "positive_gains"} <= set(x)


def test_private_subject_is_404_and_bad_date_is_422(credit_client, evaluated):
    client, _ = credit_client
    w, _ = evaluated
    assert client.get(f"/api/v1/subjects/{w.person}/grades").status_code == 404
    assert client.get("/api/v1/subjects/NOPE/grades").status_code == 404
    r = client.get(f"/api/v1/subjects/{w.shop}/grades", params={"as_of": "2025-13-01"})
    assert r.status_code == 422 and "as_of" in r.text


def test_history_runs_and_distribution(credit_client, evaluated):
    client, auth = credit_client
    w, runs = evaluated
    hist = client.get(f"/api/v1/subjects/{w.shop}/grades/history").json()["history"]
    assert [h["as_of"] for h in hist] == ["2025-03-31", "2025-06-30"]
    assert client.get("/api/v1/evaluation/runs").status_code == 401
    listed = client.get("/api/v1/evaluation/runs", headers=auth["admin"]).json()["runs"]
    assert {r["run_id"] for r in listed} >= {r.run_id for r in runs}
    dist = client.get(
        "/api/v1/evaluation/distribution", params={"model": "city_enterprise"}, headers=auth["admin"]
    ).json()["series"]
    assert [d["as_of"] for d in dist] == ["2025-03-31", "2025-06-30"] and dist[-1]["total"] == runs[
        -1
    ].subjects
    narrowed = client.get(
        "/api/v1/evaluation/distribution",
        params={"model": "city_enterprise", "view_min_score": 101},
        headers=auth["admin"],
    ).json()["series"]
    assert narrowed[-1]["total"] == 0  # a display filter, the stored grades are unchanged
    assert (
        client.get(
            "/api/v1/evaluation/distribution", params={"model": "city_enterprise"}, headers=auth["admin"]
        ).json()["series"]
        == dist
    )


def test_console_page_and_grade_card(credit_client, evaluated):
    client, auth = credit_client
    w, _ = evaluated
    r = client.get("/evaluation", follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/evaluation", params={"model": "city_enterprise"}, headers=auth["admin"])
    assert (
        page.status_code == 200
        and "/static/vendor/echarts.min.js" in page.text
        and 'id="distribution"' in page.text
    )
    card = client.get(
        f"/evaluation/card/{w.xss}",
        params={"model": "city_enterprise", "as_of": AS_OF},
        headers=auth["heping"],
    )
    assert card.status_code == 200 and "What would change it" in card.text and "grade-card" in card.text
    assert "<script>alert" not in card.text
