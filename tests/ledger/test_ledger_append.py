"""append_events writes leaves and subtree nodes that reproduce the RFC 6962 root, on both stores."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.ledger import merkle, service
from xinyong.store.db import session_scope

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _events(start: int, stop: int) -> list[dict[str, object]]:
    return [
        {"type": "record.collected", "record_id": f"{i:064x}", "source": "市场监管局"}
        for i in range(start, stop)
    ]


def test_batches_append_contiguous_leaves_with_a_correct_root(engine):
    with session_scope(engine) as s:
        first = service.append_events(s, _events(0, 300), at=AT)
    with session_scope(engine) as s:
        second = service.append_events(s, _events(300, 333), at=AT)
    assert first + second == list(range(333))
    with session_scope(engine) as s:
        rows = [(leaf.data, leaf.leaf_hash) for leaf in service.iter_leaves(s)]
        keys = merkle.root_plan(service.tree_size(s))
        stored_root = merkle.evaluate([keys], service.fetch_nodes(s, set(keys)))[0]
    assert [bytes(h) for _, h in rows] == [merkle.leaf_hash(bytes(d)) for d, _ in rows]
    assert stored_root == merkle.root_from_leaves(bytes(d) for d, _ in rows)


def test_leaf_data_is_canonical_json_with_the_given_time(engine):
    with session_scope(engine) as s:
        [index] = service.append_events(s, [{"type": "record.collected", "z": 1, "a": "天津"}], at=AT)
        data = service.read_leaves(s, [index])[index].data
    salt = data[10:42].decode()  # written by hand below: the salt is the only part not given
    assert len(bytes.fromhex(salt)) == 16
    expected = (
        '{"_salt":"'
        + salt
        + '","a":"天津","at":"2026-03-01T08:00:00.000000Z","type":"record.collected","z":1}'
    )
    assert data == expected.encode()


def test_rolled_back_transaction_leaves_no_leaf(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        service.append_events(s, _events(0, 10), at=AT)
        raise RuntimeError("batch failed")
    with session_scope(engine) as s:
        assert service.tree_size(s) == 0


@pytest.mark.parametrize(
    "event",
    [
        {"record_id": "x"},
        {"type": "t" * 49},
        {"type": "x", "record_id": "r" * 65},
        {"type": "x", "bad": {1: 2}},
    ],
)
def test_bad_events_are_refused_and_nothing_is_appended(engine, event):
    with pytest.raises(service.LedgerError, match="/"), session_scope(engine) as s:
        service.append_events(s, [{"type": "ok"}, event], at=AT)
    with session_scope(engine) as s:
        assert service.tree_size(s) == 0


@pytest.mark.parametrize("record_id", ["津东罚〔2026〕7号", "AB" * 32, "zz" * 32, "f" * 64])
def test_any_record_id_is_found_again(engine, record_id):
    with session_scope(engine) as s:
        service.append_events(s, _events(0, 5), at=AT)
        index = service.record_event(s, event_type="record.corrected", record_id=record_id, at=AT, digest="d")
        service.append_events(s, _events(5, 8), at=AT)
        assert [leaf.leaf_index for leaf in service.record_leaves(s, record_id)] == [index]


def test_unknown_event_type_is_refused(engine):
    with pytest.raises(service.LedgerError, match="未知事件类型"), session_scope(engine) as s:
        service.record_event(s, event_type="record.invented", record_id="x")


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 300), min_size=1, max_size=6), data=st.data())
def test_any_batch_split_gives_the_rfc_tree(cuts, data):
    """Frontier reads and sparse node storage across arbitrary batch boundaries (in-memory SQLite)."""
    from xinyong.store.db import make_engine
    from xinyong.store.registry import load_all_models

    engine = make_engine("sqlite:///:memory:")
    load_all_models().metadata.create_all(engine)
    start = 0
    with session_scope(engine) as s:
        for cut in cuts:
            service.append_events(s, _events(start, start + cut), at=AT)
            start += cut
        hashes = [leaf.leaf_hash for leaf in service.iter_leaves(s)]
        size = data.draw(st.integers(1, start))
        assert service.root_at(s, size) == merkle.root_from_leaf_hashes(hashes[:size])
        index = data.draw(st.integers(0, size - 1))
        proof = service.inclusion_proof(s, leaf_index=index, tree_size_=size)
        merkle.verify_inclusion(
            index,
            size,
            hashes[index],
            [bytes.fromhex(p) for p in proof["audit_path"]],
            merkle.root_from_leaf_hashes(hashes[:size]),
        )
        first = data.draw(st.integers(1, size))
        cons = service.consistency_proof(s, first=first, second=size)
        merkle.verify_consistency(
            first,
            size,
            merkle.root_from_leaf_hashes(hashes[:first]),
            merkle.root_from_leaf_hashes(hashes[:size]),
            [bytes.fromhex(p) for p in cons["consistency_path"]],
        )
    engine.dispose()


@pytest.mark.parametrize("tricky", [{"items": [{"a": 1}, {"b": 2}]}, {"note": "},{"}, {"x": "}"}, {}])
def test_batch_serialisation_equals_one_event_at_a_time(engine, tricky):
    """append_events serialises a batch as one JSON array and cuts it; the bytes must be exactly
    canonical_event's, also when an event's own content holds the separator."""
    evs = [{"type": "t", "n": i, **(tricky if i % 2 else {})} for i in range(5)]
    with session_scope(engine) as s:
        service.append_events(s, evs, at=AT)
        stored = [leaf.data for leaf in service.iter_leaves(s)]
    salts = [json.loads(d)[service.SALT_KEY] for d in stored]
    assert stored == [
        service.canonical_event(e, service.format_at(AT), salt) for e, salt in zip(evs, salts, strict=True)
    ]
    # Each leaf has its own fresh 128-bit salt.
    assert len(set(salts)) == len(salts) and all(len(bytes.fromhex(x)) == 16 for x in salts)
