"""The badge partial renders each record's leaf, tree head, proof link and verify button."""

from __future__ import annotations

from ledger_helpers import add_records, add_subject, make_settings

from xinyong.console.templating import env
from xinyong.ledger import keys, service
from xinyong.store.db import session_scope


def test_badge_shows_leaf_head_link_and_button(sqlite_engine, tmp_path):
    with session_scope(sqlite_engine) as s:
        add_subject(s)
        records = add_records(s, 3)
        proofs = service.record_proofs(s, [r.id for r in records], settings=make_settings("x", tmp_path))
    html = env.get_template("ledger_badge.html").render(ledger_proofs=proofs)
    for p in proofs.values():
        assert f"#{p['leaf_index']}" in html and p["proof_url"].replace("&", "&amp;") in html
        assert f'data-record-id="{p["record_id"]}"' in html
    assert html.count("验证 Verify") == 3 and "/static/ledger-verify.js" in html
    one = env.get_template("ledger_badge.html").render(ledger_proof=proofs[records[0].id])
    assert one.count("data-ledger-verify") == 1 and "card-ledger" not in one


def test_badge_without_proofs_links_the_tree_head_and_key():
    html = env.get_template("ledger_badge.html").render()
    assert "/api/v1/ledger/sth" in html and "/.well-known/xinyong-ledger-key" in html
    assert "data-ledger-verify" not in html


def test_subject_proofs_cover_public_records_and_mark_pending_ones(sqlite_engine, tmp_path):
    import datetime as dt

    from sqlalchemy import text

    settings = make_settings("x", tmp_path)
    with session_scope(sqlite_engine) as s:
        add_subject(s)
        records = add_records(s, 4)
        service.sign_head(s, key=keys._from_text(settings.ledger_key))
        newer = add_records(s, 2, start=4)  # appended after the head
    with sqlite_engine.begin() as conn:
        conn.execute(
            text("UPDATE records SET disclosure = 'government' WHERE id = :id"), {"id": records[0].id}
        )
    with session_scope(sqlite_engine) as s:
        before = service.latest_head(s).id
        proofs = service.subject_proofs(s, subject_id="S0001", as_of=dt.date(2026, 6, 1))
        assert service.latest_head(s).id == before  # read-only: nothing signed
    assert records[0].id not in proofs  # hidden from the public
    assert {r.id for r in records[1:]} | {r.id for r in newer} == set(proofs)
    assert all(proofs[r.id]["pending"] for r in newer)
    assert not any(proofs[r.id]["pending"] for r in records[1:])
    assert all(p["label"].startswith(("行政处罚", "penalty")) for p in proofs.values())
    html = env.get_template("ledger_badge.html").render(ledger_proofs=proofs)
    assert html.count("ledger-pending") == 2 and html.count("data-ledger-verify") == len(proofs)
