"""`xinyong explain` and a person's score (evaluation/privacy.py): the CLI operator is nobody.

A person's explanation (person_haihe) is printed only with an identity the privacy rule accepts —
`--user` the person's own login, or `--grant` a live grant of the person (the read is logged with the
grant's purpose); otherwise it is refused, exit 2, and nothing of the score is printed. The score of a
clean person is 685 (400 + 120 + 120 + 45, by hand from models/person_haihe.yaml, as in
tests/incentives/test_score_privacy.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.accounts.models import AccessLog
from xinyong.accounts.service import create_user
from xinyong.cli import app
from xinyong.incentives.models import ScoreGrant
from xinyong.subjects.models import Subject

AS_OF = "2025-06-01"
SCORE = 400 + 120 + 120 + 45
T0 = dt.datetime(2024, 1, 1)


def _subject(s: Session, sid: str, kind: str) -> None:
    s.add(
        Subject(
            id=sid,
            kind=kind,
            name=f"测试{sid}",
            district_code="120118",
            attributes={},
            source="test",
            first_seen=T0,
            last_seen=T0,
        )
    )
    s.flush()


def _grant(s: Session, sid: str, uid: int, *, days: int, revoked: bool = False) -> int:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    g = ScoreGrant(
        subject_id=sid,
        grantee_user_id=uid,
        purpose="贷款审查",
        granted_by="P1",
        granted_at=now - dt.timedelta(days=2),
        expires_at=now + dt.timedelta(days=days),
        revoked_at=now - dt.timedelta(hours=1) if revoked else None,
    )
    s.add(g)
    s.flush()
    return g.id


@pytest.fixture
def cli(monkeypatch, sqlite_url, sqlite_engine):
    ids = {}
    with Session(sqlite_engine) as s, s.begin():
        for sid, kind in (("P1", "person"), ("P2", "person"), ("E1", "enterprise")):
            _subject(s, sid, kind)
        user = {}
        for name, role, kw in (
            ("me_person", "subject", {"subject_id": "P1"}),
            ("bank", "bank", {}),
            ("bank2", "bank", {}),
            ("admin", "city_admin", {}),
        ):
            user[name] = create_user(s, username=name, role=role, password=None, now=T0, **kw).id
        ids["live"] = _grant(s, "P1", user["bank"], days=30)
        ids["revoked"] = _grant(s, "P1", user["bank2"], days=30, revoked=True)
        ids["expired"] = _grant(s, "P1", user["bank2"], days=-1)
        ids["other"] = _grant(s, "P2", user["bank2"], days=30)
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["explain", *args, "--as-of", AS_OF])

    return run, ids, sqlite_engine


def _logged(engine) -> list[AccessLog]:
    with Session(engine) as s:
        return list(s.scalars(select(AccessLog).where(AccessLog.subject_id == "P1")))


def test_without_an_identity_a_persons_score_is_refused(cli):
    run, _ids, engine = cli
    res = run("P1", "--model", "person_haihe")
    assert res.exit_code == 2
    assert "person_haihe" in res.output and "仅本人或持有本人有效授权者可见" in res.output
    assert "seen only by the person" in res.output and "--grant" in res.output and "--user" in res.output
    assert str(SCORE) not in res.output and '"score"' not in res.output
    # another person's login, an officer, a bank without a grant: refused the same way
    for user in ("bank2", "admin"):
        res = run("P1", "--model", "person_haihe", "--user", user)
        assert res.exit_code == 2 and str(SCORE) not in res.output, user
    assert _logged(engine) == []


def test_the_person_and_a_live_grant_holder_see_it_and_the_grant_read_is_logged(cli):
    run, ids, engine = cli
    mine = run("P1", "--model", "person_haihe", "--user", "me_person")
    assert mine.exit_code == 0, mine.output
    assert json.loads(mine.output)["score"] == SCORE
    assert _logged(engine) == []  # the person reading their own score is no grant read
    held = run("P1", "--model", "person_haihe", "--grant", str(ids["live"]))
    assert held.exit_code == 0, held.output
    assert json.loads(held.output)["score"] == SCORE
    [row] = _logged(engine)
    assert (row.username, row.purpose, row.surface) == ("bank", "贷款审查", "cli:explain")
    assert row.detail["grant_id"] == ids["live"] and row.detail["what"] == "explain:person_haihe"


def test_a_grant_that_is_not_live_or_not_on_the_person_is_refused(cli):
    run, ids, engine = cli
    for grant in ("revoked", "expired"):
        res = run("P1", "--model", "person_haihe", "--grant", str(ids[grant]))
        assert res.exit_code == 2 and str(SCORE) not in res.output, grant
    res = run("P1", "--model", "person_haihe", "--grant", str(ids["other"]))  # a grant on P2
    assert res.exit_code == 1 and "P1" in res.output and str(SCORE) not in res.output
    res = run("P1", "--model", "person_haihe", "--grant", "999")
    assert res.exit_code == 1
    res = run("P1", "--model", "person_haihe", "--grant", str(ids["live"]), "--user", "bank")
    assert res.exit_code == 2 and "--grant" in res.output
    assert _logged(engine) == []


def test_other_models_need_no_identity(cli):
    run, _ids, _engine = cli
    res = run("E1", "--model", "city_enterprise")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["grade"]


def test_evaluate_writes_no_file_of_persons_scores(cli, tmp_path):
    """`xinyong evaluate --out` would hand every person's score to whoever runs it: refused for a personal
    model before anything is computed; the run itself (results stored, read through privacy) is fine."""
    from xinyong.cli import app

    runner = CliRunner()
    out = tmp_path / "scores.parquet"
    snap = ["--snapshot", str(tmp_path / "snap")]
    args = ["evaluate", "--model", "person_haihe", "--as-of", AS_OF, "--engine", "python", *snap]
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 1 and not out.exists()
    assert "person_haihe" in res.output and "--out" in res.output
    assert runner.invoke(app, args).exit_code == 0
    firm = runner.invoke(
        app, ["evaluate", "--model", "city_enterprise", "--as-of", AS_OF, *snap, "--out", str(out)]
    )
    assert firm.exit_code == 0, firm.output
    assert out.exists()
