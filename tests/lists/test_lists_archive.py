"""List memberships on the archive with their history, as each viewer may see them (docs/disclosure.md:
public lists for anyone who may see the subject; non-public lists for the city, banks, the subject's own
district office and the subject itself)."""

from __future__ import annotations

import datetime as dt

import pytest
from lists_world import add_run, build

from xinyong.archive.service import ARCHIVE_SECTIONS
from xinyong.disclosure.policy import PUBLIC, Viewer
from xinyong.lists import service
from xinyong.lists.sections import archive_section
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

D1, D2 = dt.date(2026, 7, 15), dt.date(2026, 10, 31)
HEPING = Viewer(role="district_officer", district_code="120101", user_id="1")
XIQING = Viewer(role="district_officer", district_code="120111", user_id="2")
HEXI = Viewer(role="district_officer", district_code="120103", user_id="3")


@pytest.fixture
def world(engine):
    build(engine)
    with session_scope(engine) as s:
        service.sync(s, list_id="red_honest", as_of=D1)
        service.sync(s, list_id="focus_watch", as_of=D1)
    with session_scope(engine) as s:
        add_run(s, "run2", dt.date(2026, 9, 30), {"E1": "B", "E3": "A"}, dt.datetime(2026, 10, 1))
    with session_scope(engine) as s:
        service.sync(s, list_id="red_honest", as_of=D2)
    return engine


def _lists_block(engine, subject_id: str, as_of: dt.date, viewer: Viewer) -> list[tuple[str, str]]:
    """The archive's lists block (the hook the archive calls; this world's grade runs carry no model
    spec, so the whole archive cannot be built here)."""
    assert "xinyong.lists.sections" in ARCHIVE_SECTIONS
    with session_scope(engine) as s:
        block = archive_section(s, subject=s.get(Subject, subject_id), as_of=as_of, viewer=viewer)
    return [(it["label"], it["value"]) for it in (block or {}).get("items", [])]


def test_an_exit_stays_on_the_archive_with_its_dates(world):
    # E1 entered the red list on D1 and lapsed on D2 (grade B): by hand, "已移出 exited · 2026-07-15 至 2026-10-31".
    assert _lists_block(world, "E1", D2, PUBLIC) == [
        ("守信激励 · 诚信红名单", "已移出 exited · 2026-07-15 至 2026-10-31")
    ] or [v for _, v in _lists_block(world, "E1", D2, PUBLIC)] == ["已移出 exited · 2026-07-15 至 2026-10-31"]
    # as of a day in between it was in force; before D1 there was nothing to show
    assert [v for _, v in _lists_block(world, "E1", dt.date(2026, 8, 1), HEPING)] == [
        "在列 active · 2026-07-15 至 2026-10-31"
    ]
    assert _lists_block(world, "E1", dt.date(2026, 7, 1), HEPING) == []


def test_a_non_public_list_only_for_those_the_policy_admits(world):
    # E5 (西青, grade C) is on the focus list (非公开): its district office sees it, 河西's office and the public do not.
    assert [v.split(" · ")[0] for _, v in _lists_block(world, "E5", D2, XIQING)] == ["在列 active"]
    assert _lists_block(world, "E5", D2, HEXI) == []
    assert _lists_block(world, "E5", D2, PUBLIC) == []
