"""`xinyong ledger …` end to end: proofs out of the store, verified offline; SQL edits reported."""

from __future__ import annotations

import json

import pytest
from ledger_helpers import CT_LEAVES, CT_ROOTS, SEED, add_records, add_subject
from sqlalchemy import text
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.ledger import service
from xinyong.store.db import make_engine, session_scope

runner = CliRunner()


@pytest.fixture
def env(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        add_subject(s)
        ids = [r.id for r in add_records(s, 9)]
    engine.dispose()
    return {
        "XINYONG_DATABASE_URL": db_url,
        "XINYONG_DATA_DIR": str(tmp_path),
        "XINYONG_LEDGER_KEY": SEED,
        "ids": ids,
        "tmp": tmp_path,
    }


def _run(env, *args, input=None):  # noqa: A002 - mirrors CliRunner
    return runner.invoke(
        app, list(args), input=input, env={k: v for k, v in env.items() if k.startswith("XINYONG_")}
    )


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_root_of_the_reference_leaves(size):
    result = runner.invoke(app, ["ledger", "root"], input="".join(x + "\n" for x in CT_LEAVES[:size]))
    assert result.exit_code == 0 and result.output.strip() == CT_ROOTS[size]


def test_root_refuses_non_hex_naming_the_line():
    result = runner.invoke(app, ["ledger", "root"], input="00\nzz\n")
    assert result.exit_code == 2 and "line 2" in result.output


def test_proofs_verify_offline_and_tampering_is_caught(env):
    tmp = env["tmp"]
    (tmp / "key.json").write_text(_run(env, "ledger", "key").output)
    signed = _run(env, "ledger", "sth", "--sign", "--json")
    assert signed.exit_code == 0 and json.loads(signed.output)["tree_size"] == 9
    proof = _run(env, "ledger", "proof", "inclusion", "--leaf-index", "4", "--tree-size", "9")
    (tmp / "inc.json").write_text(proof.output)
    ok = _run(env, "ledger", "verify-proof", str(tmp / "inc.json"), "--key", str(tmp / "key.json"))
    assert ok.exit_code == 0 and "✓" in ok.output, ok.output

    bad = json.loads(proof.output)
    bad["audit_path"][1] = ("0" if bad["audit_path"][1][0] != "0" else "1") + bad["audit_path"][1][1:]
    (tmp / "bad.json").write_text(json.dumps(bad))
    refused = _run(env, "ledger", "verify-proof", str(tmp / "bad.json"), "--key", str(tmp / "key.json"))
    assert refused.exit_code == 1 and "✗" in refused.output

    forged = json.loads(proof.output)
    forged["sth"]["timestamp"] += 1  # the signature no longer covers the head
    (tmp / "forged.json").write_text(json.dumps(forged))
    refused = _run(env, "ledger", "verify-proof", str(tmp / "forged.json"), "--key", str(tmp / "key.json"))
    assert refused.exit_code == 1 and "signature" in refused.output

    first_head = _run(env, "ledger", "sth", "--json").output
    (tmp / "first.json").write_text(first_head)
    engine = make_engine(env["XINYONG_DATABASE_URL"])
    with session_scope(engine) as s:
        service.append_events(s, [{"type": "list.entered", "subject_id": "S0001", "list": "red"}])
    engine.dispose()
    _run(env, "ledger", "sth", "--sign")
    cons = _run(env, "ledger", "proof", "consistency", "--first", "9", "--second", "10")
    (tmp / "cons.json").write_text(cons.output)
    ok = _run(
        env,
        "ledger",
        "verify-proof",
        str(tmp / "cons.json"),
        "--key",
        str(tmp / "key.json"),
        "--first-sth",
        str(tmp / "first.json"),
    )
    assert ok.exit_code == 0, ok.output


def test_bad_proof_arguments_exit_2_with_a_reason(env):
    result = _run(env, "ledger", "proof", "consistency", "--first", "5", "--second", "3")
    assert result.exit_code == 2 and "larger than second" in result.output


def test_verify_reports_a_hand_edited_and_a_deleted_record(env):
    assert _run(env, "ledger", "verify").exit_code == 0
    edited, deleted = env["ids"][2], env["ids"][6]
    engine = make_engine(env["XINYONG_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET severity = 'minor' WHERE id = :id"), {"id": edited})
        conn.execute(text("DELETE FROM records WHERE id = :id"), {"id": deleted})
    engine.dispose()
    result = _run(env, "ledger", "verify", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [c["record_id"] for c in report["changed"]] == [edited]
    assert report["deleted"] == [deleted]
    again = _run(env, "ledger", "verify")  # never "fixed": still reported
    assert again.exit_code == 1 and edited in again.output and deleted in again.output
