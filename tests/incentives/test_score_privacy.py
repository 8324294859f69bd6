"""A person's score (person_haihe) is seen by the person and by a holder of the person's live grant,
on every surface that shows evaluation results; nobody else sees it (evaluation/privacy.py).

The sweep reads each surface over HTTP as the city administrator, the person's district office, another
district office, a bank without a grant and a bank with a grant, and looks for the score (685, by hand
from models/person_haihe.yaml: a person with no record scores 400 + 120 + 120 + 45), the model id and
its name. The SQL form of the decision is checked against the Python reference on a grid of grants."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from helpers.http import app_client
from helpers.world import add_subject, add_user, bearer
from xinyong.accounts.models import AccessLog, User
from xinyong.accounts.service import viewer_for
from xinyong.disclosure.policy import OPERATOR, Viewer
from xinyong.evaluation import privacy
from xinyong.evaluation.models import EvaluationResult
from xinyong.incentives.models import ScoreGrant

AS_OF = dt.date(2025, 6, 1)
SCORE = 400 + 120 + 120 + 45  # 685: a clean person, by hand from the model's bases and weights
MARKERS = ("person_haihe", "海河分")


def _shows_score(text: str) -> bool:
    if any(m in text for m in MARKERS):
        return True
    return re.search(rf"(?<![0-9A-Za-z_\-.]){SCORE}(?![0-9A-Za-z_\-])", text) is not None


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(
        " ".join(str(c) for c in row if c is not None)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


@pytest.fixture
def http(engine, db_url, tmp_path):
    from xinyong.evaluation import service as evaluation

    auth = {}
    with Session(engine) as s, s.begin():
        add_subject(s, "P1", kind="person", district="120118")
        auth["admin"] = bearer(s, "admin", "city_admin")
        auth["jinghai"] = bearer(s, "jinghai", "district_officer", district_code="120118")
        auth["hexi"] = bearer(s, "hexi", "district_officer", district_code="120103")
        auth["bank"] = bearer(s, "bank", "bank")
        auth["bank2"] = bearer(s, "bank2", "bank")
        auth["me"] = bearer(s, "me_person", "subject", subject_id="P1")
    evaluation.evaluate(engine, model_id="person_haihe", as_of=AS_OF, snapshot_dir=tmp_path / "snap")
    with Session(engine) as s:
        grade = s.scalar(select(EvaluationResult.grade).where(EvaluationResult.subject_id == "P1"))
        assert s.scalar(select(EvaluationResult.score).where(EvaluationResult.subject_id == "P1")) == SCORE
    with app_client(db_url) as client:
        yield client, auth, grade


def _surfaces(client: TestClient, headers: dict, grade: str) -> dict[str, tuple[int, str]]:
    day = AS_OF.isoformat()
    out = {}
    for name, url, params in (
        ("archive page", "/subjects/P1", {}),
        ("archive api", "/api/v1/subjects/P1/archive", {}),
        ("archive csv", "/api/v1/subjects/P1/archive.csv", {}),
        ("grades api", "/api/v1/subjects/P1/grades", {"explain": "true"}),
        ("grade history", "/api/v1/subjects/P1/grades/history", {}),
        ("grade card", "/evaluation/card/P1", {"model": "person_haihe", "as_of": day}),
        ("list by grade", "/api/v1/subjects", {"grade": grade, "kind": "person"}),
        ("list csv by grade", "/api/v1/subjects.csv", {"grade": grade, "kind": "person"}),
        ("benefits api", "/api/v1/subjects/P1/benefits", {"as_of": day}),
        ("benefits page", "/benefits/P1", {"as_of": day}),
        ("score api", "/api/v1/persons/P1/score", {"as_of": day}),
        ("bank score page", "/bank/persons/P1/score", {"as_of": day}),
        ("bank grants page", "/bank/persons", {}),
    ):
        r = client.get(url, params=params, headers=headers)
        out[name] = (r.status_code, r.text)
    r = client.get("/api/v1/subjects/P1/archive.xlsx", headers=headers)
    out["archive xlsx"] = (r.status_code, _xlsx_text(r.content) if r.status_code == 200 else r.text)
    return out


def _listed(text: str) -> bool:
    return "P1" in text


def _grant(client: TestClient, auth: dict, grantee: str) -> None:
    """The person grants `grantee` a 30-day read of the score for 贷款审查."""
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    r = client.post(
        "/api/v1/persons/P1/score-grants",
        json={"grantee": grantee, "purpose": "贷款审查", "expires_at": expires},
        headers=auth["me"],
    )
    assert r.status_code == 201, r.text


def test_nobody_but_the_person_sees_the_score_without_a_grant(http):
    client, auth, grade = http
    for who in ("admin", "jinghai", "hexi", "bank"):
        for surface, (status, text) in _surfaces(client, auth[who], grade).items():
            assert not _shows_score(text), (who, surface, status)
            if surface.startswith("list"):
                assert not _listed(text), (who, surface)
    # the city and the person's district still see the person and its other facts
    admin = client.get("/subjects/P1", headers=auth["admin"])
    assert admin.status_code == 200 and "测试P1" in admin.text
    # the person sees it everywhere the person may look
    mine = _surfaces(client, auth["me"], grade)
    for surface in ("archive page", "archive api", "grades api", "grade history", "grade card", "score api"):
        assert mine[surface][0] == 200 and _shows_score(mine[surface][1]), surface
    assert _listed(mine["list by grade"][1])
    assert client.get("/api/v1/subjects/P1/grades", headers=auth["me"]).json()["grades"][0]["score"] == SCORE


def test_a_grant_lets_exactly_its_holder_see_and_every_read_is_logged(http, engine):
    client, auth, grade = http
    for grantee in ("bank", "jinghai"):
        _grant(client, auth, grantee)
    bank = client.get("/api/v1/persons/P1/score", params={"as_of": AS_OF.isoformat()}, headers=auth["bank"])
    assert bank.status_code == 200 and bank.json()["score"] == SCORE
    page = client.get("/bank/persons/P1/score", params={"as_of": AS_OF.isoformat()}, headers=auth["bank"])
    assert page.status_code == 200 and _shows_score(page.text) and "贷款审查" in page.text
    held = client.get("/bank/persons", headers=auth["bank"])
    assert held.status_code == 200 and "/bank/persons/P1/score" in held.text and "贷款审查" in held.text
    # the district office holding a grant sees it on the archive, the grades API and the list filter
    officer = _surfaces(client, auth["jinghai"], grade)
    for surface in ("archive page", "archive api", "grades api", "grade history", "grade card"):
        assert officer[surface][0] == 200 and _shows_score(officer[surface][1]), surface
    assert _listed(officer["list by grade"][1])
    # nobody else gained anything
    for who in ("admin", "hexi", "bank2"):
        for surface, (status, text) in _surfaces(client, auth[who], grade).items():
            assert not _shows_score(text), (who, surface, status)
    with Session(engine) as s:
        logged = s.scalars(
            select(AccessLog).where(AccessLog.subject_id == "P1", AccessLog.purpose == "贷款审查")
        ).all()
        assert {row.username for row in logged} == {"bank", "jinghai"}
        # a revoked grant: the bank page answers as for an unknown person
        g = s.scalar(select(ScoreGrant).where(ScoreGrant.grantee_user_id == _uid(s, "bank")))
    r = client.post(f"/api/v1/score-grants/{g.id}/revoke", headers=auth["me"])
    assert r.status_code == 200
    gone = client.get("/bank/persons/P1/score", headers=auth["bank"])
    unknown = client.get("/bank/persons/NOPE/score", headers=auth["bank"])
    assert gone.status_code == unknown.status_code == 404


def _uid(s: Session, username: str) -> int:
    return s.scalar(select(User.id).where(User.username == username))


NOW = dt.datetime(2025, 6, 1, 4, 0)


@pytest.mark.parametrize(
    ("granted", "expires", "revoked"),
    [
        (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1), None),  # live
        (NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1), None),  # expired
        (NOW - dt.timedelta(days=1), NOW, None),  # expires exactly now: ended
        (NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=1), None),  # not yet
        (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1), NOW - dt.timedelta(hours=1)),  # revoked
    ],
)
def test_sql_filter_agrees_with_the_reference(sqlite_engine, granted, expires, revoked):
    live = revoked is None and granted <= NOW < expires  # the rule's text, by hand
    with Session(sqlite_engine) as s, s.begin():
        add_subject(s, "P1", kind="person")
        add_subject(s, "P2", kind="person")
        add_subject(s, "E1")
        uid = add_user(s, "holder", "bank")
        add_user(s, "other", "city_admin")
        add_user(s, "self1", "subject", subject_id="P1")
        s.add(
            ScoreGrant(
                subject_id="P1",
                grantee_user_id=uid,
                purpose="p",
                granted_by="t",
                granted_at=granted,
                expires_at=expires,
                revoked_at=revoked,
            )
        )
        s.flush()
        viewers = [
            viewer_for(s.scalar(select(User).where(User.username == n))) for n in ("holder", "other", "self1")
        ]
        viewers += [OPERATOR, Viewer.PUBLIC]
        pairs = [(sid, m) for sid in ("P1", "P2", "E1") for m in ("person_haihe", "city_enterprise")]
        rows = union_all(
            *(select(literal(sid).label("sid"), literal(m).label("mid")) for sid, m in pairs)
        ).subquery()
        for v in viewers:
            sql = set(
                s.execute(
                    select(rows.c.sid, rows.c.mid).where(
                        privacy.result_filter(v, model_id=rows.c.mid, subject_id=rows.c.sid, now=NOW)
                    )
                ).all()
            )
            ref = {
                (sid, m)
                for sid, m in pairs
                if privacy.result_access(s, viewer=v, subject_id=sid, model_id=m, now=NOW).allowed
            }
            assert sql == ref, v
            # and both say what the rule says
            expected = {(sid, m) for sid, m in pairs if m != "person_haihe"}
            if v.username == "self1":
                expected.add(("P1", "person_haihe"))
            if v.username == "holder" and live:
                expected.add(("P1", "person_haihe"))
            assert ref == expected, v


def test_no_score_threshold_counts_of_persons(http):
    """The grade distribution of person_haihe shows counts by grade only: counting the persons of a
    district above a moving score threshold (`view_min_score`) would tell P1's score (1 at 685, 0 at
    686), so it is refused for every viewer; the counts by grade stay."""
    client, auth, grade = http
    for who in ("admin", "jinghai", "bank", "me"):
        for threshold in ("685", "686"):
            r = client.get(
                "/api/v1/evaluation/distribution",
                params={"model": "person_haihe", "district": "120118", "view_min_score": threshold},
                headers=auth[who],
            )
            assert r.status_code == 422 and "view_min_score" in r.text, who
            assert "个人信用积分" in r.json()["detail"] and "person's credit score" in r.json()["detail"]
    r = client.get(
        "/api/v1/evaluation/distribution",
        params={"model": "person_haihe", "district": "120118"},
        headers=auth["admin"],
    )
    assert r.status_code == 200 and r.json()["series"][-1]["grades"][grade] == 1
    firm = client.get(
        "/api/v1/evaluation/distribution",
        params={"model": "city_enterprise", "view_min_score": "60"},
        headers=auth["admin"],
    )
    assert firm.status_code == 200


def test_a_use_of_a_score_gated_benefit_is_listed_only_to_who_may_read_the_score(http, engine):
    """A recorded use of 静海's ≥ 700 discount says the person scored at least 700: the uses list shows
    it only to a holder of the person's grant; a firm-scenario use stays visible to officers."""
    from xinyong.incentives import service

    client, auth, _grade = http
    with Session(engine) as s, s.begin():
        add_subject(s, "E1", district="120118")
        for scenario, sid in (("jinghai_haihe_discount", "P1"), ("hebei_tolerant_acceptance", "E1")):
            service.record_benefit_use(
                s, scenario_id=scenario, subject_id=sid, actor="静海区商务局", idempotency_key=f"k-{sid}"
            )

    def listed(who: str) -> set[str]:
        r = client.get("/api/v1/benefit-uses", headers=auth[who])
        assert r.status_code == 200, r.text
        return {u["subject_id"] for u in r.json()}

    assert listed("admin") == {"E1"}
    assert listed("jinghai") == set()  # its district has no 河北 use; P1's is withheld
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    r = client.post(
        "/api/v1/persons/P1/score-grants",
        json={"grantee": "jinghai", "purpose": "优惠核验", "expires_at": expires},
        headers=auth["me"],
    )
    assert r.status_code == 201, r.text
    assert listed("jinghai") == {"P1"} and listed("admin") == {"E1"}


def test_one_view_of_the_archive_page_is_one_logged_read(http, engine):
    """A grant holder opening the person's archive page reads the score once and is logged once: one row
    for the page (console:archive, the request's purpose) and one for the personal result read under the
    grant (the grant's purpose) — not one per internal read of the grades (the page draws the grade list
    and the grade cards from one read)."""
    client, auth, _ = http
    _grant(client, auth, "jinghai")

    def rows() -> list[tuple[str, str, str | None]]:
        with Session(engine) as s:
            logged = s.scalars(select(AccessLog).where(AccessLog.subject_id == "P1").order_by(AccessLog.id))
            return [(a.surface, a.purpose, a.detail.get("what")) for a in logged]

    before = rows()
    view = {"as_of": AS_OF.isoformat(), "purpose": "核查"}
    page = client.get("/subjects/P1", params=view, headers=auth["jinghai"])
    assert page.status_code == 200 and _shows_score(page.text)
    new = rows()[len(before) :]
    assert sorted(new) == sorted(
        [("console:archive", "核查", None), ("grades", "贷款审查", "grade:person_haihe")]
    ), new
    # a second view is a second read: logged again, once
    assert client.get("/subjects/P1", params=view, headers=auth["jinghai"]).status_code == 200
    assert rows()[len(before) + 2 :] == new


def test_a_report_issued_under_a_grant_verifies_as_unchanged_and_reads_no_grant(http, engine):
    """The register keeps the issuer's role, not who it was: verification used to rebuild the archive
    without the score the grant holder saw and call every such report "changed". Now it compares with
    the archive the role alone saw at issue, reads no grant and logs nothing; a new record still shows."""
    from helpers.world import add_record

    client, auth, _grade = http
    _grant(client, auth, "jinghai")
    pdf = client.get(
        "/api/v1/subjects/P1/report.pdf", params={"as_of": AS_OF.isoformat()}, headers=auth["jinghai"]
    )
    assert pdf.status_code == 200
    number = pdf.headers["X-Report-Number"]
    with Session(engine) as s:
        logs_before = s.scalars(select(AccessLog.id)).all()

    def verify() -> dict:
        return client.get("/api/v1/reports/verify", params={"number": number}).json()  # no login

    first = verify()
    assert first["status"] == "valid" and first["changed_since_issue"] is False, first
    assert "经本人授权查询的内容不在核验范围内" in first["message"]
    assert not _shows_score(str(first))
    with Session(engine) as s:
        assert s.scalars(select(AccessLog.id)).all() == logs_before  # no grant read in anybody's name
    # the city's report of the same person (no score in it) has nothing bound to its issuer
    city = client.get(
        "/api/v1/subjects/P1/report.pdf", params={"as_of": AS_OF.isoformat()}, headers=auth["admin"]
    )
    assert city.headers["X-Report-Number"] != number
    city_check = client.get(
        "/api/v1/reports/verify", params={"number": city.headers["X-Report-Number"]}
    ).json()
    assert city_check["changed_since_issue"] is False and "授权" not in city_check["message"]
    # a penalty published later about the report's period: the archive changed, and verification says so
    with Session(engine) as s, s.begin():
        add_record(s, "late_penalty", "P1", "penalty", AS_OF - dt.timedelta(days=10), severity="general")
    assert verify()["changed_since_issue"] is True
