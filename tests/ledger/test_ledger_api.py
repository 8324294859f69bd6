"""The ledger REST API with FastAPI's TestClient, on both stores: an outsider verifies a record."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from ledger_helpers import add_records, add_subject, make_settings

from xinyong.app import create_app
from xinyong.ledger import keys, merkle
from xinyong.store.db import session_scope


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(make_settings(db_url, tmp_path))
    with session_scope(app.state.engine) as s:
        add_subject(s)
        ids = [r.id for r in add_records(s, 12)]
        add_subject(s, "S0002")
        keys = {sid: _merchant_key(s, sid) for sid in ("S0001", "S0002")}
        city = _key(s, "city", "city_admin")
    with TestClient(app) as c:
        c.record_ids = ids
        c.keys = keys
        c.city = city
        yield c
    app.state.engine.dispose()


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_an_outsider_verifies_a_record_from_the_sth_and_the_proof(client):
    key = keys.load_public_key(client.get("/.well-known/xinyong-ledger-key").json()["public_key_hex"])
    rid = client.record_ids[7]
    got = client.get(f"/api/v1/ledger/records/{rid}").json()
    sth = got["sth"]
    assert keys.verify_head(
        key,
        sth["tree_size"],
        sth["timestamp"],
        bytes.fromhex(sth["root_hash"]),
        bytes.fromhex(sth["signature"]),
    )
    leaf = client.get(f"/api/v1/ledger/leaves/{got['leaf_index']}").json()
    assert leaf["event"]["record_id"] == rid
    leaf_hash = merkle.leaf_hash(bytes.fromhex(leaf["data_hex"]))
    merkle.verify_inclusion(
        got["leaf_index"],
        sth["tree_size"],
        leaf_hash,
        _hex(got["audit_path"]),
        bytes.fromhex(sth["root_hash"]),
    )


def test_sth_and_proof_endpoints_agree(client):
    sth = client.get("/api/v1/ledger/sth").json()
    assert sth["tree_size"] == 12
    inc = client.get("/api/v1/ledger/proof/inclusion", params={"leaf_index": 3, "tree_size": 12}).json()
    assert inc["root_hash"] == sth["root_hash"] and inc["sth"]["signature"] == sth["signature"]
    cons = client.get("/api/v1/ledger/proof/consistency", params={"first": 5, "second": 12}).json()
    merkle.verify_consistency(
        5,
        12,
        bytes.fromhex(cons["first_root"]),
        bytes.fromhex(sth["root_hash"]),
        _hex(cons["consistency_path"]),
    )


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/api/v1/ledger/proof/inclusion", {"leaf_index": 12, "tree_size": 12}, "叶序号"),
        ("/api/v1/ledger/proof/inclusion", {"leaf_index": 0, "tree_size": 13}, "larger than the log"),
        ("/api/v1/ledger/proof/consistency", {"first": 6, "second": 5}, "larger than second"),
        ("/api/v1/ledger/proof/consistency", {"first": 0, "second": 5}, "RFC 9162"),
        ("/api/v1/ledger/proof/consistency", {"first": 1, "second": 99}, "大于当前日志大小"),
    ],
)
def test_bad_proof_requests_get_400_with_a_bilingual_reason(client, path, params, fragment):
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert fragment in response.json()["detail"] and "/" in response.json()["detail"]


def test_unknown_leaf_and_record_are_404(client):
    assert client.get("/api/v1/ledger/leaves/99").status_code == 404
    assert client.get("/api/v1/ledger/records/" + "0" * 64).status_code == 404


def _merchant_key(session, subject_id: str) -> dict[str, str]:
    """A merchant's own account (role subject) and its API key, as Authorization headers."""
    return _key(session, f"m-{subject_id}", "subject", subject_id=subject_id)


def _key(session, username: str, role: str, **extra: str) -> dict[str, str]:
    from xinyong.accounts import service as accounts

    user = accounts.create_user(session, username=username, role=role, **extra)
    key, _row = accounts.issue_api_key(session, user=user, name="evidence")
    return {"Authorization": f"Bearer {key}"}


def test_only_the_merchant_or_its_officers_record_evidence(client):
    data = {"subject_id": "S0001", "invoice_sha256": "b" * 64}
    before = client.get("/api/v1/ledger/sth").json()["tree_size"]
    assert client.post("/api/v1/ledger/evidence", data=data).status_code == 401
    other = client.post("/api/v1/ledger/evidence", data=data, headers=client.keys["S0002"])
    assert other.status_code == 404  # another merchant's id answers like an unknown one
    unknown = client.post(
        "/api/v1/ledger/evidence", data={**data, "subject_id": "NOPE"}, headers=client.keys["S0001"]
    )
    assert unknown.status_code == 404 and unknown.json()["detail"] == other.json()["detail"].replace(
        "S0001", "NOPE"
    )
    assert (
        client.get("/api/v1/ledger/proof/inclusion", params={"leaf_index": 0}).json()["tree_size"] == before
    )
    own = client.post("/api/v1/ledger/evidence", data=data, headers=client.keys["S0001"])
    assert own.status_code == 201, own.text


def test_trade_evidence_round_trip(client):
    contract, invoice = b"%PDF contract 2026-001", b"invoice 12345678"
    payment_hash = hashlib.sha256(b"bank slip").hexdigest()
    created = client.post(
        "/api/v1/ledger/evidence",
        data={"subject_id": "S0001", "payment_sha256": payment_hash},
        files={"contract": ("合同.pdf", contract), "invoice": ("fp.xml", invoice)},
        headers=client.keys["S0001"],
    )
    assert created.status_code == 201, created.text
    ev = created.json()
    roles = {d["role"]: d["sha256"] for d in ev["documents"]}
    assert roles == {
        "contract": hashlib.sha256(contract).hexdigest(),
        "invoice": hashlib.sha256(invoice).hexdigest(),
        "payment": payment_hash,
    }
    assert client.get(f"/api/v1/ledger/evidence/{ev['id']}").json() == ev

    good = client.post(
        f"/api/v1/ledger/evidence/{ev['id']}/check", files={"document": ("x.pdf", contract)}
    ).json()
    assert good["matches"] and good["role"] == "contract"
    proof, sth = good["proof"], good["proof"]["sth"]
    assert good["leaf"]["event"]["documents"]["contract"] == hashlib.sha256(contract).hexdigest()
    merkle.verify_inclusion(
        proof["leaf_index"],
        sth["tree_size"],
        merkle.leaf_hash(bytes.fromhex(good["leaf"]["data_hex"])),
        _hex(proof["audit_path"]),
        bytes.fromhex(sth["root_hash"]),
    )
    forged = client.post(
        f"/api/v1/ledger/evidence/{ev['id']}/check", files={"document": ("x.pdf", contract + b" ")}
    )
    assert forged.json()["matches"] is False and forged.json()["role"] is None


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"subject_id": "S0001"}, "至少需要一份单据"),
        ({"subject_id": "S0001", "invoice_sha256": "abc"}, "不是 SHA-256"),
    ],
)
def test_bad_evidence_is_refused_and_changes_nothing(client, data, fragment):
    before = client.get("/api/v1/ledger/sth").json()["tree_size"]
    response = client.post("/api/v1/ledger/evidence", data=data, headers=client.keys["S0001"])
    assert response.status_code == 400 and fragment in response.json()["detail"]
    assert (
        client.get("/api/v1/ledger/proof/inclusion", params={"leaf_index": 0}).json()["tree_size"] == before
    )


def test_a_hidden_records_leaf_and_proof_answer_exactly_as_unknown_ones(client):
    from sqlalchemy import text

    rid = client.record_ids[3]
    index = client.get(f"/api/v1/ledger/records/{rid}").json()["leaf_index"]
    engine = client.app.state.engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET disclosure = 'government' WHERE id = :id"), {"id": rid})
    hidden_leaf = client.get(f"/api/v1/ledger/leaves/{index}")
    unknown_leaf = client.get(f"/api/v1/ledger/leaves/{index + 1000}")
    # The same status and words, except the number asked for.
    assert hidden_leaf.status_code == unknown_leaf.status_code == 404
    assert hidden_leaf.json()["detail"].replace(str(index), "N") == unknown_leaf.json()["detail"].replace(
        str(index + 1000), "N"
    )
    fake = "f" * 64
    hidden_record = client.get(f"/api/v1/ledger/records/{rid}")
    unknown_record = client.get(f"/api/v1/ledger/records/{fake}")
    assert hidden_record.status_code == unknown_record.status_code == 404
    assert hidden_record.json()["detail"].replace(rid, "X") == unknown_record.json()["detail"].replace(
        fake, "X"
    )
    assert rid not in {p["record_id"] for p in client.get("/api/v1/ledger/subjects/S0001").json()}
    # The city may still see it: its leaf bytes, salt included, hash to the committed leaf hash.
    leaf = client.get(f"/api/v1/ledger/leaves/{index}", headers=client.city).json()
    assert leaf["event"]["record_id"] == rid and len(leaf["event"]["_salt"]) == 32
    assert merkle.leaf_hash(bytes.fromhex(leaf["data_hex"])).hex() == leaf["leaf_hash"]
    # A public record's leaf is served whole to anyone.
    other = client.get(f"/api/v1/ledger/records/{client.record_ids[4]}").json()
    public = client.get(f"/api/v1/ledger/leaves/{other['leaf_index']}").json()
    assert public["event"]["record_id"] == client.record_ids[4]


def test_no_public_proof_for_a_record_outside_its_publicity_period(client):
    from sqlalchemy import text

    rid = client.record_ids[5]
    with client.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE records SET publicity_until = '2026-05-31' WHERE id = :id"), {"id": rid})
    assert client.get(f"/api/v1/ledger/records/{rid}", params={"as_of": "2026-05-31"}).status_code == 200
    assert client.get(f"/api/v1/ledger/records/{rid}", params={"as_of": "2026-06-01"}).status_code == 404


def test_subject_proofs_list_the_public_records_with_verifiable_proofs(client):
    from sqlalchemy import text

    hidden = client.record_ids[0]
    with client.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE records SET disclosure = 'government' WHERE id = :id"), {"id": hidden})
    got = client.get("/api/v1/ledger/subjects/S0001", params={"as_of": "2026-06-01"}).json()
    assert {p["record_id"] for p in got} == set(client.record_ids) - {hidden}
    for p in got:
        merkle.verify_inclusion(
            p["leaf_index"],
            p["tree_size"],
            bytes.fromhex(p["leaf_hash"]),
            _hex(p["audit_path"]),
            bytes.fromhex(p["sth"]["root_hash"]),
        )
    unknown = client.get("/api/v1/ledger/subjects/NOBODY")
    assert unknown.status_code == 404 and "不存在" in unknown.json()["detail"]
