"""`xinyong ledger …`: keys, signed tree heads, proofs, an offline verifier and the store audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from xinyong.ledger import keys, merkle
from xinyong.settings import get_settings

ledger_app = typer.Typer(help="Transparency log / 透明日志 (RFC 6962 Merkle tree)", no_args_is_help=True)
proof_app = typer.Typer(help="Proofs from the store / 生成证明", no_args_is_help=True)
ledger_app.add_typer(proof_app, name="proof")

URL = typer.Option(None, "--url", help="Database URL (default: XINYONG_DATABASE_URL)")


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")


def _echo_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _session_scope(url: str | None):  # noqa: ANN202 - context manager
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(url or get_settings().database_url))


@ledger_app.command("key")
def key_cmd(url: str = URL) -> None:
    """Print the public key that signs tree heads (JSON) / 输出签名公钥. Exit 1 when the configured key
    is not the one the log's heads are signed with (no key file is created then)."""
    from xinyong.ledger import service

    try:
        with _session_scope(url) as session:
            doc = keys.public_key_document(service.signing_key(session, get_settings()).public_key())
    except service.LedgerKeyMismatch as exc:
        _fail(str(exc), 1)
    _echo_json(doc)


@ledger_app.command("rotate-key")
def rotate_key_cmd(
    new_key: str = typer.Option(
        ..., "--new-key", help="The new Ed25519 key: PEM file path, PEM text or 64 hex digits"
    ),
    reason: str = typer.Option(..., "--reason", help="Why the key changes (written into the log) / 更换原因"),
    old_key_lost: bool = typer.Option(
        False, "--old-key-lost", help="The old key is lost or compromised: rotate without its signature"
    ),
    url: str = URL,
) -> None:
    """Change the signing key on purpose / 更换签名密钥: logs a key.rotated leaf, signs a head with the
    old key (unless --old-key-lost) and one with the new key, then installs the new key file
    (<data_dir>/ledger/ed25519.pem; the old one is kept as ed25519.<old id>.retired.pem). With
    XINYONG_LEDGER_KEY set, change that setting to the new key afterwards. Exit 1 when refused."""
    from xinyong.ledger import service

    settings = get_settings()
    try:
        new = keys.load_private_text(new_key)
    except (keys.LedgerKeyError, ValueError) as exc:
        _fail(f"--new-key: {exc}", 2)
    try:
        with _session_scope(url) as session:
            old = None if old_key_lost else service.signing_key(session, settings)
            result = service.rotate_key(session, old=old, new=new, reason=reason)
    except service.LedgerError as exc:
        _fail(str(exc), 1)
    if settings.ledger_key:
        result["next_step"] = "set XINYONG_LEDGER_KEY to the new key / 请将 XINYONG_LEDGER_KEY 改为新密钥"
    else:
        suffix = str(result["old_key_id"] or "none")[:16]
        result["key_file"] = str(keys.install_key_file(settings, new, retired_suffix=suffix).resolve())
    _echo_json(result)


@ledger_app.command("sth")
def sth_cmd(
    sign: bool = typer.Option(False, "--sign", help="Sign a new head of the current tree / 签署新树头"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    url: str = URL,
) -> None:
    """Show (or sign) the latest signed tree head / 查看或签署树头."""
    from xinyong.ledger import service

    with _session_scope(url) as session:
        if sign:
            try:
                head = service.sign_head(session, key=service.signing_key(session, get_settings()))
            except service.LedgerKeyMismatch as exc:
                _fail(str(exc), 1)
        else:
            head = service.latest_head(session)
            if head is None:
                _fail("no signed tree head yet; run `xinyong ledger sth --sign` / 尚无签名树头", 1)
        doc = service.head_document(head)
    if as_json:
        _echo_json(doc)
    else:
        typer.echo(
            f"tree size / 树大小: {doc['tree_size']}\nroot / 根哈希: {doc['root_hash']}\n"
            f"signed at / 签署时间: {doc['signed_at']}\nkey id / 密钥: {doc['key_id']}"
        )


@proof_app.command("inclusion")
def proof_inclusion(
    leaf_index: int = typer.Option(..., "--leaf-index", help="0-based leaf index"),
    tree_size: int = typer.Option(None, "--tree-size", help="tree size (default: whole log)"),
    url: str = URL,
) -> None:
    """Inclusion proof (JSON) / 包含证明."""
    from xinyong.ledger import service

    with _session_scope(url) as session:
        try:
            _echo_json(service.inclusion_proof(session, leaf_index=leaf_index, tree_size_=tree_size))
        except service.LedgerError as exc:
            _fail(str(exc))


@proof_app.command("consistency")
def proof_consistency(
    first: int = typer.Option(..., "--first", help="older tree size (>= 1)"),
    second: int = typer.Option(..., "--second", help="newer tree size"),
    url: str = URL,
) -> None:
    """Consistency proof (JSON) / 一致性证明."""
    from xinyong.ledger import service

    with _session_scope(url) as session:
        try:
            _echo_json(service.consistency_proof(session, first=first, second=second))
        except service.LedgerError as exc:
            _fail(str(exc))


@ledger_app.command("root")
def root_cmd() -> None:
    """Read leaf data as hex, one leaf per line, on stdin; print the RFC 6962 tree hash / 计算根哈希.

    An empty line is an empty leaf; empty input is the empty tree (SHA-256 of "")."""
    datas: list[bytes] = []
    for number, line in enumerate(sys.stdin.read().splitlines(), start=1):
        try:
            datas.append(bytes.fromhex(line.strip()))
        except ValueError:
            _fail(f"line {number}: not hex: {line[:60]!r} / 第 {number} 行不是十六进制")
    typer.echo(merkle.root_from_leaves(datas).hex())


def _read(path: str) -> str:
    return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")


def _checked_head(head: dict, public: object, label: str) -> None:
    ok = keys.verify_head(
        public,
        int(head["tree_size"]),
        int(head["timestamp"]),
        bytes.fromhex(head["root_hash"]),
        bytes.fromhex(head["signature"]),
    )
    if not ok:
        raise merkle.ProofError(f"{label}: signature does not verify with this key / {label} 签名无效")


def verify_proof_document(
    proof: dict,
    public: object,
    sth: dict | None = None,
    first_sth: dict | None = None,
    leaf_data: bytes | None = None,
) -> str:
    """Check a proof JSON against signed heads and a public key; return a one-line summary or raise
    ProofError. No database: this is what an outsider runs."""
    if "leaf_index" in proof:
        head = sth or proof.get("sth")
        if not head:
            raise merkle.ProofError("no signed tree head given (--sth) / 缺少签名树头")
        _checked_head(head, public, "sth")
        if int(head["tree_size"]) != int(proof["tree_size"]):
            raise merkle.ProofError("proof and signed head have different tree sizes / 证明与树头大小不同")
        leaf = bytes.fromhex(proof["leaf_hash"])
        if leaf_data is not None and merkle.leaf_hash(leaf_data) != leaf:
            raise merkle.ProofError("leaf data does not hash to leaf_hash / 叶数据与叶哈希不符")
        merkle.verify_inclusion(
            int(proof["leaf_index"]),
            int(head["tree_size"]),
            leaf,
            [bytes.fromhex(p) for p in proof["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        )
        return f"leaf {proof['leaf_index']} is in the signed tree of size {head['tree_size']}"
    if "first" in proof:
        head = sth or proof.get("second_sth")
        if not head:
            raise merkle.ProofError("no signed tree head for the second size (--sth) / 缺少签名树头")
        _checked_head(head, public, "sth")
        if int(head["tree_size"]) != int(proof["second"]):
            raise merkle.ProofError("proof and signed head have different tree sizes / 证明与树头大小不同")
        first_root = bytes.fromhex(proof["first_root"])
        if first_sth is not None:
            _checked_head(first_sth, public, "first sth")
            if int(first_sth["tree_size"]) != int(proof["first"]):
                raise merkle.ProofError("first signed head has another size / 旧树头大小不符")
            first_root = bytes.fromhex(first_sth["root_hash"])
        merkle.verify_consistency(
            int(proof["first"]),
            int(head["tree_size"]),
            first_root,
            bytes.fromhex(head["root_hash"]),
            [bytes.fromhex(p) for p in proof["consistency_path"]],
        )
        return f"the tree of size {proof['first']} is a prefix of the signed tree of size {head['tree_size']}"
    raise merkle.ProofError("not an inclusion or consistency proof / 不是包含或一致性证明")


@ledger_app.command("verify-proof")
def verify_proof_cmd(
    proof: str = typer.Argument("-", help="proof JSON file (- for stdin)"),
    key: Path = typer.Option(..., "--key", help="public key: `ledger key` JSON, PEM or hex"),
    sth: Path = typer.Option(None, "--sth", help="signed head JSON (default: the one inside the proof)"),
    first_sth: Path = typer.Option(None, "--first-sth", help="older signed head, for consistency proofs"),
    leaf_data: str = typer.Option(None, "--leaf-data", help="the leaf bytes as hex, checked too"),
) -> None:
    """Verify a proof offline against a signed head and a public key (no database) / 离线验证证明."""
    try:
        document = json.loads(_read(proof))
        public = keys.load_public_key(key.read_text(encoding="utf-8"))
        summary = verify_proof_document(
            document,
            public,
            sth=json.loads(sth.read_text(encoding="utf-8")) if sth else None,
            first_sth=json.loads(first_sth.read_text(encoding="utf-8")) if first_sth else None,
            leaf_data=bytes.fromhex(leaf_data) if leaf_data is not None else None,
        )
    except (merkle.ProofError, keys.LedgerKeyError, ValueError, KeyError, TypeError) as exc:
        _fail(f"✗ {exc}", 1)
    typer.echo(f"✓ {summary} / 验证通过")


@ledger_app.command("verify")
def verify_cmd(url: str = URL, as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Recompute the log and report records changed or deleted outside it, and gaps; exit 1 when
    anything is wrong. Never repairs / 校验日志与记录（只报告，不修改）."""
    from xinyong.ledger import service

    with _session_scope(url) as session:
        report = service.verify_store(session, public_key=keys.existing_public_key(get_settings()))
        session.rollback()  # read-only by contract
    if as_json:
        _echo_json(report)
    else:
        _print_report(report)
    if not report["ok"]:
        raise typer.Exit(1)


def _print_report(report: dict) -> None:
    typer.echo(f"tree size / 树大小: {report['tree_size']}")
    lines = {
        "gaps": "missing leaf indexes / 缺失的叶序号",
        "bad_leaves": "leaves whose hash does not match their data / 叶哈希不符",
        "bad_nodes": "stored tree nodes that differ / 存储节点不符",
        "bad_heads": "signed heads that do not match / 树头不符",
        "bad_index": "record index entries missing or extra / 记录索引条目缺失或多余",
        "changed": "records changed outside the log / 日志之外被修改的记录",
        "deleted": "records deleted outside the log / 日志之外被删除的记录",
        "unlogged": "records never logged / 未写入日志的记录",
    }
    for key, label in lines.items():
        for item in report[key]:
            typer.echo(f"{key}\t{label}\t{json.dumps(item, ensure_ascii=False)}")
    typer.echo("✓ log and store agree / 日志与记录一致" if report["ok"] else "✗ problems found / 发现问题")
