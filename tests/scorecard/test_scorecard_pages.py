"""The console shows saved scorecard reports to officers, with bins, groups and plots; others are refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from xinyong.scorecard.service import train_csv

DATA = Path(__file__).with_name("data") / "germancredit.csv"


@pytest.fixture
def client_with_report(credit_client, tmp_path):
    client, auth = credit_client
    frame = pd.read_csv(DATA)[["status_of_existing_checking_account", "duration_in_month", "personal_status_and_sex",
                               "creditability"]]  # fmt: skip
    frame.loc[0, "status_of_existing_checking_account"] = "<script>alert(1)</script>"
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    res = train_csv(
        path, target="creditability", bad="bad", seed=1, out_dir=tmp_path / "models", model_id="small_card"
    )
    state = client.app.state
    old = state.settings
    state.settings = dataclasses.replace(old, models_dir=tmp_path / "models")
    yield client, auth, res
    state.settings = old


def test_scorecard_pages(client_with_report):
    client, auth, res = client_with_report
    assert client.get("/scorecards", follow_redirects=False).status_code == 303
    assert client.get("/scorecards", headers=auth["shop"]).status_code == 403
    listing = client.get("/scorecards", headers=auth["admin"])
    assert listing.status_code == 200 and 'href="/scorecards/small_card"' in listing.text
    page = client.get("/scorecards/small_card", headers=auth["heping"])
    assert page.status_code == 200
    assert f"{res.metrics['auc']}" in page.text and "duration_in_month" in page.text and "WoE" in page.text
    assert (
        "personal_status_and_sex" in page.text
    )  # excluded protected attribute, shown with its group metrics
    assert "<script>alert" not in page.text
    png = client.get("/scorecards/small_card/roc.png", headers=auth["admin"])
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get("/scorecards/small_card/other.png", headers=auth["admin"]).status_code == 404
    assert client.get("/scorecards/..%2Fetc", headers=auth["admin"]).status_code == 404
    assert client.get("/scorecards/nope", headers=auth["admin"]).status_code == 404
