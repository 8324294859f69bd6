"""A small 宝坻 village and a 红桥 building for the points tests."""

from __future__ import annotations

import datetime as dt

from xinyong.points import service as points
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.service import upsert_subjects

NOW = dt.datetime(2026, 5, 1, 8, 0)
VILLAGE_USCC = make_uscc("54120115MJ0000001")
OTHER_VILLAGE_USCC = make_uscc("54120115MJ0000002")


def villager(n: int, name: str, parent: str) -> dict:
    return {
        "kind": "person",
        "name": name,
        "id_number": make_citizen_id(f"120115197001{n:02d}{n:03d}"),
        "parent_id": parent,
        "attributes": {"household_no": f"HH{n:03d}", "homestead_m2": 160},
    }


def build_village(engine) -> dict:  # noqa: ANN001
    with session_scope(engine) as s:
        v, w = upsert_subjects(
            s,
            [
                {"kind": "village", "name": "宝坻区大口屯镇试点村", "uscc": VILLAGE_USCC},
                {"kind": "village", "name": "宝坻区邻村", "uscc": OTHER_VILLAGE_USCC},
            ],
            now=NOW,
        )
        people = upsert_subjects(
            s,
            [
                villager(1, "张三丰", v),
                villager(2, "李四", v),
                villager(3, "王五", v),
                villager(4, "赵六", w),
            ],
            now=NOW,
        )
        points.enrol_village(s, village_id=v, joined_on=NOW.date())
        points.enrol_village(s, village_id=w, joined_on=NOW.date())
        points.add_committee_member(s, village_id=v, username="cun_wei", name="村委会刘主任", on=NOW.date())
        points.add_committee_member(s, village_id=w, username="lin_cun", name="邻村主任", on=NOW.date())
    return {"village": v, "other": w, "people": people}
