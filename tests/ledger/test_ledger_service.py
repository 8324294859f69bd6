"""Proofs served from the store, signed heads, record proofs and the tamper audit, on both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_helpers import AT, SEED, add_records, add_subject, edit_page
from sqlalchemy import text

from xinyong.ledger import keys, merkle, service
from xinyong.store.db import session_scope

KEY = keys._from_text(SEED)


def _events(n: int, offset: int = 0) -> list[dict[str, object]]:
    return [{"type": "record.collected", "record_id": f"{i:064x}"} for i in range(offset, offset + n)]


@pytest.fixture
def log(engine):
    """A log of 45 leaves appended in three batches, and its leaf hashes."""
    with session_scope(engine) as s:
        for start, stop in ((0, 1), (1, 20), (20, 45)):
            service.append_events(s, _events(stop - start, start), at=AT)
        hashes = [leaf.leaf_hash for leaf in service.iter_leaves(s)]
    return engine, hashes


def test_store_proofs_equal_in_memory_proofs_and_verify(log):
    engine, hashes = log
    nodes = merkle.tree_nodes(hashes)
    with session_scope(engine) as s:
        for size in (1, 2, 7, 32, 45):
            root = merkle.root_from_leaf_hashes(hashes[:size])
            for index in {0, size // 2, size - 1}:
                proof = service.inclusion_proof(s, leaf_index=index, tree_size_=size)
                assert proof["audit_path"] == [
                    h.hex() for h in merkle.evaluate(merkle.inclusion_plan(index, size), nodes)
                ]
                assert proof["root_hash"] == root.hex()
                merkle.verify_inclusion(
                    index, size, hashes[index], [bytes.fromhex(p) for p in proof["audit_path"]], root
                )
            cons = service.consistency_proof(s, first=size, second=45)
            merkle.verify_consistency(
                size,
                45,
                root,
                merkle.root_from_leaf_hashes(hashes),
                [bytes.fromhex(p) for p in cons["consistency_path"]],
            )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"leaf_index": 45, "tree_size_": 45}, "leaf_index 45"),
        ({"leaf_index": 0, "tree_size_": 46}, "larger than the log"),
        ({"leaf_index": -1}, "leaf_index -1"),
    ],
)
def test_bad_inclusion_requests_are_refused(log, kwargs, message):
    engine, _ = log
    with session_scope(engine) as s, pytest.raises(service.LedgerError, match=message):
        service.inclusion_proof(s, **kwargs)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [(10, 9, "larger than second"), (0, 9, "at least 1"), (1, 46, "larger than the log")],
)
def test_bad_consistency_requests_are_refused(log, first, second, message):
    engine, _ = log
    with session_scope(engine) as s, pytest.raises(service.LedgerError, match=message):
        service.consistency_proof(s, first=first, second=second)


def test_signed_head_verifies_and_is_reused_within_the_interval(log):
    engine, hashes = log
    with session_scope(engine) as s:
        head = service.current_head(s, key=KEY, interval_seconds=60, at=AT)
        assert head.tree_size == 45 and bytes(head.root_hash) == merkle.root_from_leaf_hashes(hashes)
        assert keys.verify_head(
            KEY.public_key(), 45, head.timestamp_ms, bytes(head.root_hash), bytes(head.signature)
        )
        assert not keys.verify_head(
            KEY.public_key(), 44, head.timestamp_ms, bytes(head.root_hash), bytes(head.signature)
        )
        same = service.current_head(s, key=KEY, interval_seconds=60, at=AT + dt.timedelta(seconds=59))
        later = service.current_head(s, key=KEY, interval_seconds=60, at=AT + dt.timedelta(seconds=60))
    assert same.id == head.id
    assert later.id != head.id and later.timestamp_ms == head.timestamp_ms + 60_000


def test_another_key_is_refused_and_a_rotated_key_gets_a_fresh_head(log):
    engine, _ = log
    other = keys._from_text("99" * 32)
    with session_scope(engine) as s:
        old = service.current_head(s, key=KEY, interval_seconds=3600, at=AT)
    with session_scope(engine) as s, pytest.raises(service.LedgerKeyMismatch, match="拒绝"):
        service.current_head(s, key=other, interval_seconds=3600, at=AT)
    with session_scope(engine) as s:
        service.rotate_key(s, old=KEY, new=other, reason="test rotation", at=AT)
        new = service.current_head(s, key=other, interval_seconds=3600, at=AT)
    assert old.id != new.id and new.key_id == keys.key_id(other.public_key())


def test_a_head_is_signed_when_a_requested_leaf_is_newer(log):
    engine, _ = log
    with session_scope(engine) as s:
        head = service.current_head(s, key=KEY, interval_seconds=3600, at=AT)
        service.append_events(s, _events(3, 45), at=AT)
        newer = service.current_head(s, key=KEY, interval_seconds=3600, at=AT, min_size=48)
    assert (head.tree_size, newer.tree_size) == (45, 48)


def test_record_proofs_give_a_verifiable_proof_per_record(engine, tmp_path):
    from ledger_helpers import make_settings

    with session_scope(engine) as s:
        add_subject(s)
        records = add_records(s, 5)
        proofs = service.record_proofs(
            s, [r.id for r in records] + ["not-logged"], settings=make_settings("unused", tmp_path), at=AT
        )
    assert set(proofs) == {r.id for r in records}
    for rid, p in proofs.items():
        sth = p["sth"]
        assert keys.verify_head(
            KEY.public_key(),
            sth["tree_size"],
            sth["timestamp"],
            bytes.fromhex(sth["root_hash"]),
            bytes.fromhex(sth["signature"]),
        )
        merkle.verify_inclusion(
            p["leaf_index"],
            p["tree_size"],
            bytes.fromhex(p["leaf_hash"]),
            [bytes.fromhex(x) for x in p["audit_path"]],
            bytes.fromhex(p["root"]),
        )
        assert rid in p["proof_url"] or p["proof_url"].endswith(f"tree_size={p['tree_size']}")


def test_verify_store_is_clean_after_normal_appends(engine):
    with session_scope(engine) as s:
        add_subject(s)
        add_records(s, 6)
        service.sign_head(s, key=KEY, at=AT)
    with session_scope(engine) as s:
        report = service.verify_store(s, public_key=KEY.public_key())
    assert report["ok"], report
    assert report["tree_size"] == 6


def test_verify_store_reports_hand_edits_deletes_and_a_cut_leaf(engine):
    with session_scope(engine) as s:
        add_subject(s)
        records = add_records(s, 6)
        service.sign_head(s, key=KEY, at=AT)
    edited, deleted = records[1].id, records[4].id
    with engine.begin() as conn:  # what an insider with SQL access could do
        conn.execute(text("UPDATE records SET amount = 1 WHERE id = :id"), {"id": edited})
        conn.execute(text("DELETE FROM records WHERE id = :id"), {"id": deleted})
        edit_page(conn, 2, drop=True)  # cut leaf 2 out of its page
    with session_scope(engine) as s:
        report = service.verify_store(s, public_key=KEY.public_key())
    assert not report["ok"]
    assert [c["record_id"] for c in report["changed"]] == [edited]
    assert report["changed"][0]["columns"] == ["digest"]
    assert report["deleted"] == [deleted]
    assert records[2].id in report["unlogged"]
    # The log is now one leaf shorter than the signed head says it was.
    assert [(h["tree_size"], h["root_matches"]) for h in report["bad_heads"]] == [(6, False)]


@pytest.mark.parametrize(
    ("edit", "gap"),
    [
        ("cut", {"from": service.PAGE_SIZE - 1, "to": service.PAGE_SIZE - 1}),  # a short page before the last
        ("delete", {"from": service.PAGE_SIZE, "to": 2 * service.PAGE_SIZE - 1}),  # a whole page row deleted
    ],
)
def test_verify_store_reports_gaps_between_pages(engine, edit, gap):
    n = 2 * service.PAGE_SIZE + 10
    with session_scope(engine) as s:
        service.append_events(s, _events(n), at=AT)
        service.sign_head(s, key=KEY, at=AT)
    with engine.begin() as conn:
        if edit == "cut":
            edit_page(conn, 7, drop=True)
        else:
            conn.execute(text("DELETE FROM ledger_pages WHERE page_no = 1"))
    with session_scope(engine) as s:
        report = service.verify_store(s, public_key=KEY.public_key())
    assert report["gaps"] == [gap]
    assert not report["ok"] and report["bad_heads"]


def test_verify_store_reports_a_rewritten_leaf_and_node(engine):
    """Editing one leaf's bytes inside a page blob (offsets kept consistent) is caught by its hash."""
    with session_scope(engine) as s:
        service.append_events(s, _events(service.PAGE_SIZE), at=AT)
        service.sign_head(s, key=KEY, at=AT)
    node = merkle.NodeKey(service.NODE_MIN_LEVEL, 0).node_id  # the lowest stored level
    with engine.begin() as conn:
        edit_page(conn, 3, data=b"{}")
        conn.execute(
            text("UPDATE ledger_nodes SET hash = :h WHERE node_id = :n"), {"h": bytes(32), "n": node}
        )
    with session_scope(engine) as s:
        report = service.verify_store(s, public_key=KEY.public_key())
    assert report["bad_leaves"] == [3]
    assert report["bad_nodes"] == [node]
    # The signed head no longer matches the recomputed root: the edit is visible to every outsider.
    assert report["bad_heads"] == [
        {"id": 1, "tree_size": service.PAGE_SIZE, "root_matches": False, "signature_valid": True}
    ]


def test_verify_store_reports_every_leaf_of_a_page_with_edited_offsets(engine):
    with session_scope(engine) as s:
        service.append_events(s, _events(5), at=AT)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_pages SET ends = :e WHERE page_no = 0"), {"e": bytes(20)})
    with session_scope(engine) as s:
        report = service.verify_store(s)
        assert report["bad_leaves"] == [0, 1, 2, 3, 4]
        with pytest.raises(service.LedgerError, match="damaged"):
            service.append_events(s, _events(1, 5), at=AT)


def test_verify_store_reports_a_deleted_record_index_row(engine):
    """Deleting a bucket row hides leaves from record lookups; the audit rebuilds the index and says so."""
    with session_scope(engine) as s:
        service.append_events(s, _events(40), at=AT)
        victim = f"{7:064x}"
        assert [leaf.leaf_index for leaf in service.record_leaves(s, victim)] == [7]
        assert service.verify_store(s)["bad_index"] == []
    bucket = service.record_key(victim) >> (56 - service.KEY_BUCKET_BITS)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_record_keys WHERE bucket = :b"), {"b": bucket})
    with session_scope(engine) as s:
        assert service.record_leaves(s, victim) == []
        report = service.verify_store(s)
    assert {"leaf_index": 7, "problem": "missing"} in report["bad_index"]
    assert not report["ok"]
