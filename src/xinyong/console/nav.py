"""The console's main menu, by role: a link is shown only to roles that may open it.

`NAV` lists every menu entry with the roles its route admits (`None`: everyone, logged in or not).
The roles must match the route's own guard (`require_console_role(...)`); tests/console/test_nav_errors.py
opens every shown link as every role and checks no hidden page would have opened.

Some pages apply to a kind of login, not a whole role: 我的积分 to a villager of a points village,
积分审批 to a village committee member, 我的就医账单 to a 东丽 resident, 我的信用积分 to a natural
person. Such a link names the page's own check in `when` ("module:function", called as
`function(session, viewer) -> bool`; the route refuses with 403 when it is False), so the menu and
the page decide alike without the console importing the domains.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fastapi import Request

from xinyong.disclosure.policy import LOGIN_ROLES


@dataclass(frozen=True)
class NavLink:
    href: str
    zh: str
    en: str
    roles: tuple[str, ...] | None  # None: everyone
    when: str | None = None  # "module:function(session, viewer) -> bool", the page's own check


NAV: tuple[NavLink, ...] = (
    NavLink("/", "首页", "Home", None),
    NavLink("/subjects", "信用主体", "Subjects", LOGIN_ROLES),
    NavLink("/evaluation", "信用评价", "Evaluation", LOGIN_ROLES),
    NavLink("/ingest/upload", "数据上传", "Upload", ("city_admin", "department")),
    NavLink("/quarantine", "待处理数据", "Quarantine", ("city_admin", "department")),
    NavLink("/supervision", "分级监管", "Supervision", ("city_admin", "district_officer")),
    NavLink("/draws", "双随机抽查", "Random inspections", ("city_admin", "district_officer")),
    NavLink("/public", "公共查询", "Public", None),
    NavLink("/lists", "信用名单", "Lists", ("city_admin", "district_officer")),
    NavLink("/commitments", "信用承诺", "Commitments", ("city_admin", "district_officer")),
    NavLink("/commitments/sign", "签署承诺", "Sign", ("subject",)),
    NavLink("/repair", "信用修复", "Credit repair", ("subject",)),
    NavLink("/repair/review", "修复审核", "Repair review", ("city_admin", "district_officer", "department")),
    NavLink("/repair/guidance", "修复指导", "Repair guidance", ("city_admin", "district_officer")),
    NavLink(
        "/points/counter", "积分审批", "Points counter", LOGIN_ROLES, "xinyong.points.pages:is_committee"
    ),
    NavLink("/points/dashboard", "积分看板", "Points", ("city_admin", "district_officer")),
    NavLink("/points/me", "我的积分", "My points", ("subject",), "xinyong.points.pages:is_villager"),
    NavLink("/points/ranking", "村积分排行", "Village ranking", None),
    NavLink("/points/hongqiao", "红桥企业排名", "红桥 firm ranking", None),
    NavLink(
        "/medical/me", "我的就医账单", "My statements", ("subject",), "xinyong.medical.pages:is_resident"
    ),
    NavLink("/medical/dashboard", "信用就医", "Credit medical", ("city_admin", "district_officer")),
    NavLink("/inbox", "站内信", "Inbox", LOGIN_ROLES),
    NavLink("/webhooks", "Webhook", "Webhooks", ("city_admin", "district_officer")),
    NavLink("/alerts", "风险预警", "Alerts", ("city_admin", "district_officer", "bank")),
    NavLink("/scenarios", "信易+场景", "Incentives", LOGIN_ROLES),
    NavLink("/bank", "银行工作台", "Bank workbench", ("bank",)),
    NavLink("/my/score", "我的信用积分", "My score", ("subject",), "xinyong.accounts.deps:is_person_login"),
    NavLink("/my/financing", "融资需求", "Financing needs", ("subject",)),
)


def links_for(role: str) -> list[NavLink]:
    """The menu of a role ("public" for anonymous visitors), before any `when` check."""
    return [link for link in NAV if link.roles is None or role in link.roles]


def check(name: str):  # noqa: ANN201 - the page's check, (session, viewer) -> bool
    module, _, func = name.partition(":")
    return getattr(importlib.import_module(module), func)


def nav_links(request: Request) -> list[NavLink]:
    """Jinja global: the menu of the current viewer (role, then each link's `when` check)."""
    from xinyong.accounts.deps import get_auth
    from xinyong.store.db import session_scope

    viewer = get_auth(request).viewer
    links = links_for(viewer.role)
    if not any(link.when for link in links):
        return links
    with session_scope(request.app.state.engine) as session:
        return [link for link in links if link.when is None or check(link.when)(session, viewer)]
