"""The badge partial renders each record's leaf, tree head, proof link and verify button."""

from __future__ import annotations

from ledger_helpers import add_records, add_subject, make_settings

from xinyong.console.templating import env
from xinyong.ledger import service
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
