"""Building the demo through the real pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo, district_counts, subject_count
from xinyong.programmes.service import load_districts
from xinyong.records.models import Record
from xinyong.store.db import make_engine
from xinyong.subjects.models import Subject

SMALL = DemoConfig(seed=2023, scale=0.02)


def ids(url: str) -> tuple[list[str], list[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        records = sorted(conn.execute(select(Record.id)).scalars())
        subjects = sorted(conn.execute(select(Subject.id)).scalars())
    engine.dispose()
    return subjects, records


def first_seen(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        stamps = sorted(conn.execute(select(Subject.first_seen)).scalars())
    engine.dispose()
    return stamps


def test_small_build_covers_sixteen_districts_and_rebuild_adds_nothing(db_url):
    report = build_demo(url=db_url, config=SMALL, fresh=False)
    assert report.rejected == 0 and report.records > 0
    engine = make_engine(db_url)
    counts = district_counts(engine)
    assert {d.code for d in load_districts()} <= set(counts)
    assert all(subjects > 0 and records > 0 for subjects, records in counts.values())
    with engine.connect() as conn:
        parents = conn.execute(
            select(func.count()).select_from(Subject).where(Subject.parent_id.is_not(None))
        ).scalar_one()
        pilots = conn.execute(
            select(func.count()).select_from(Subject).where(Subject.pilot.is_not(None))
        ).scalar_one()
    assert parents > 0 and pilots == report.subjects
    assert {"admin", "heping", "merchant"} <= set(report.accounts)  # demo logins, merchant bound to a subject
    before = ids(db_url)
    again = build_demo(url=db_url, config=SMALL, fresh=False)
    assert again.records == 0 and again.duplicates == report.records and again.accounts == []
    assert ids(db_url) == before
    engine.dispose()


def test_same_seed_same_hashes_other_seed_other_hashes(tmp_path):
    urls = [f"sqlite:///{tmp_path / name}.db" for name in ("a", "b", "c")]
    build_demo(url=urls[0], config=SMALL)
    build_demo(url=urls[1], config=SMALL)
    build_demo(url=urls[2], config=DemoConfig(seed=7, scale=0.02))
    assert ids(urls[0]) == ids(urls[1])
    assert set(ids(urls[0])[1]).isdisjoint(ids(urls[2])[1])


def test_sqlite_rebuild_recreates_from_scratch(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert subject_count(url) == 0
    first = build_demo(url=url, config=SMALL)
    second = build_demo(url=url, config=SMALL)
    assert second.records == first.records and subject_count(url) == first.subjects


def test_padding_to_a_total_adds_generic_subjects(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    pilots = build_demo(url=f"sqlite:///{tmp_path / 'p.db'}", config=SMALL).subjects
    report = build_demo(url=url, config=DemoConfig(seed=2023, scale=0.02, subjects=pilots + 160), chunk=50)
    assert report.subjects == pilots + 160 == subject_count(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        generic = conn.execute(
            select(Subject.district_code, func.count())
            .where(Subject.pilot.is_(None))
            .group_by(Subject.district_code)
        ).all()
    engine.dispose()
    assert len(generic) == 16 and {n for _, n in generic} == {10}


@pytest.mark.parametrize("args", [["demo", "build", "--scale", "0.02"]])
def test_cli_build(tmp_path, args):
    from typer.testing import CliRunner

    from xinyong.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, [*args, "--url", url])
    assert result.exit_code == 0, result.output
    assert subject_count(url) > 0


def test_cli_demo_builds_once_then_serves(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import xinyong.cli
    from xinyong.cli import app

    served = []
    monkeypatch.setattr(xinyong.cli, "serve", lambda **kw: served.append(kw))
    monkeypatch.setenv("XINYONG_DATABASE_URL", "sqlite:///unused.db")
    url = f"sqlite:///{tmp_path / 'var' / 'demo.db'}"
    args = ["demo", "--url", url, "--port", "8765", "--scale", "0.02"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    built = (ids(url), first_seen(url))
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert built[0][1] and (ids(url), first_seen(url)) == built  # served the existing data, rebuilt nothing
    assert served == [{"host": None, "port": 8765, "workers": 1}] * 2
