"""A district's subject list: defaults to the officer's district, grade and negative-record columns,
sorting and pagination; the public search pages through its results.

Expected negative counts come from the disclosure policy's Python reference (`record_visible`),
not from the SQL under test."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.disclosure.policy import Viewer, record_visible
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-id="([^"]+)">(.*?)</tr>', html, re.S))


def _expected_negatives(engine, viewer: Viewer, today: dt.date) -> dict[str, int]:
    with Session(engine) as s:
        subjects = {x.id: x for x in s.scalars(select(Subject))}
        out = dict.fromkeys(subjects, 0)
        for r in s.scalars(select(Record)):
            in_publicity = r.publicity_until is None or r.publicity_until >= today
            if (
                r.polarity == "negative"
                and in_publicity
                and record_visible(viewer, r, subjects[r.subject_id], today)
            ):
                out[r.subject_id] += 1
    return out


def test_officer_list_defaults_to_own_district_with_columns(credit_client, credit_world):
    client, auth = credit_client
    own = client.get("/subjects", headers=auth["heping"])
    assert own.status_code == 200
    rows = _rows(own.text)
    with Session(credit_world.engine) as s:
        heping_ids = set(s.scalars(select(Subject.id).where(Subject.district_code == "120101")))
    assert set(rows) == heping_ids and credit_world.hexi not in rows
    everywhere = _rows(client.get("/subjects", params={"district": ""}, headers=auth["heping"]).text)
    assert credit_world.hexi in everywhere  # 全部: the city-wide list is one choice away
    # The admin has no district: the whole city by default.
    assert credit_world.hexi in _rows(client.get("/subjects", headers=auth["admin"]).text)

    viewer = Viewer(role="district_officer", username="heping", district_code="120101")
    expected = _expected_negatives(credit_world.engine, viewer, clock.today())
    for sid, row in rows.items():
        shown = re.search(r'class="num negatives">(\d+)<', row).group(1)
        assert int(shown) == expected[sid], sid
    by_negatives = list(
        _rows(client.get("/subjects", params={"sort": "negatives"}, headers=auth["heping"]).text)
    )
    counts = [expected[sid] for sid in by_negatives]
    assert counts == sorted(counts, reverse=True)


def test_subject_list_pages(credit_client, credit_world, monkeypatch):
    from xinyong.archive import pages

    client, auth = credit_client
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    first = client.get("/subjects", params={"district": ""}, headers=auth["admin"]).text
    assert "第 1 / 2 页" in first and 'id="prev-page"' not in first
    next_url = re.search(r'href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url, headers=auth["admin"]).text
    assert "第 2 / 2 页" in second and 'id="next-page"' not in second
    assert set(_rows(first)).isdisjoint(_rows(second))
    assert len(_rows(first)) + len(_rows(second)) == 4  # the four subjects of the credit world


def test_public_search_pages(credit_client, credit_world, monkeypatch):
    from xinyong.public import pages

    client, _ = credit_client
    monkeypatch.setattr(pages, "SEARCH_LIMIT", 1)
    first = client.get("/public", params={"q": "示范"}).text
    assert "共 2 条" in first and "第 1–1 条" in first
    next_url = re.search(r'href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).text
    assert "第 2–2 条" in second and 'id="next-page"' not in second and 'id="prev-page"' in second
    names = re.findall(r'<li><a href="/c/([^"]+)">', first) + re.findall(r'<li><a href="/c/([^"]+)">', second)
    assert sorted(names) == sorted([credit_world.shop, credit_world.hexi])
