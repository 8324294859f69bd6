"""Ingest in the browser (console forms, no JavaScript needed): a department uploads a GBK 双公示
file, sees the batch's counts and reasons, and an officer fixes one bad row and rejects another."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient
from ingest_files import penalty_2, write_csv, write_jsonl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.console import csrf_token, form_login
from xinyong.accounts import service as accounts
from xinyong.ingest.models import QuarantineRow
from xinyong.records.models import Record
from xinyong.settings import Settings

PASSWORD = "correct-horse-42"


@pytest.fixture
def app(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    settings = dataclasses.replace(
        Settings.from_env(), database_url=sqlite_url, secret_key="t", max_upload_mb=1
    )
    app = create_app(settings)
    with Session(sqlite_engine) as s:
        for name, role, kinds in (
            ("amr", "department", ["penalty"]),
            ("tax", "department", ["tax_grade"]),
            ("city", "city_admin", []),
            ("heping", "district_officer", []),
        ):
            accounts.create_user(
                s,
                username=name,
                role=role,
                kinds=kinds,
                password=PASSWORD,
                display_name="和平区市场监管局" if name == "amr" else None,
                sources={"amr": ["和平区市场监管局"], "tax": ["税务"]}.get(name, []),
                district_code="120101" if role == "district_officer" else None,
            )
        s.commit()
    return app


def login(app, username: str) -> TestClient:
    client = TestClient(app)
    form_login(client, username, PASSWORD, next_url="/")
    return client


def upload(client: TestClient, path, **form) -> tuple[object, str]:
    page = client.get("/ingest/upload")
    assert page.status_code == 200
    with path.open("rb") as fh:
        r = client.post(
            "/ingest/upload",
            files={"file": (path.name, fh)},
            data={"csrf_token": csrf_token(page.text, "/ingest/upload"), **form},
            follow_redirects=False,
        )
    return r, page.text


def finish(client: TestClient, response) -> str:
    """Wait for the job's thread (joined, not polled with sleeps), then read the status fragment."""
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[1]
    client.app.state.upload_jobs[job_id].thread.join(timeout=60)
    page = client.get(f"/ingest/jobs/{job_id}/status")
    assert page.status_code == 200
    assert "hx-trigger" not in page.text  # a finished job stops polling
    return page.text


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_department_uploads_gbk_file_and_officer_fixes_and_rejects(app, tmp_path, sqlite_engine):
    rows = [
        penalty_2(1),
        penalty_2(2),
        penalty_2(3, **{"处罚决定日期": "2023-02-30"}),  # impossible date
        penalty_2(4, **{"行政相对人代码_1(统一社会信用代码)": "91120101MA05XXXXX0"}),
    ]  # bad check char
    path = write_csv(tmp_path / "双公示处罚.csv", rows, encoding="gbk")
    amr = login(app, "amr")
    page = amr.get("/ingest/upload").text
    assert 'id="dropzone"' in page and 'type="file"' in page and "/static/upload.js" in page
    assert "和平区市场监管局" in page  # the source defaults to the department's name
    r, _ = upload(amr, path, source="和平区市场监管局")
    html = finish(amr, r)
    # Expected counts from the rows above: two good, two bad.
    assert counts(html) == {"read": 4, "accepted": 2, "duplicates": 0, "rejected": 2}
    assert "日期不存在" in html and "impossible date" in html
    ids = [int(x) for x in re.findall(r'href="/quarantine/(\d+)"', html)]
    assert len(ids) == 2
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 2

    # The other department sees neither the job nor the rows; the district officer may not open them.
    tax = login(app, "tax")
    assert tax.get(f"/quarantine/{ids[0]}").status_code == 404
    assert login(app, "heping").get(f"/quarantine/{ids[0]}").status_code == 403

    # Fix the date and resubmit through the form.
    form_page = amr.get(f"/quarantine/{ids[0]}")
    assert form_page.status_code == 200 and 'name="col:处罚决定日期"' in form_page.text
    token = csrf_token(form_page.text, f"/quarantine/{ids[0]}/retry")
    assert amr.post(f"/quarantine/{ids[0]}/retry", data={"col:处罚决定日期": "2023-02-28"}).status_code == 403
    done = amr.post(
        f"/quarantine/{ids[0]}/retry", data={"csrf_token": token, "col:处罚决定日期": "2023-02-28"}
    )
    assert done.status_code == 200 and "已入库" in done.text
    # A still-wrong edit keeps the row open with its reason.
    city = login(app, "city")
    second = city.get(f"/quarantine/{ids[1]}")
    token = csrf_token(second.text, f"/quarantine/{ids[1]}/retry")
    again = city.post(
        f"/quarantine/{ids[1]}/retry", data={"csrf_token": token, "col:处罚决定日期": "2023-13-01"}
    )
    assert again.status_code == 422 and "仍未通过校验" in again.text
    # Reject needs a reason, then closes the row and keeps the validation reasons beside it.
    token = csrf_token(again.text, f"/quarantine/{ids[1]}/reject")
    assert (
        city.post(f"/quarantine/{ids[1]}/reject", data={"csrf_token": token, "reason": " "}).status_code
        == 422
    )
    rejected = city.post(f"/quarantine/{ids[1]}/reject", data={"csrf_token": token, "reason": "主体已注销"})
    assert rejected.status_code == 200 and "已驳回" in rejected.text
    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 3
        q = {row.id: row for row in s.scalars(select(QuarantineRow))}
    assert q[ids[0]].status == "resolved"
    assert q[ids[1]].status == "rejected"
    codes = [x["code"] for x in q[ids[1]].reasons]
    assert (
        codes[-1] == "rejected_by_officer" and len(codes) >= 2 and "主体已注销" in q[ids[1]].reasons[-1]["zh"]
    )
    assert "主体已注销" not in city.get("/quarantine").text  # only open rows are listed
    assert (
        city.post(f"/quarantine/{ids[1]}/reject", data={"csrf_token": token, "reason": "x"}).status_code
        == 409
    )


def test_upload_refuses_wrong_kind_type_and_size(app, tmp_path):
    tax = login(app, "tax")
    r, _ = upload(tax, write_jsonl(tmp_path / "p.jsonl", [penalty_2(1)]), source="税务")
    html = finish(tax, r)
    assert 'data-state="failed"' in html and "无权报送" in html
    r, _ = upload(tax, write_csv(tmp_path / "p.pdf", [penalty_2(1)]), source="税务")
    assert r.status_code == 422 and "不支持的文件类型" in r.text
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"x" * (2 * 1024 * 1024))
    r, _ = upload(tax, big, source="税务")
    assert r.status_code == 422 and "文件超过上限" in r.text
    # A department speaks only for its registered sources (issue 9), in the browser as in the API.
    r, _ = upload(tax, write_jsonl(tmp_path / "q.jsonl", [penalty_2(1)]), source="天津市高级人民法院")
    assert r.status_code == 422 and "未登记数据来源「天津市高级人民法院」" in r.text
    assert TestClient(app).get("/ingest/upload", follow_redirects=False).status_code == 303  # login first
    assert login(app, "heping").get("/ingest/upload").status_code == 403


def test_reject_through_api_and_cli_share_the_service(app, tmp_path, sqlite_engine):
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import ingest_rows, reject_quarantined

    result = ingest_rows(
        engine=sqlite_engine,
        rows=[penalty_2(1, **{"处罚决定日期": "2023-02-30"})],
        source="s",
        kind="penalty",
    )
    with Session(sqlite_engine) as s:
        qid = s.scalar(select(QuarantineRow.id).where(QuarantineRow.batch_id == result.batch))
    with pytest.raises(ReaderError):
        reject_quarantined(engine=sqlite_engine, quarantine_id=qid, reason="")
    with Session(sqlite_engine) as s:
        user = s.scalar(select(accounts.User).where(accounts.User.username == "city"))
        key = accounts.issue_api_key(s, user=user, name="k")[0]
        s.commit()
    client = TestClient(app)
    r = client.post(
        f"/api/v1/quarantine/{qid}/reject",
        json={"reason": "重复报送"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["reasons"][-1]["code"] == "rejected_by_officer"
    r = client.post(
        f"/api/v1/quarantine/{qid}/reject",
        json={"reason": "again"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 409
