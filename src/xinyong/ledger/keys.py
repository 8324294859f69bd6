"""The log's Ed25519 key (签名密钥) and the signed-tree-head byte format. No database here, so the
standalone verifier (`xinyong ledger verify-proof`) uses the same code as the server.

Signed bytes: RFC 6962 §3.5 ``TreeHeadSignature`` — version 0 (v1), signature type 1 (tree_hash),
uint64 timestamp (milliseconds since the epoch), uint64 tree size, the 32-byte root; big-endian,
50 bytes. Ed25519 signs those bytes directly.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from xinyong.settings import Settings

KEY_FILE = Path("ledger") / "ed25519.pem"


class LedgerKeyError(ValueError):
    """The configured key cannot be read; bilingual message."""


def sth_bytes(tree_size: int, timestamp_ms: int, root_hash: bytes) -> bytes:
    if len(root_hash) != 32:
        raise ValueError("root hash must be 32 bytes / 根哈希应为 32 字节")
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root_hash


def _from_text(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise LedgerKeyError("XINYONG_LEDGER_KEY is not an Ed25519 key / 不是 Ed25519 私钥")
        return key
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    path = Path(text)
    if not path.is_file():
        raise LedgerKeyError(
            "XINYONG_LEDGER_KEY is neither PEM text, 64 hex digits nor an existing file / "
            "XINYONG_LEDGER_KEY 既不是 PEM 文本、64 位十六进制，也不是已存在的文件"
        )
    return _from_text(path.read_text(encoding="ascii"))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: two processes starting at once must not both write a key; the loser reads the winner's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def key_path(settings: Settings) -> Path:
    """Where the key file lives when XINYONG_LEDGER_KEY is empty: <data_dir>/ledger/ed25519.pem."""
    return Path(settings.data_dir) / KEY_FILE


def load_private_key(settings: Settings, *, expected_key_id: str | None = None) -> Ed25519PrivateKey:
    """XINYONG_LEDGER_KEY when set, else <data_dir>/ledger/ed25519.pem (created on first use, 0600).

    `expected_key_id`: the key the log's heads are signed with (service.signing_key passes it). When
    given, a missing key file is NOT created — a process started with another data directory (or
    from another working directory) must not mint a second key for the same log — and
    LedgerKeyError says where the key was looked for and which key the log expects."""
    if settings.ledger_key:
        return _from_text(settings.ledger_key)
    path = key_path(settings)
    if not path.exists():
        if expected_key_id is not None:
            raise LedgerKeyError(
                f"no signing key at {path.resolve()}; the log's heads are signed by key {expected_key_id}. "
                "Point XINYONG_DATA_DIR (or XINYONG_DATABASE_URL's directory) at the data directory that "
                "holds ledger/ed25519.pem, or set XINYONG_LEDGER_KEY; no new key was created / "
                f"{path.resolve()} 处没有签名密钥；日志树头由密钥 {expected_key_id} 签署。请将 XINYONG_DATA_DIR"
                "指向存放 ledger/ed25519.pem 的数据目录，或设置 XINYONG_LEDGER_KEY；未创建新密钥"
            )
        _create_key_file(path)
    return _from_text(str(path))


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def install_key_file(settings: Settings, key: Ed25519PrivateKey, *, retired_suffix: str) -> Path:
    """Write `key` as the key file (0600), keeping the previous file as ed25519.<suffix>.retired.pem."""
    path = key_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.rename(path.with_name(f"ed25519.{retired_suffix}.retired.pem"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem(key))
    return path


def load_private_text(text: str) -> Ed25519PrivateKey:
    """A private key from PEM text, 64 hex digits of a seed, or a path to a PEM file."""
    return _from_text(text)


def existing_public_key(settings: Settings) -> Ed25519PublicKey | None:
    """The configured key's public half, without creating a key file (for read-only audits)."""
    if settings.ledger_key or key_path(settings).exists():
        return load_private_key(settings).public_key()
    return None


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex (what each signed head names)."""
    return hashlib.sha256(public_raw(key)).hexdigest()


def public_key_document(key: Ed25519PublicKey) -> dict[str, str]:
    """What `GET /.well-known/xinyong-ledger-key` and `xinyong ledger key` publish."""
    raw = public_raw(key)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "algorithm": "Ed25519",
        "key_id": key_id(key),
        "public_key_hex": raw.hex(),
        "public_key_base64": base64.b64encode(raw).decode(),
        "public_key_pem": pem.decode(),
        "signed_bytes": "RFC 6962 TreeHeadSignature: 0x00 0x01 uint64be(timestamp_ms) "
        "uint64be(tree_size) root_hash[32]",
    }


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from the key document (JSON), PEM text or 64 hex digits."""
    import json

    text = text.strip()
    if text.startswith("{"):
        text = json.loads(text)["public_key_hex"]
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise LedgerKeyError("not an Ed25519 public key / 不是 Ed25519 公钥")
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError as exc:
        raise LedgerKeyError(f"unreadable public key: {exc} / 无法读取公钥") from exc


def sign_head(key: Ed25519PrivateKey, tree_size: int, timestamp_ms: int, root_hash: bytes) -> bytes:
    return key.sign(sth_bytes(tree_size, timestamp_ms, root_hash))


def verify_head(
    public: Ed25519PublicKey, tree_size: int, timestamp_ms: int, root_hash: bytes, signature: bytes
) -> bool:
    try:
        public.verify(signature, sth_bytes(tree_size, timestamp_ms, root_hash))
    except (InvalidSignature, ValueError):
        return False
    return True
