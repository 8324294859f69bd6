"""The signing key: created once with mode 0600, or taken from XINYONG_LEDGER_KEY in any of its forms."""

from __future__ import annotations

import dataclasses
import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from xinyong.ledger import keys
from xinyong.settings import Settings


def _settings(tmp_path, key: str = "") -> Settings:
    return dataclasses.replace(Settings(), data_dir=tmp_path, ledger_key=key)


def test_key_file_is_created_once_with_mode_0600(tmp_path):
    first = keys.load_private_key(_settings(tmp_path))
    path = tmp_path / keys.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = keys.load_private_key(_settings(tmp_path))
    assert keys.public_raw(first.public_key()) == keys.public_raw(again.public_key())


def test_env_key_as_pem_hex_or_path_gives_the_same_key(tmp_path):
    seed = "5a" * 32
    from_hex = keys.load_private_key(_settings(tmp_path, seed))
    pem = from_hex.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    (tmp_path / "k.pem").write_text(pem)
    for value in (pem, str(tmp_path / "k.pem")):
        key = keys.load_private_key(_settings(tmp_path, value))
        assert keys.key_id(key.public_key()) == keys.key_id(from_hex.public_key())
    assert not (tmp_path / keys.KEY_FILE).exists()  # an explicit key never creates a file


def test_unreadable_env_key_is_refused(tmp_path):
    with pytest.raises(keys.LedgerKeyError, match="XINYONG_LEDGER_KEY"):
        keys.load_private_key(_settings(tmp_path, "not-a-key"))


def test_signed_bytes_follow_rfc6962_tree_head_signature():
    data = keys.sth_bytes(tree_size=7, timestamp_ms=1_700_000_000_123, root_hash=bytes(range(32)))
    assert data[:2] == b"\x00\x01" and len(data) == 50
    assert int.from_bytes(data[2:10], "big") == 1_700_000_000_123
    assert int.from_bytes(data[10:18], "big") == 7 and data[18:] == bytes(range(32))


def test_public_key_document_round_trips(tmp_path):
    key = keys.load_private_key(_settings(tmp_path, "5b" * 32))
    doc = keys.public_key_document(key.public_key())
    for text in (doc["public_key_hex"], doc["public_key_pem"], json.dumps(doc)):
        assert keys.key_id(keys.load_public_key(text)) == doc["key_id"]


def test_audits_never_create_a_key(tmp_path):
    assert keys.existing_public_key(_settings(tmp_path)) is None
    assert not (tmp_path / keys.KEY_FILE).exists()
    created = keys.load_private_key(_settings(tmp_path))
    assert keys.key_id(keys.existing_public_key(_settings(tmp_path))) == keys.key_id(created.public_key())
