"""Shared fixtures: a migrated database on SQLite and on a real PostgreSQL server.

PostgreSQL, Chromium, Spark and Poppler (PDF read-back) tests skip when the part is missing on a
developer machine, and fail instead when .ci/run has provisioned it (XINYONG_REQUIRE_PG / _BROWSER /
_SPARK / _POPPLER = 1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from helpers.http import OFFICIALS, app_client, bearer_headers
from helpers.provision import require_or_skip
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade


@pytest.fixture(scope="session")
def pg_server():
    from xinyong.store.pgserver import start_server

    try:
        server = start_server()
    except Exception as exc:  # noqa: BLE001 - any failure to start means "unavailable"
        require_or_skip("pg", str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'xinyong.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path) -> str:
    """A migrated, empty database; tests using it run once per store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'xinyong.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    """SQLite only, for tests whose subject is not the store."""
    upgrade(sqlite_url)
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()


# --------------------------------------------------------------------------- archive / public / reports


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def _credit_world_module(request, tmp_path_factory):
    """The credit world, built once per test module and store (migrations are the slow part)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('world') / 'xinyong.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        name = "w_" + uuid.uuid4().hex[:12]
        url = server.create_database(name)
        request.addfinalizer(lambda: server.drop_database(name))
    upgrade(url)
    eng = make_engine(url)
    world = _build_credit_world(eng)
    world.url = url
    yield world
    eng.dispose()


@pytest.fixture
def credit_world(_credit_world_module):
    """A small, hand-made credit world for the archive, public-card and report tests (read-only;
    the access log is emptied before each test, so tests may assert exactly what they logged).

    Two districts (和平 120101, 河西 120103), an enterprise of the 海信广场 pilot with positive and
    negative records at every disclosure level, a natural person, a 河西 enterprise and a shop whose
    name is HTML. Dates are around AS_OF = 2025-06-30 so status and publicity are decided by it.
    """
    from sqlalchemy import delete

    from xinyong.accounts.models import AccessLog
    from xinyong.store.db import session_scope

    with session_scope(_credit_world_module.engine) as s:
        s.execute(delete(AccessLog))
    return _credit_world_module


def _build_credit_world(engine):
    import datetime as dt
    import hashlib
    from types import SimpleNamespace

    from xinyong.records.models import Record
    from xinyong.store.db import session_scope
    from xinyong.subjects.identifiers import make_citizen_id, make_uscc
    from xinyong.subjects.models import Subject

    when = dt.datetime(2025, 1, 15, 9, 30)
    w = SimpleNamespace(as_of=dt.date(2025, 6, 30), engine=engine, pilot="heping_haixin")
    w.uscc_shop = make_uscc("91120101MA05XY001")
    w.uscc_hexi = make_uscc("91120103MA05XY002")
    w.uscc_xss = make_uscc("92120101MA05XY003")
    w.person_id = make_citizen_id("12010119800101123")

    def subject(sid: str, **kw) -> Subject:
        base = dict(
            id=sid, kind="enterprise", source="市场监管委", first_seen=when, last_seen=when, attributes={}
        )
        return Subject(**(base | kw))

    def record(
        rid: str,
        sid: str,
        kind: str,
        polarity: str,
        disclosure: str,
        occurred: dt.date,
        until: dt.date | None,
        fields: dict,
        **kw,
    ) -> Record:
        return Record(
            id=hashlib.sha256(rid.encode()).hexdigest(),
            kind=kind,
            subject_id=sid,
            source=kw.pop("source", "和平区市场监管局"),
            source_record_id=rid,
            occurred_on=occurred,
            publicity_until=until,
            polarity=polarity,
            disclosure=disclosure,
            fields=fields,
            original=dict(fields),
            first_seen=kw.pop("first_seen", when),
            last_seen=when,
            **kw,
        )

    w.shop, w.person, w.hexi, w.xss = "S-SHOP", "S-PERSON", "S-HEXI", "S-XSS"
    with session_scope(engine) as s:
        s.add_all(
            [
                subject(
                    w.shop,
                    name="天津海信广场示范餐饮有限公司",
                    uscc=w.uscc_shop,
                    district_code="120101",
                    division_code="120101",
                    legal_rep="张小明",
                    industry="餐饮",
                    pilot=w.pilot,
                    address="和平区南京路68号",
                    registered_on=dt.date(2015, 3, 1),
                ),
                subject(
                    w.person,
                    kind="person",
                    name="王大锤",
                    id_number=w.person_id,
                    district_code="120101",
                    address="和平区某小区1号",
                ),
                subject(
                    w.hexi,
                    name="网信大厦示范科技有限公司",
                    uscc=w.uscc_hexi,
                    district_code="120103",
                    legal_rep="李四光",
                    industry="信息技术",
                    pilot="hexi_wangxin",
                ),
                subject(
                    w.xss,
                    kind="individual_business",
                    name='<script>alert("x")</script>小店',
                    uscc=w.uscc_xss,
                    district_code="120101",
                    legal_rep="赵六",
                    industry="零售",
                    pilot=w.pilot,
                ),
            ]
        )
        s.flush()
        s.add_all(
            [
                record(
                    "P-ACTIVE",
                    w.shop,
                    "penalty",
                    "negative",
                    "public",
                    dt.date(2025, 3, 1),
                    dt.date(2026, 3, 1),
                    {
                        "decision_no": "津和市监罚〔2025〕1号",
                        "penalty_type": "罚款",
                        "authority": "和平区市场监管局",
                        "violation_facts": "法定代表人张小明未落实进货查验制度",
                    },
                    severity="general",
                    amount=5000.0,
                ),
                record(
                    "P-EXPIRED",
                    w.shop,
                    "penalty",
                    "negative",
                    "public",
                    dt.date(2023, 1, 10),
                    dt.date(2024, 1, 10),
                    {
                        "decision_no": "津和市监罚〔2023〕9号",
                        "penalty_type": "警告",
                        "authority": "和平区市场监管局",
                    },
                    severity="minor",
                ),
                record(
                    "H-1",
                    w.shop,
                    "honour",
                    "positive",
                    "public",
                    dt.date(2024, 12, 1),
                    dt.date(2027, 12, 1),
                    {"title": "诚信示范商户", "awarded_by": "和平区诚信办", "honour_no": "和信〔2024〕3号"},
                    source="和平区诚信办",
                ),
                record(
                    "C-1",
                    w.shop,
                    "commitment",
                    "positive",
                    "public",
                    dt.date(2025, 2, 1),
                    None,
                    {"commitment_type": "诚信经营承诺", "content": "明码标价，假一赔三"},
                    source="和平区诚信办",
                ),
                record(
                    "CP-1",
                    w.shop,
                    "complaint",
                    "negative",
                    "authorised",
                    dt.date(2025, 4, 2),
                    dt.date(2026, 4, 2),
                    {
                        "content": "消费者李雷投诉退款慢，联系电话13812345678",
                        "category": "退款纠纷",
                        "contact_name": "李雷",
                    },
                    source="12315",
                ),
                record(
                    "INS-GOV",
                    w.shop,
                    "inspection",
                    "neutral",
                    "government",
                    dt.date(2025, 5, 5),
                    None,
                    {"result": "未发现问题", "inspector": "执法员甲"},
                    source="和平区消防救援支队",
                ),
                record(
                    "P-FUTURE",
                    w.shop,
                    "penalty",
                    "negative",
                    "public",
                    dt.date(2025, 8, 1),
                    dt.date(2026, 8, 1),
                    {
                        "decision_no": "津和市监罚〔2025〕88号",
                        "penalty_type": "罚款",
                        "authority": "和平区市场监管局",
                    },
                ),
                record(
                    "J-PERSON",
                    w.person,
                    "judgment_debtor",
                    "negative",
                    "public",
                    dt.date(2025, 1, 5),
                    dt.date(2027, 1, 5),
                    {"case_no": "(2025)津0101执1号", "person_name": "王大锤"},
                    source="和平区人民法院",
                ),
                record(
                    "HX-GOV",
                    w.hexi,
                    "contract_performance",
                    "neutral",
                    "government",
                    dt.date(2025, 2, 2),
                    None,
                    {"summary": "河西合同履约记录"},
                    source="河西区商务局",
                ),
                record(
                    "HX-PUB",
                    w.hexi,
                    "honour",
                    "positive",
                    "public",
                    dt.date(2025, 1, 2),
                    dt.date(2028, 1, 2),
                    {"title": "楼宇诚信企业", "awarded_by": "河西区诚信办"},
                    source="河西区诚信办",
                ),
                record(
                    "X-1",
                    w.xss,
                    "penalty",
                    "negative",
                    "public",
                    dt.date(2025, 4, 4),
                    dt.date(2026, 4, 4),
                    {
                        "decision_no": '=HYPERLINK("http://evil","x")',
                        "penalty_type": "<b>罚款</b>",
                        "authority": "和平区市场监管局",
                    },
                    severity="general",
                ),
            ]
        )
    return w


@pytest.fixture(scope="module")
def _credit_client_module(_credit_world_module):
    """(TestClient of the app on `credit_world`, {login name: Authorization headers}).

    Logins: admin (city), heping / hexi (district officers of 和平 / 河西), bank, shichang
    (department supplying penalty and inspection), shop (the S-SHOP subject's own account)."""
    world = _credit_world_module
    specs = {
        **OFFICIALS,
        "shichang": dict(role="department", kinds=["penalty", "inspection"]),
        "shop": dict(role="subject", subject_id=world.shop),
    }
    headers = bearer_headers(world.engine, specs)
    with app_client(world.url) as client:
        yield client, headers


@pytest.fixture
def credit_client(_credit_client_module, credit_world):
    """The module's client on a credit world whose access log was just emptied."""
    return _credit_client_module


# --------------------------------------------------------------------------- notify / alerts


@pytest.fixture
def smtp():
    """A real local SMTP server (aiosmtpd) that keeps what it receives."""
    from helpers.notify_world import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    """A real local webhook receiver (see helpers.notify_world.Receiver)."""
    from helpers.notify_world import Receiver

    r = Receiver().start()
    yield r
    r.stop()
