"""RFC 6962 hashing and proofs against published references, the transparency-dev vectors and
hypothesis invariants (pure functions, no database)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import CT_LEAVES, CT_ROOTS

from xinyong.ledger import merkle

# Published reference proofs over the same leaves (certificate-transparency-go merkle tests:
# inclusionProofs / consistencyProofs), leaf indexes here 0-based.
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
CT_CONSISTENCY = {
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (1, 1): [],
}

# A copy of shared/vectors/merkle (transparency-dev/merkle testdata, Apache-2.0: see its LICENSE and
# SOURCE.md) so the suite runs the same in any clone, with or without shared/ beside it.
VECTORS = Path(__file__).resolve().parent / "vectors" / "merkle"


def _ct_hashes() -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]


def _inclusion(nodes, index: int, size: int) -> list[bytes]:
    return merkle.evaluate(merkle.inclusion_plan(index, size), nodes)


def _consistency(nodes, first: int, second: int) -> list[bytes]:
    return merkle.evaluate(merkle.consistency_plan(first, second), nodes)


def _root(nodes, size: int) -> bytes:
    return merkle.evaluate([merkle.root_plan(size)], nodes)[0] if size else merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_reference_roots(size):
    hashes = _ct_hashes()[:size]
    assert merkle.root_from_leaf_hashes(hashes).hex() == CT_ROOTS[size]
    assert _root(merkle.tree_nodes(_ct_hashes()), size).hex() == CT_ROOTS[size]
    frontier = merkle.Frontier()
    frontier.append(hashes)
    assert frontier.root().hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size"), sorted(CT_INCLUSION))
def test_reference_inclusion_proofs(index, size):
    nodes = merkle.tree_nodes(_ct_hashes())
    proof = _inclusion(nodes, index, size)
    assert [p.hex() for p in proof] == CT_INCLUSION[index, size]
    merkle.verify_inclusion(index, size, _ct_hashes()[index], proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("first", "second"), sorted(CT_CONSISTENCY))
def test_reference_consistency_proofs(first, second):
    nodes = merkle.tree_nodes(_ct_hashes())
    proof = _consistency(nodes, first, second)
    assert [p.hex() for p in proof] == CT_CONSISTENCY[first, second]
    merkle.verify_consistency(
        first, second, bytes.fromhex(CT_ROOTS[first]), bytes.fromhex(CT_ROOTS[second]), proof
    )


def _vector_files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_vector_folder_is_complete():
    # Guards the parametrised tests below against silently running on an empty folder.
    assert len(_vector_files("inclusion")) + len(_vector_files("consistency")) == 196


@pytest.mark.parametrize("path", _vector_files("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vectors(path):
    v = json.loads(path.read_text())
    args = (
        v["leafIdx"],
        v["treeSize"],
        _b64(v["leafHash"]),
        [_b64(p) for p in v["proof"] or []],
        _b64(v["root"]),
    )
    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", _vector_files("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vectors(path):
    v = json.loads(path.read_text())
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), [_b64(p) for p in v["proof"] or []])
    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def _flip(data: bytes, bit: int) -> bytes:
    bit %= len(data) * 8
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _tree(size: int) -> tuple[list[bytes], dict]:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    return hashes, merkle.tree_nodes(hashes)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_inclusion_proofs_verify_and_any_bit_flip_fails(size, data):
    hashes, nodes = _tree(size)
    root = _root(nodes, size)
    assert root == merkle.root_from_leaf_hashes(hashes)
    index = data.draw(st.integers(0, size - 1))
    proof = _inclusion(nodes, index, size)
    assert len(proof) <= size.bit_length()
    merkle.verify_inclusion(index, size, hashes[index], proof, root)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, _flip(hashes[index], bit), proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, hashes[index], proof, _flip(root, bit))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:which], _flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, hashes[index], bad, root)


@settings(max_examples=60, deadline=None)
@given(second=st.integers(1, 3000), data=st.data())
def test_consistency_proofs_verify_and_any_bit_flip_fails(second, data):
    _, nodes = _tree(second)
    first = data.draw(st.integers(1, second))
    first_root, second_root = _root(nodes, first), _root(nodes, second)
    proof = _consistency(nodes, first, second)
    merkle.verify_consistency(first, second, first_root, second_root, proof)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, _flip(first_root, bit), second_root, proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, first_root, _flip(second_root, bit), proof)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:which], _flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, first_root, second_root, bad)


def test_every_proof_of_a_small_tree_verifies():
    # Exhaustive over all shapes up to 70 leaves (the CT generated-proof range).
    hashes, nodes = _tree(70)
    for size in range(1, 71):
        root = _root(nodes, size)
        for index in range(size):
            merkle.verify_inclusion(index, size, hashes[index], _inclusion(nodes, index, size), root)
        for first in range(1, size + 1):
            merkle.verify_consistency(
                first, size, _root(nodes, first), root, _consistency(nodes, first, size)
            )


@pytest.mark.parametrize(("first", "second"), [(0, 0), (0, 5), (6, 5)])
def test_bad_consistency_sizes_are_refused(first, second):
    with pytest.raises(merkle.ProofError, match="/"):
        merkle.consistency_plan(first, second)


def test_frontier_yields_the_stored_nodes():
    hashes, nodes = _tree(777)
    frontier = merkle.Frontier()
    made = dict(frontier.append(hashes[:500]) + frontier.append(hashes[500:]))
    expected = {k.node_id: h for k, h in nodes.items() if k.level > 0}
    assert made == expected
    assert frontier.root() == merkle.root_from_leaf_hashes(hashes)


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 70), min_size=1, max_size=6), min_level=st.integers(0, 4))
def test_frontier_emits_every_stored_node_once_whatever_the_batches(cuts, min_level):
    """Block-wise reduction (whole aligned blocks) and the one-by-one stack give the same nodes."""
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(sum(cuts))]
    frontier, made, start = merkle.Frontier(), [], 0
    for cut in cuts:
        made += frontier.append(hashes[start : start + cut], min_level=min_level)
        start += cut
    expected = {k.node_id: h for k, h in merkle.tree_nodes(hashes).items() if k.level >= max(min_level, 1)}
    assert sorted(made) == sorted(expected.items())
    assert frontier.root() == merkle.root_from_leaf_hashes(hashes)
