"""Small builders shared by the ledger tests: a subject and records logged through the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from helpers.rows import record_row, subject_row
from xinyong.ledger import service
from xinyong.records.models import Record
from xinyong.settings import Settings

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
SEED = "11" * 32  # a fixed Ed25519 seed: tests never touch a real key file


def make_settings(url: str, tmp_path) -> Settings:
    return dataclasses.replace(
        Settings.from_env(), database_url=url, data_dir=tmp_path, ledger_key=SEED, ledger_sth_interval=3600
    )


def add_subject(session: Session, subject_id: str = "S0001") -> str:
    naive = AT.replace(tzinfo=None)
    session.add(
        subject_row(subject_id, seen=naive, name="天津河东测试商贸有限公司", district=None, source="test")
    )
    session.flush()
    return subject_id


def add_records(session: Session, count: int, subject_id: str = "S0001", start: int = 0) -> list[Record]:
    """Insert records and log each as record.collected with its digest, as ingest does."""
    naive = AT.replace(tzinfo=None)
    records = []
    for i in range(start, start + count):
        fields = {"decision_no": f"津河东罚〔2026〕{i}号", "amount_wan": i}
        rid = hashlib.sha256(f"penalty|{subject_id}|{i}".encode()).hexdigest()
        records.append(
            record_row(
                rid,
                subject_id,
                seen=naive,
                occurred=dt.date(2026, 1, 1 + i % 28),
                source="市场监管局",
                source_record_id=f"D{i}",
                amount=float(i * 100),
                fields=fields,
                original={"决定书文号": fields["decision_no"]},
            )
        )
    session.add_all(records)
    session.flush()
    service.append_events(
        session,
        [
            {
                "type": "record.collected",
                "record_id": r.id,
                "kind": r.kind,
                "subject_id": r.subject_id,
                "source": r.source,
                "batch_id": r.batch_id,
                "digest": service.record_digest(r),
            }
            for r in records
        ],
        at=AT,
    )
    return records


# The eight Certificate Transparency test leaves and the published root for each prefix size
# (certificate-transparency-go merkle tests, rootForTestLeaves; the same values appear in
# transparency-dev/merkle testonly/constants.go). Size 0 is SHA-256 of the empty string.
CT_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def edit_page(conn, leaf_index: int, *, data: bytes | None = None, drop: bool = False) -> None:  # noqa: ANN001
    """What an insider with SQL access could do to a page row: rewrite one leaf's bytes inside the
    data blob (offsets kept consistent, stored hash untouched), or cut the leaf out of the page."""
    from sqlalchemy import text

    page_no = leaf_index >> service.PAGE_LEVEL
    count, hashes, ends, blob = conn.execute(
        text("SELECT leaf_count, hashes, ends, data FROM ledger_pages WHERE page_no = :p"), {"p": page_no}
    ).one()
    leaves = service.split_page(count, hashes, ends, blob)
    offset = leaf_index - (page_no << service.PAGE_LEVEL)
    if drop:
        del leaves[offset]
    else:
        leaves[offset] = (leaves[offset][0], data)
    ends_out, total = b"", 0
    for _, d in leaves:
        total += len(d)
        ends_out += total.to_bytes(4, "big")
    conn.execute(
        text("UPDATE ledger_pages SET leaf_count = :c, hashes = :h, ends = :e, data = :d WHERE page_no = :p"),
        {
            "c": len(leaves),
            "h": b"".join(h for h, _ in leaves),
            "e": ends_out,
            "d": b"".join(d for _, d in leaves),
            "p": page_no,
        },
    )
