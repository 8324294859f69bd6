"""Small builders shared by the ledger tests: a subject and records logged through the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from xinyong.ledger import service
from xinyong.records.models import Record
from xinyong.settings import Settings
from xinyong.subjects.models import Subject

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
SEED = "11" * 32  # a fixed Ed25519 seed: tests never touch a real key file


def make_settings(url: str, tmp_path) -> Settings:
    return dataclasses.replace(Settings.from_env(), database_url=url, data_dir=tmp_path, ledger_key=SEED,
                               ledger_sth_interval=3600)


def add_subject(session: Session, subject_id: str = "S0001") -> str:
    naive = AT.replace(tzinfo=None)
    session.add(Subject(id=subject_id, kind="enterprise", name="天津河东测试商贸有限公司", attributes={},
                        source="test", first_seen=naive, last_seen=naive))
    session.flush()
    return subject_id


def add_records(session: Session, count: int, subject_id: str = "S0001") -> list[Record]:
    """Insert records and log each as record.collected with its digest, as ingest does."""
    naive = AT.replace(tzinfo=None)
    records = []
    for i in range(count):
        fields = {"decision_no": f"津河东罚〔2026〕{i}号", "amount_wan": i}
        rid = hashlib.sha256(f"penalty|{subject_id}|{i}".encode()).hexdigest()
        records.append(Record(id=rid, kind="penalty", subject_id=subject_id, source="市场监管局",
                              source_record_id=f"D{i}", occurred_on=dt.date(2026, 1, 1 + i % 28),
                              polarity="negative", disclosure="public", amount=float(i * 100),
                              fields=fields, original={"决定书文号": fields["decision_no"]},
                              first_seen=naive, last_seen=naive))
    session.add_all(records)
    session.flush()
    service.append_events(session, [
        {"type": "record.collected", "record_id": r.id, "kind": r.kind, "subject_id": r.subject_id,
         "source": r.source, "batch_id": r.batch_id, "digest": service.record_digest(r)} for r in records
    ], at=AT)
    return records
