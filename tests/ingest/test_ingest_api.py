"""REST ingestion for departments (API key), batches, quarantine, and the console quarantine page."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from ingest_files import penalty_2, write_csv, write_xlsx
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.settings import Settings


@pytest.fixture
def api(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    settings = dataclasses.replace(
        Settings.from_env(), database_url=sqlite_url, secret_key="t", max_upload_mb=1
    )
    client = TestClient(create_app(settings))
    keys = {}
    with Session(sqlite_engine) as s:
        for name, role, kinds in (
            ("amr", "department", ["penalty"]),
            ("tax", "department", ["tax_grade"]),
            ("city", "city_admin", []),
        ):
            user = accounts.create_user(
                s,
                username=name,
                role=role,
                kinds=kinds,
                password=None,
                sources=["津市监"] if role == "department" else [],
            )
            keys[name] = {"Authorization": f"Bearer {accounts.issue_api_key(s, user=user, name='k')[0]}"}
        s.commit()
    client.keys = keys
    return client


def push(client, path, headers, **form):
    with open(path, "rb") as fh:
        return client.post(
            "/api/v1/ingest",
            files={"file": (path.name, fh)},
            data={"source": "津市监", **form},
            headers=headers,
        )


def test_department_pushes_a_file_and_reads_its_batch(api, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        [penalty_2(1), penalty_2(2), penalty_2(1, **{"处罚决定日期": "2023-02-30", "处罚决定书文号": "X9"})],
    )
    r = push(api, path, api.keys["amr"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ("read", "accepted", "duplicates", "rejected")} == {
        "read": 3,
        "accepted": 2,
        "duplicates": 0,
        "rejected": 1,
    }
    assert body["layout"] == "sgs_penalty_2"
    batch = api.get(f"/api/v1/ingest/batches/{body['batch']}", headers=api.keys["amr"])
    assert batch.status_code == 200 and batch.json()["accepted"] == 2
    assert api.get(f"/api/v1/ingest/batches/{body['batch']}", headers=api.keys["tax"]).status_code == 404

    rows = api.get("/api/v1/quarantine", headers=api.keys["amr"]).json()
    assert len(rows) == 1 and rows[0]["reasons"][0]["code"] == "date_impossible"
    assert api.get("/api/v1/quarantine", headers=api.keys["tax"]).json() == []  # not its batch
    qid = rows[0]["id"]
    assert (
        api.get(f"/api/v1/quarantine/{qid}", headers=api.keys["city"]).json()["raw"]["处罚决定书文号"] == "X9"
    )
    fixed = api.post(
        f"/api/v1/quarantine/{qid}/retry",
        json={"changes": {"decision_date": "2023-02-28"}},
        headers=api.keys["amr"],
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "resolved"
    again = api.post(f"/api/v1/quarantine/{qid}/retry", json={"changes": {}}, headers=api.keys["amr"])
    assert again.status_code == 409


def test_push_needs_a_department_key_for_that_kind(api, tmp_path):
    path = write_csv(tmp_path / "p.csv", [penalty_2(1)])
    assert push(api, path, {}).status_code == 401
    r = push(api, path, api.keys["tax"])
    assert r.status_code == 403 and "penalty" in r.json()["detail"]["en"]
    assert push(api, path, api.keys["city"]).status_code == 200


def test_oversized_and_unreadable_uploads(api, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"x" * (2 * 1024 * 1024))
    assert push(api, big, api.keys["amr"]).status_code == 413
    broken = write_xlsx(tmp_path / "p.xlsx", [penalty_2(i) for i in range(20)])
    broken.write_bytes(broken.read_bytes()[:3000])
    r = push(api, broken, api.keys["amr"])
    assert r.status_code == 422 and r.json()["detail"]["zh"] and "Excel" in r.json()["detail"]["en"]
    odd = write_csv(tmp_path / "odd.csv", [{"甲": "1"}])
    r = push(api, odd, api.keys["amr"])
    assert r.status_code == 422 and "--kind" in r.json()["detail"]["en"]


def test_console_quarantine_page_escapes_raw_text(api, tmp_path, sqlite_engine):
    html = "<script>alert(1)</script>"
    push(
        api,
        write_csv(tmp_path / "p.csv", [penalty_2(1, **{"处罚决定日期": "2023-02-30", "违法事实": html})]),
        api.keys["amr"],
    )
    assert api.get("/quarantine", follow_redirects=False).status_code == 303  # login first
    with Session(sqlite_engine) as s:
        accounts.create_user(s, username="admin1", role="city_admin", password="correct-horse-42")
        s.commit()
    page = api.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    api.post(
        "/login",
        data={"username": "admin1", "password": "correct-horse-42", "csrf_token": token, "next": "/"},
    )
    page = api.get("/quarantine")
    assert page.status_code == 200
    assert "日期不存在" in page.text and "impossible date" in page.text
    assert html not in page.text and "&lt;script&gt;" in page.text


def test_city_admin_accepts_an_irregular_code_through_the_api(api, tmp_path, sqlite_engine):
    import json
    import shutil
    from pathlib import Path

    from xinyong.ledger.service import iter_leaves
    from xinyong.subjects.models import Subject

    case = Path(__file__).parent / "data" / "real_files" / "xiamen_legacy_uscc_bad_checkchar.csv"
    path = tmp_path / case.name
    shutil.copy(case, path)
    body = push(api, path, api.keys["amr"], kind="penalty").json()
    assert body["rejected"] == 1
    (row,) = api.get("/api/v1/quarantine", headers=api.keys["city"]).json()
    url = f"/api/v1/quarantine/{row['id']}/accept-irregular"
    why = {"reason": "核对营业执照原件"}
    # Only the city administrator judges a registered code: the submitting department may not.
    assert api.post(url, json=why, headers=api.keys["amr"]).status_code == 403
    assert api.post(url, json={"reason": "  "}, headers=api.keys["city"]).status_code == 422
    assert api.post(url, json=why).status_code == 401  # no credentials
    r = api.post(url, json=why, headers=api.keys["city"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"
    with Session(sqlite_engine) as s:
        subject = s.query(Subject).filter(Subject.uscc == "91350203M0001QKT19").one()
        assert "irregular_code" in subject.attributes["flags"]
        events = [
            json.loads(x.data) for x in iter_leaves(s) if x.event_type == "subject.irregular_code_accepted"
        ]
        assert [(e["officer"], e["reason"]) for e in events] == [("city", "核对营业执照原件")]
    again = api.post(url, json=why, headers=api.keys["city"])
    assert again.status_code == 409 and "already" in again.json()["detail"]["en"]
    ghost = api.post("/api/v1/quarantine/999999/accept-irregular", json=why, headers=api.keys["city"])
    assert ghost.status_code == 404


def test_console_accept_irregular_form(api, tmp_path, sqlite_engine):
    import re
    import shutil
    from pathlib import Path

    from xinyong.subjects.models import Subject

    case = Path(__file__).parent / "data" / "real_files" / "xiamen_legacy_uscc_bad_checkchar.csv"
    path = tmp_path / case.name
    shutil.copy(case, path)
    push(api, path, api.keys["amr"], kind="penalty")
    (row,) = api.get("/api/v1/quarantine", headers=api.keys["city"]).json()
    with Session(sqlite_engine) as s:
        accounts.create_user(s, username="admin1", role="city_admin", password="correct-horse-42")
        s.commit()
    token = re.search(r'name="csrf_token" value="([^"]*)"', api.get("/login").text).group(1)
    api.post("/login", data={"username": "admin1", "password": "correct-horse-42", "csrf_token": token})
    page = api.get(f"/quarantine/{row['id']}")
    assert page.status_code == 200 and 'id="irregular-form"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    url = f"/quarantine/{row['id']}/accept-irregular"
    assert api.post(url, data={"reason": "核对原件"}).status_code == 403  # no CSRF token
    blank = api.post(url, data={"reason": " ", "csrf_token": token})
    assert blank.status_code == 422 and "理由" in blank.text
    done = api.post(url, data={"reason": "核对原件", "csrf_token": token})
    assert done.status_code == 200 and "不规范代码" in done.text
    with Session(sqlite_engine) as s:
        subject = s.query(Subject).filter(Subject.uscc == "91350203M0001QKT19").one()
        assert subject.attributes["irregular_code"]["officer"] == "admin1"
