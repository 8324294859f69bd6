"""A log that proves without revealing (issue 8 §5): the leaf-linking attack links nothing.

The attack that linked 1,017 of 1,017 withheld leaves: read every public leaf (its batch, time,
source and kind), take the list of subject ids, and for each withheld leaf recompute the hash of
every guessable event — type, kind, source, batch, time, record id, subject id — until one equals
the leaf hash. Here the attacker is given even more than the API serves (every record id and every
subject id, persons included) and the test checks that the candidate set *contains* each withheld
leaf's true event (so the attack is complete), yet no candidate hashes to a withheld leaf.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from fastapi.testclient import TestClient
from ledger_helpers import AT, make_settings

from helpers.rows import record_row, subject_row
from xinyong.app import create_app
from xinyong.ledger import merkle, service
from xinyong.records.models import Record
from xinyong.store.db import session_scope

AS_OF = dt.date(2026, 6, 1)
SOURCE = "河东区市场监管局"


def _subjects(session) -> list[str]:  # noqa: ANN001
    naive = AT.replace(tzinfo=None)
    ids = []
    for i in range(6):
        person = i % 3 == 2
        sid = hashlib.sha256(f"120102199001011{i:03d}".encode()).hexdigest()[:20] if person else f"E{i:04d}"
        kind = "person" if person else "enterprise"
        session.add(subject_row(sid, seen=naive, kind=kind, name=f"主体{i}", district=None, source="test"))
        ids.append(sid)
    session.flush()
    return ids


def _records(session, subjects: list[str]) -> tuple[list[Record], set[str]]:  # noqa: ANN001
    """Two batches of penalties and judgment debts: public ones, government-only ones, expired
    ones (publicity ended before AS_OF) and every record of the persons. Logged as ingest does."""
    naive = AT.replace(tzinfo=None)
    records, hidden, batch = [], set(), {}
    for n, (sid, kind) in enumerate(itertools.product(subjects, ("penalty", "judgment_debtor") * 3)):
        person = not sid.startswith("E")
        disclosure = "government" if n // 2 % 4 == 1 else "public"
        until = dt.date(2026, 3, 1) if n // 2 % 4 == 3 else None
        rid = hashlib.sha256(f"{kind}|{sid}|{n}".encode()).hexdigest()
        records.append(
            record_row(
                rid,
                sid,
                seen=naive,
                kind=kind,
                occurred=dt.date(2026, 1, 2),
                disclosure=disclosure,
                source=SOURCE,
                source_record_id=f"D{n}",
                fields={"n": n},
                publicity_until=until,
            )
        )
        batch[rid] = 1 + n // 4 % 2
        if person or disclosure != "public" or until is not None:
            hidden.add(rid)
    session.add_all(records)
    session.flush()
    for batch_id in (1, 2):  # the batch numbers as ingest writes them (no batch rows needed here)
        service.append_events(
            session,
            [
                {
                    "type": "record.collected",
                    "record_id": r.id,
                    "kind": r.kind,
                    "subject_id": r.subject_id,
                    "batch_id": batch_id,
                    "source": r.source,
                }
                for r in records
                if batch[r.id] == batch_id
            ],
            at=AT + dt.timedelta(minutes=batch_id),
        )
    return records, hidden


@pytest.fixture
def world(db_url, tmp_path):
    app = create_app(make_settings(db_url, tmp_path))
    with session_scope(app.state.engine) as s:
        subjects = _subjects(s)
        records, hidden = _records(s, subjects)
        truth = {leaf.leaf_index: bytes(leaf.data) for leaf in service.iter_leaves(s)}
    with TestClient(app) as client:
        yield client, subjects, records, hidden, truth
    app.state.engine.dispose()


def _guesses(public_events: list[dict], subjects: list[str], record_ids: list[str]) -> set[bytes]:
    """Every event the attacker can build from what the public leaves show, in the log's own
    canonical form (without the secret salt, which the attacker does not have)."""
    seen = [sorted({e[k] for e in public_events}) for k in ("type", "kind", "source", "batch_id", "at")]
    out = set()
    for etype, kind, source, batch, at, sid, rid in itertools.product(*seen, subjects, record_ids):
        event = {
            "type": etype,
            "kind": kind,
            "source": source,
            "batch_id": batch,
            "at": at,
            "subject_id": sid,
            "record_id": rid,
        }
        out.add(service.canonical_json(event))
    return out


def test_the_leaf_linking_attack_links_nothing(world):
    client, subjects, records, hidden, truth = world
    size = client.get("/api/v1/ledger/sth").json()["tree_size"]
    assert size == len(records) == len(truth)
    public_events, withheld = [], {}
    for index in range(size):
        leaf = client.get(f"/api/v1/ledger/leaves/{index}", params={"as_of": AS_OF.isoformat()})
        proof = client.get("/api/v1/ledger/proof/inclusion", params={"leaf_index": index}).json()
        if leaf.status_code == 200:
            public_events.append(leaf.json()["event"])
        else:
            assert leaf.status_code == 404
            withheld[index] = bytes.fromhex(proof["leaf_hash"])
    # The withheld leaves are exactly the hidden records' (persons', government-only, expired).
    assert len(withheld) == len(hidden) > 0 and len(public_events) == size - len(hidden)
    guesses = _guesses(public_events, subjects, [r.id for r in records])
    # The attack is complete: with the salt removed, every withheld leaf's true event is a guess ...
    for index in withheld:
        event = service.orjson.loads(truth[index])
        event.pop(service.SALT_KEY)
        assert service.canonical_json(event) in guesses
    # ... and yet no guess hashes to any withheld leaf.
    guessed_hashes = {merkle.leaf_hash(g) for g in guesses}
    linked = [i for i, h in withheld.items() if h in guessed_hashes]
    assert linked == []
    # Control: without the salt the same attack would have linked every withheld leaf.
    unsalted = {}
    for index in withheld:
        event = service.orjson.loads(truth[index])
        event.pop(service.SALT_KEY)
        unsalted[index] = merkle.leaf_hash(service.canonical_json(event))
    assert all(h in guessed_hashes for h in unsalted.values())


def test_two_identical_events_have_unrelated_leaf_hashes(engine):
    event = {"type": "record.collected", "record_id": "r" * 64, "kind": "penalty", "subject_id": "E0001"}
    with session_scope(engine) as s:
        a, b = service.append_events(s, [event, event], at=AT)
        leaves = service.read_leaves(s, [a, b])
    assert leaves[a].leaf_hash != leaves[b].leaf_hash
    # The hashes differ in about half their bits, as two random strings do (not a fixed pattern).
    diff = bin(int.from_bytes(leaves[a].leaf_hash, "big") ^ int.from_bytes(leaves[b].leaf_hash, "big")).count(
        "1"
    )
    assert 64 <= diff <= 192
