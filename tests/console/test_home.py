"""Console home page on a small demo build."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient

from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo
from xinyong.programmes.service import load_programmes
from xinyong.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from xinyong.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('home') / 'demo.db'}"
    build_demo(url=url, config=DemoConfig(scale=0.02))
    with TestClient(create_app(dataclasses.replace(Settings.from_env(), database_url=url))) as c:
        yield c


def test_home_shows_sixteen_districts_with_counts(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    rows = re.findall(r'<tr data-district="(\d{6})">(.*?)</tr>', html, re.S)
    assert [code for code, _ in rows] == [p.district.code for p in load_programmes()]
    for code, row in rows:
        subjects = int(re.search(r'class="num subjects">([\d,]+)<', row).group(1).replace(",", ""))
        records = int(re.search(r'class="num records">([\d,]+)<', row).group(1).replace(",", ""))
        assert subjects > 0 and records > 0, code
    for p in load_programmes():
        assert p.plan.title in html and p.district.name in html
        assert (p.pilot.carrier.name if p.pilot.carrier else p.plan.carrier) in html


def test_home_chart_is_vendored_and_fed_from_the_store(client):
    html = client.get("/").text
    assert "/static/vendor/echarts.min.js" in html and "cdn" not in html.lower()
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S).group(1)
    import json

    chart = json.loads(data)
    assert len(chart["districts"]) == 16 and all(n > 0 for n in chart["records"])
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    assert client.get("/static/home.js").status_code == 200


def test_home_on_an_empty_store_shows_zeros(tmp_path):
    from xinyong.app import create_app
    from xinyong.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    with TestClient(create_app(dataclasses.replace(Settings.from_env(), database_url=url))) as c:
        html = c.get("/").text
    assert re.search(r'id="total-records">0<', html) and html.count("data-district=") == 16
