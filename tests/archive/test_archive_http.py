"""Archive API and console pages: disclosure per viewer, 404/422, the access log, escaping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xinyong.accounts.models import AccessLog
from xinyong.store.db import session_scope

AS_OF = "2025-06-30"


def _sources(body: dict) -> set[str]:
    return {r["source_record_id"] for g in body["groups"] for r in g["records"]}


def _log(engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return [
            (r.username, r.subject_id, r.surface) for r in s.scalars(select(AccessLog).order_by(AccessLog.id))
        ]


def test_public_archive_is_public_and_masked_and_not_logged(credit_client, credit_world):
    client, _ = credit_client
    r = client.get(f"/api/v1/subjects/{credit_world.shop}/archive", params={"as_of": AS_OF})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["view"] == "public" and _sources(body) == {"P-ACTIVE", "H-1", "C-1"}
    assert "张小明" not in r.text and body["subject"]["legal_rep"] == "张*明"
    assert _log(credit_world.engine) == []


def test_own_district_officer_gets_full_view_and_is_logged(credit_client, credit_world):
    client, auth = credit_client
    r = client.get(
        f"/api/v1/subjects/{credit_world.shop}/archive",
        params={"as_of": AS_OF, "purpose": "双随机抽查"},
        headers=auth["heping"],
    )
    assert r.status_code == 200
    assert r.json()["view"] == "full" and "INS-GOV" in _sources(r.json()) and "张小明" in r.text
    with session_scope(credit_world.engine) as s:
        row = s.scalars(select(AccessLog)).one()
    assert (row.username, row.subject_id, row.purpose, row.surface) == (
        "heping",
        credit_world.shop,
        "双随机抽查",
        "api:archive",
    )


def test_other_district_officer_sees_only_public_part(credit_client, credit_world):
    client, auth = credit_client
    body = client.get(
        f"/api/v1/subjects/{credit_world.shop}/archive", params={"as_of": AS_OF}, headers=auth["hexi"]
    ).json()
    assert body["view"] == "public" and _sources(body) == {"P-ACTIVE", "H-1", "C-1"}
    assert "张小明" not in str(body)


def test_department_sees_its_kinds_unmasked(credit_client, credit_world):
    client, auth = credit_client
    body = client.get(
        f"/api/v1/subjects/{credit_world.shop}/archive", params={"as_of": AS_OF}, headers=auth["shichang"]
    ).json()
    assert body["view"] == "department"
    assert _sources(body) == {"P-ACTIVE", "P-EXPIRED", "INS-GOV", "H-1", "C-1"}


def test_subject_account_sees_own_archive_not_others(credit_client, credit_world):
    client, auth = credit_client
    own = client.get(
        f"/api/v1/subjects/{credit_world.shop}/archive", params={"as_of": AS_OF}, headers=auth["shop"]
    )
    other = client.get(
        f"/api/v1/subjects/{credit_world.hexi}/archive", params={"as_of": AS_OF}, headers=auth["shop"]
    )
    assert own.json()["view"] == "full" and "CP-1" in _sources(own.json())
    assert other.json()["view"] == "public" and _sources(other.json()) == {"HX-PUB"}


# Every archive/report/card route that takes a subject id: a 河西 officer asking for 和平's natural
# person, and anyone asking for an unknown id, gets the same 404 (no existence leak).
ID_ROUTES = [
    "/api/v1/subjects/{id}/archive",
    "/api/v1/subjects/{id}/archive.csv",
    "/api/v1/subjects/{id}/report.pdf",
    "/subjects/{id}",
    "/c/{id}",
    "/c/{id}/qr.svg",
    "/c/{id}/qr.png",
]


def test_hidden_and_unknown_subjects_are_404_on_every_id_route(credit_client, credit_world):
    """One client for the whole matrix (route × viewer × id) keeps this fast."""
    client, auth = credit_client
    for route in ID_ROUTES:
        for who in (None, "hexi", "bank", "shichang", "shop"):
            headers = auth[who] if who else {}
            for sid in (credit_world.person, "NO-SUCH-SUBJECT"):
                r = client.get(route.format(id=sid), headers=headers, follow_redirects=False)
                if who is None and route.startswith("/subjects/"):  # the console wants a login first
                    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
                    continue
                assert r.status_code == 404, (route, who, sid, r.status_code)
                assert sid in r.json()["detail"] and "not found" in r.json()["detail"]
    assert _log(credit_world.engine) == []


def test_report_verification_tells_nothing_about_a_subject_without_a_genuine_number(
    credit_client, credit_world
):
    """Verification is keyed by the report number (the register), not the subject: a number that was
    never issued gets the same answer for a hidden, an unknown and a visible subject."""
    client, auth = credit_client
    answers = []
    for sid in (credit_world.person, "NO-SUCH-SUBJECT", credit_world.shop):
        r = client.get(
            "/api/v1/reports/verify", params={"subject_id": sid, "as_of": "2025-06-30", "number": "XYR-1"}
        )
        assert r.status_code == 200
        body = r.json()
        answers.append({k: v for k, v in body.items() if k != "subject_id"})
        assert body["valid"] is False and body["status"] == "unknown"
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize(
    "route",
    ["/api/v1/subjects/{id}/archive", "/api/v1/subjects/{id}/report.pdf", "/subjects/{id}", "/c/{id}"],
)
def test_malformed_date_is_422_naming_the_field(credit_client, credit_world, route):
    client, auth = credit_client
    r = client.get(route.format(id=credit_world.shop), params={"as_of": "2025-13-45"}, headers=auth["heping"])
    assert r.status_code == 422
    assert r.json()["detail"]["field"] == "as_of" and "YYYY-MM-DD" in r.json()["detail"]["message"]


def test_subject_list_api_filters_by_policy(credit_client, credit_world):
    client, auth = credit_client
    public = client.get("/api/v1/subjects").json()
    assert credit_world.person not in {i["id"] for i in public["items"]}
    persons = client.get("/api/v1/subjects", params={"kind": "person"}, headers=auth["heping"]).json()
    assert [i["name"] for i in persons["items"]] == ["王大锤"]
    hexi_persons = client.get("/api/v1/subjects", params={"kind": "person"}, headers=auth["hexi"]).json()
    assert hexi_persons["total"] == 0
    pilot = client.get("/api/v1/subjects", params={"pilot": credit_world.pilot, "district": "120101"}).json()
    assert {i["id"] for i in pilot["items"]} == {credit_world.shop, credit_world.xss}
    assert client.get("/api/v1/subjects", params={"district": "12"}).status_code == 422


def test_html_in_names_and_fields_is_rendered_as_text(credit_client, credit_world):
    client, auth = credit_client
    for path in (
        f"/subjects/{credit_world.xss}?as_of={AS_OF}",
        f"/c/{credit_world.xss}?as_of={AS_OF}",
        f"/subjects?pilot={credit_world.pilot}",
        "/public?q=小店",
    ):
        html = client.get(path, headers=auth["heping"]).text
        assert '<script>alert("x")</script>' not in html and "<b>罚款</b>" not in html, path
        assert "&lt;script&gt;" in html, path


def test_archive_page_shows_both_sides_and_masked_person(credit_client, credit_world):
    client, auth = credit_client
    html = client.get(f"/subjects/{credit_world.shop}", params={"as_of": AS_OF}, headers=auth["heping"]).text
    assert (
        "张小明" in html
        and 'id="side-positive"' in html
        and "诚信示范商户" in html
        and 'data-status="expired"' in html
    )
    other = client.get(f"/subjects/{credit_world.shop}", params={"as_of": AS_OF}, headers=auth["hexi"]).text
    assert "张*明" in other and "张小明" not in other and 'data-status="expired"' not in other
    assert [(row[0], row[2]) for row in _log(credit_world.engine)] == [
        ("heping", "console:archive"),
        ("hexi", "console:archive"),
    ]


def test_console_pages_need_a_login(credit_client, credit_world):
    client, _ = credit_client
    for path in ("/subjects", f"/subjects/{credit_world.shop}"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_subject_list_page_filters(credit_client, credit_world):
    client, auth = credit_client
    html = client.get("/subjects", params={"district": "120103"}, headers=auth["admin"]).text
    assert "网信大厦示范科技有限公司" in html and "天津海信广场示范餐饮有限公司" not in html
    html = client.get("/subjects", params={"kind": "person"}, headers=auth["heping"]).text
    assert "王大锤" in html


def test_csv_exports_follow_the_policy_and_neutralise_formulas(credit_client, credit_world):
    import csv
    import io

    client, auth = credit_client
    public = client.get(f"/api/v1/subjects/{credit_world.shop}/archive.csv", params={"as_of": AS_OF})
    assert public.status_code == 200 and public.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(public.content.decode("utf-8-sig"))))
    assert {r["文号 source_record_id"] for r in rows} == {"P-ACTIVE", "H-1", "C-1"}
    assert all(r["版本 view"] == "公开版" for r in rows) and "张小明" not in public.text
    full = client.get(
        f"/api/v1/subjects/{credit_world.shop}/archive.csv", params={"as_of": AS_OF}, headers=auth["heping"]
    ).content.decode("utf-8-sig")
    assert "INS-GOV" in full and "张小明" in full
    xss = client.get(f"/api/v1/subjects/{credit_world.xss}/archive.csv", params={"as_of": AS_OF}).content
    cells = [c for row in csv.reader(io.StringIO(xss.decode("utf-8-sig"))) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any("=HYPERLINK" in c for c in cells)
    listing = client.get("/api/v1/subjects.csv").content.decode("utf-8-sig")
    assert credit_world.shop in listing and credit_world.person not in listing
    assert [(row[0], row[2]) for row in _log(credit_world.engine)] == [("heping", "api:archive-csv")]


def test_default_purpose_depends_on_who_reads(credit_client, credit_world):
    """查询留痕 without ?purpose=: a subject reading its own archive is 本人查询, a bank 融资服务, a
    district officer 日常监管 — not routine supervision for everyone."""
    client, auth = credit_client
    for login in ("shop", "bank", "heping"):
        r = client.get(
            f"/api/v1/subjects/{credit_world.shop}/archive", params={"as_of": AS_OF}, headers=auth[login]
        )
        assert r.status_code == 200, login
    with session_scope(credit_world.engine) as s:
        rows = {(row.username, row.purpose) for row in s.scalars(select(AccessLog))}
    assert rows == {
        ("shop", "本人查询 / own record"),
        ("bank", "融资服务 / financing service"),
        ("heping", "日常监管 / routine supervision"),
    }
