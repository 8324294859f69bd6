"""Demo records of every catalogue kind, as ingestion rows (docs/ingest.md), per subject.

Each subject draws from its own `random.Random` (seeded from the demo seed and its identifier),
so its records do not depend on any other subject. How many records of each kind it gets comes
from profiles.yaml (by subject kind, overridden by roster role). Document numbers (文书号) come
from per-district counters, so they are unique per source and read like the real ones
(津和市监罚〔2023〕12号, （2023）津0101执345号).

Dates fall between DemoConfig.start and DemoConfig.end (2021-01 … 2026-10), never before a
subject's registration, so as-of queries (publicity periods, grades, KPIs) change over time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from xinyong.demo import names
from xinyong.demo.codes import CodeMaker
from xinyong.demo.generator import DemoConfig, DemoSubject, stable_rng

NEGATIVE = frozenset({"penalty", "judgment_debtor", "business_anomaly", "complaint"})

# Short forms used in document numbers (津和市监罚 …); a new district falls back to its first characters.
SHORT = {
    "120101": "和",
    "120102": "东",
    "120103": "西",
    "120104": "南",
    "120105": "北",
    "120106": "红",
    "120110": "丽",
    "120111": "青",
    "120112": "津南",
    "120113": "辰",
    "120114": "武",
    "120115": "宝",
    "120116": "滨",
    "120117": "宁",
    "120118": "静",
    "120119": "蓟",
}

# Regulatory domains: (ingest source = the city-level feed, authority template, document-number
# template, inspection-number letters).
DOMAINS: dict[str, tuple[str, str, str, str]] = {
    "market": ("市市场监管委", "天津市{d}市场监督管理局", "津{s}市监罚〔{y}〕{n}号", "SC"),
    "fire": ("市消防救援总队", "天津市{d}消防救援支队", "津{s}消行罚决字〔{y}〕{n}号", "XF"),
    "eco": ("市生态环境局", "天津市{d}生态环境局", "津{s}环罚字〔{y}〕{n}号", "HB"),
    "culture": ("市文化和旅游局", "天津市{d}文化和旅游局", "津{s}文旅罚〔{y}〕{n}号", "WL"),
    "tax": ("市税务局", "国家税务总局天津市{d}税务局", "津{s}税简罚〔{y}〕{n}号", "SW"),
    "health": ("市卫生健康委", "天津市{d}卫生健康委员会", "津{s}卫医罚〔{y}〕{n}号", "WJ"),
    "civil": ("市民政局", "天津市{d}民政局", "津{s}民罚〔{y}〕{n}号", "MZ"),
}

# Violations by domain: (violation type, facts, legal basis, penalty type, severity, fine range 万元).
VIOLATIONS: dict[str, tuple[tuple[str, str, str, str, str, tuple[float, float]], ...]] = {
    "market": (
        ("价格违法", "未按规定明码标价", "《中华人民共和国价格法》第四十二条", "警告", "minor", (0, 0)),
        (
            "计量违法",
            "使用未经检定的计量器具",
            "《中华人民共和国计量法实施细则》第四十三条",
            "罚款",
            "minor",
            (0.05, 0.2),
        ),
        (
            "登记管理",
            "未按规定办理变更登记",
            "《中华人民共和国市场主体登记管理条例》第四十六条",
            "罚款",
            "minor",
            (0.1, 0.5),
        ),
        (
            "食品安全",
            "未按规定查验并记录进货信息",
            "《中华人民共和国食品安全法》第一百二十六条",
            "警告",
            "minor",
            (0, 0),
        ),
        (
            "食品安全",
            "经营超过保质期的食品",
            "《中华人民共和国食品安全法》第一百二十四条",
            "罚款;没收违法所得",
            "general",
            (0.5, 5),
        ),
        (
            "产品质量",
            "销售不合格产品",
            "《中华人民共和国产品质量法》第四十九条",
            "罚款;没收违法所得",
            "general",
            (0.5, 8),
        ),
        (
            "广告违法",
            "发布虚假广告，对商品性能作虚假宣传",
            "《中华人民共和国广告法》第五十五条",
            "罚款",
            "general",
            (1, 20),
        ),
        (
            "消费者权益",
            "拒绝履行七日无理由退货义务",
            "《中华人民共和国消费者权益保护法》第五十六条",
            "警告;罚款",
            "general",
            (0.2, 2),
        ),
        (
            "商标侵权",
            "销售侵犯注册商标专用权的商品",
            "《中华人民共和国商标法》第六十条",
            "罚款;没收侵权商品",
            "general",
            (1, 10),
        ),
        (
            "食品安全",
            "经营添加非食品原料的食品",
            "《中华人民共和国食品安全法》第一百二十三条",
            "罚款;吊销许可证",
            "serious",
            (10, 60),
        ),
    ),
    "fire": (
        (
            "消防安全",
            "电气线路敷设不符合消防技术标准",
            "《中华人民共和国消防法》第六十六条",
            "警告",
            "minor",
            (0, 0),
        ),
        (
            "消防安全",
            "消防设施、器材未保持完好有效",
            "《中华人民共和国消防法》第六十条第一款第一项",
            "罚款",
            "general",
            (0.5, 5),
        ),
        (
            "消防安全",
            "占用、堵塞、封闭疏散通道、安全出口",
            "《中华人民共和国消防法》第六十条第一款第三项",
            "罚款",
            "general",
            (0.5, 5),
        ),
        (
            "消防安全",
            "未经消防安全检查擅自投入使用、营业",
            "《中华人民共和国消防法》第五十八条第一款第四项",
            "责令停产停业;罚款",
            "serious",
            (3, 30),
        ),
    ),
    "eco": (
        (
            "大气污染",
            "露天焚烧秸秆",
            "《中华人民共和国大气污染防治法》第一百一十九条",
            "罚款",
            "minor",
            (0.05, 0.2),
        ),
        (
            "固体废物",
            "未按规定贮存畜禽养殖废弃物",
            "《畜禽规模养殖污染防治条例》第四十条",
            "警告",
            "minor",
            (0, 0),
        ),
        (
            "建设项目环评",
            "建设项目环境影响报告表未经批准擅自开工建设",
            "《中华人民共和国环境影响评价法》第三十一条",
            "罚款",
            "general",
            (5, 20),
        ),
        (
            "水污染",
            "超过水污染物排放标准排放水污染物",
            "《中华人民共和国水污染防治法》第八十三条",
            "罚款",
            "general",
            (10, 50),
        ),
        (
            "水污染",
            "通过暗管逃避监管排放水污染物",
            "《中华人民共和国水污染防治法》第八十三条",
            "罚款;责令停产停业",
            "serious",
            (20, 100),
        ),
    ),
    "culture": (
        (
            "网络文化",
            "未按规定核对、登记上网消费者有效身份证件",
            "《互联网上网服务营业场所管理条例》第三十二条",
            "警告",
            "minor",
            (0, 0),
        ),
        (
            "网络文化",
            "接纳未成年人进入营业场所",
            "《互联网上网服务营业场所管理条例》第三十一条",
            "警告;罚款",
            "general",
            (0.5, 1.5),
        ),
        (
            "网络文化",
            "多次接纳未成年人进入营业场所",
            "《互联网上网服务营业场所管理条例》第三十一条",
            "吊销许可证",
            "serious",
            (0, 0),
        ),
    ),
    "tax": (
        (
            "税收征管",
            "未按照规定期限办理纳税申报",
            "《中华人民共和国税收征收管理法》第六十二条",
            "罚款",
            "minor",
            (0.02, 0.2),
        ),
        (
            "发票管理",
            "未按规定开具发票",
            "《中华人民共和国发票管理办法》第三十五条",
            "罚款",
            "minor",
            (0.05, 1),
        ),
        (
            "偷税",
            "虚假申报少缴税款",
            "《中华人民共和国税收征收管理法》第六十三条",
            "罚款",
            "serious",
            (20, 150),
        ),
    ),
    "health": (
        (
            "医疗卫生",
            "未按规定对医疗废物进行分类收集",
            "《医疗废物管理条例》第四十六条",
            "警告;罚款",
            "general",
            (0.5, 3),
        ),
        (
            "医疗卫生",
            "使用未取得执业资格的人员从事医疗卫生技术工作",
            "《医疗机构管理条例》第四十七条",
            "罚款",
            "general",
            (1, 5),
        ),
    ),
    "civil": (
        (
            "养老服务",
            "未按规定建立入住老年人健康档案",
            "《养老机构管理办法》第四十六条",
            "警告",
            "minor",
            (0, 0),
        ),
        (
            "养老服务",
            "未与老年人或其代理人签订服务协议",
            "《养老机构管理办法》第四十六条",
            "警告;罚款",
            "general",
            (0.3, 1),
        ),
    ),
}

# Licences by domain: (source, authority template, licence name, licence category, number prefix).
LICENCES: dict[str, tuple[str, str, str, str, str]] = {
    "food": ("市市场监管委", "天津市{d}市场监督管理局", "食品经营许可证", "普通", "JY1"),
    "culture": ("市文化和旅游局", "天津市{d}文化和旅游局", "网络文化经营许可证", "普通", "WW"),
    "health": ("市卫生健康委", "天津市{d}卫生健康委员会", "医疗机构执业许可证", "普通", "PDY"),
    "fire": (
        "市消防救援总队",
        "天津市{d}消防救援支队",
        "公众聚集场所投入使用、营业前消防安全检查合格证",
        "普通",
        "XFJ",
    ),
    "police": ("市公安局", "天津市公安局{d}分局", "特种行业许可证（旅馆业）", "特许", "TH"),
    "telecom": ("市通信管理局", "天津市通信管理局", "增值电信业务经营许可证", "特许", "津B2-"),
    "eco": ("市生态环境局", "天津市{d}生态环境局", "排污许可证", "普通", "PW"),
    "event": ("市公安局", "天津市公安局{d}分局", "大型群众性活动安全许可", "普通", "HD"),
    "approval": ("市政务服务办", "天津市{d}行政审批局", "营业执照变更登记", "登记", "BG"),
}

FOOD = (
    "蔬菜批发",
    "水果批发",
    "肉类批发",
    "粮油批发",
    "干调批发",
    "冻品批发",
    "餐饮服务",
    "咖啡馆",
    "酒吧",
    "农产品加工",
    "稻米种植",
    "水产养殖",
    "酿酒",
)

BANKS = (
    "交通银行天津市分行",
    "中国邮政储蓄银行天津分行",
    "天津农村商业银行",
    "天津银行",
    "渤海银行",
    "中国银行天津市分行",
    "中国工商银行天津市分行",
    "中国建设银行天津市分行",
    "中国农业银行天津市分行",
)

EXHIBITIONS = (
    "天津国际汽车展览会",
    "中国建筑科学大会暨绿色智慧建筑博览会",
    "天津国际消费品博览会",
    "中国（天津）国际工业装备博览会",
    "天津国际宠物产业博览会",
    "中国（天津）国际文化旅游博览会",
)


@cache
def load_profiles(path: Path | None = None) -> dict[str, Any]:
    path = path or Path(__file__).with_name("profiles.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rates_for(subject: DemoSubject, profiles: dict[str, Any]) -> dict[str, float]:
    rates = dict(profiles["defaults"].get(subject.kind, {}))
    role = subject.role or "general"
    rates.update(profiles["roles"].get(f"{subject.district_code}.{role}", profiles["roles"].get(role, {})))
    return rates


def plus_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _count(rng: random.Random, rate: float) -> int:
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


@dataclass(frozen=True)
class Row:
    kind: str
    source: str
    row: dict[str, Any]


class RecordMaker:
    """Makes the records of the subjects of one district."""

    def __init__(self, config: DemoConfig, district_code: str, district_name: str) -> None:
        self.config = config
        self.code = district_code
        self.dname = district_name
        self.short = SHORT.get(district_code, district_name[:2])
        self.counters: dict[tuple[str, int], int] = defaultdict(int)
        self.profiles = load_profiles()
        # Authorities get their own codes (a separate key), so adding one never shifts subject codes.
        self._authority_codes = CodeMaker(config.seed, district_code, key="authorities")
        self._authority_uscc: dict[str, str] = {}

    # -- helpers ----------------------------------------------------------------------------

    def _n(self, family: str, year: int) -> int:
        self.counters[(family, year)] += 1
        return self.counters[(family, year)]

    def _authority(self, template: str) -> tuple[str, str]:
        name = template.format(d=self.dname)
        if name not in self._authority_uscc:
            self._authority_uscc[name] = self._authority_codes.uscc("11", new_style=False)
        return name, self._authority_uscc[name]

    def _date(
        self,
        rng: random.Random,
        subject: DemoSubject,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dt.date:
        lo = max(start or self.config.start, self.config.start)
        if subject.registered_on and subject.registered_on > lo:
            lo = subject.registered_on
        hi = min(end or self.config.end, self.config.end)
        if lo > hi:
            lo = hi
        return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))

    @staticmethod
    def subject_fields(subject: DemoSubject) -> dict[str, Any]:
        row: dict[str, Any] = {"subject_name": subject.name, "subject_kind": subject.kind}
        if subject.uscc:
            row["uscc"] = subject.uscc
        elif subject.local_code:
            row["local_code"] = subject.local_code
        else:
            row["id_number"] = subject.id_number
        if subject.legal_rep:
            row["legal_rep"] = subject.legal_rep
        return row

    def _domains(self, subject: DemoSubject) -> list[str]:
        industry = subject.industry or ""
        venue = subject.attributes.get("venue_type")
        if venue == "网吧":
            return ["fire", "culture", "culture"]
        if venue == "养老院":
            return ["fire", "fire", "civil"]
        if venue == "医院":
            return ["fire", "health", "health"]
        if venue == "学校" or subject.kind == "government":
            return ["fire"]
        if industry == "民宿":
            return ["market", "fire"]  # price and safety; 文旅 inspects homestays (see _inspection)
        if industry in ("稻米种植", "水产养殖", "畜禽养殖", "农产品加工", "酿酒", "生态旅游", "蔬菜种植"):
            return ["eco", "eco", "market"]
        if industry in ("融资租赁", "商业保理", "互联网信息服务", "大数据服务", "智能科技", "商务服务"):
            return ["market", "tax"]
        return ["market", "market", "market", "fire", "tax"]

    # -- the records of one subject ---------------------------------------------------------

    def records(self, subject: DemoSubject) -> Iterator[Row]:
        rng = stable_rng(self.config.seed, subject.key, "records")
        for kind, rate in rates_for(subject, self.profiles).items():
            if subject.named and kind in NEGATIVE:
                continue  # firms the seed names get no invented misconduct
            make = getattr(self, f"_{kind}")
            if kind == "tax_grade":
                yield from make(rng, subject, rate)
                continue
            for _ in range(_count(rng, rate)):
                row = make(rng, subject)
                if row is not None:
                    yield row

    # -- one function per catalogue kind ----------------------------------------------------

    def _penalty(self, rng: random.Random, s: DemoSubject) -> Row:
        domain = rng.choice(self._domains(s))
        source, authority_t, number_t, _ = DOMAINS[domain]
        options = VIOLATIONS[domain]
        # Most penalties are minor or general; serious ones are rare (weights 5 : 4 : 1).
        weights = [5 if o[4] == "minor" else 4 if o[4] == "general" else 1 for o in options]
        vtype, facts, basis, ptype, severity, (lo, hi) = rng.choices(options, weights=weights)[0]
        when = self._date(rng, s)
        fine = round(rng.uniform(lo, hi), 2) if hi else None
        authority, authority_uscc = self._authority(authority_t)
        content = (
            "警告"
            if ptype == "警告"
            else f"{ptype.replace(';', '，')}" + (f"，罚款人民币{fine * 10000:.0f}元" if fine else "")
        )
        row = {
            **self.subject_fields(s),
            "decision_no": number_t.format(
                s=self.short, y=when.year, n=self._n("penalty-" + domain, when.year)
            ),
            "penalty_name": f"{s.name}{vtype}案",
            "violation_type": vtype,
            "violation_facts": f"当事人{facts}，违反了相关规定。",
            "legal_basis": basis,
            "penalty_type": ptype,
            "penalty_content": content,
            "fine_amount": fine,
            "decision_date": when,
            "authority": authority,
            "authority_uscc": authority_uscc,
            "data_source": authority,
            "data_source_uscc": authority_uscc,
            "area_code": self.code,
            "severity": severity,
        }
        return Row("penalty", source, row)

    def _inspection(self, rng: random.Random, s: DemoSubject) -> Row:
        domain = rng.choice(self._domains(s))
        if s.attributes.get("venue_type") or s.kind == "carrier":
            domain = "fire" if rng.random() < 0.7 else domain
        if s.industry == "民宿" and rng.random() < 0.6:
            domain = "culture"  # 文旅 tiered supervision of homestays (蓟州)
        source, authority_t, _, letters = DOMAINS[domain]
        when = self._date(rng, s)
        kind = {"fire": "fire", "market": "random"}.get(domain, rng.choice(("routine", "special")))
        items = {
            "fire": "消防设施器材、疏散通道和安全出口、消防安全管理制度落实情况",
            "market": "营业执照公示、经营场所、价格公示、商品质量",
            "eco": "排污许可执行、污染防治设施运行、畜禽粪污资源化利用",
            "culture": "经营许可、实名登记、未成年人保护措施",
            "health": "医疗质量安全、医疗废物管理、执业资格",
            "civil": "养老服务质量、安全管理、服务协议",
            "tax": "发票使用与纳税申报",
        }[domain]
        if domain == "culture" and s.industry == "民宿":
            items = "民宿等级评定标准执行、安全卫生、明码标价、住客信息登记"
        if s.role == "exhibition_firm":
            items = f"{rng.choice(EXHIBITIONS)}展会现场：主承办资质、展位搭建安全、知识产权保护"
        result = rng.choices(
            ("passed", "rectify", "failed", "not_found"), weights=(84, 11, 3, 2 if kind == "random" else 0)
        )[0]
        if s.named and result == "failed":
            result = "passed"
        authority, _ = self._authority(authority_t)
        row = {
            **self.subject_fields(s),
            "inspection_no": f"{letters}{self.code}{when.year}{self._n('insp-' + domain, when.year):05d}",
            "inspection_type": kind,
            "inspection_date": when,
            "inspector_org": authority,
            "items": items,
            "result": result,
            "findings": {
                "passed": "未发现问题",
                "rectify": "发现一般隐患，责令限期整改",
                "failed": "存在重大隐患",
                "not_found": "通过登记的住所无法联系",
            }[result],
            "rectify_by": when + dt.timedelta(days=rng.randint(10, 30)) if result == "rectify" else None,
            "venue_type": s.attributes.get("venue_type") or s.attributes.get("carrier_type_zh"),
        }
        return Row("inspection", source, row)

    def _licence(self, rng: random.Random, s: DemoSubject) -> Row:
        industry = s.industry or ""
        venue = s.attributes.get("venue_type")
        if venue == "网吧":
            domain = rng.choice(("culture", "fire"))
        elif venue == "医院":
            domain = rng.choice(("health", "fire"))
        elif venue in ("养老院", "学校") or s.kind == "carrier":
            domain = "fire"
        elif industry == "民宿":
            domain = rng.choice(("police", "food"))
        elif industry in FOOD:
            domain = (
                "eco" if industry in ("水产养殖", "农产品加工", "酿酒") and rng.random() < 0.4 else "food"
            )
        elif industry in ("互联网信息服务", "大数据服务", "电子商务", "智能科技"):
            domain = "telecom"
        elif s.role == "exhibition_firm":
            domain = "event"
        else:
            domain = "approval"
        source, authority_t, cert, category, prefix = LICENCES[domain]
        when = self._date(rng, s, end=dt.date(2026, 6, 30))
        authority, authority_uscc = self._authority(authority_t)
        n = self._n("lic-" + domain, when.year)
        years = 5 if domain in ("food", "culture", "health", "telecom", "eco") else 0
        row = {
            **self.subject_fields(s),
            "decision_no": f"津{self.short}审批许准〔{when.year}〕{self._n('licence', when.year)}号",
            "decision_doc_name": f"{cert}准予许可决定书",
            "licence_category": category,
            "certificate_name": cert,
            "licence_no": f"{prefix}{self.code}{when.year % 100:02d}{n:05d}",
            "licence_content": f"准予核发{cert}",
            "decision_date": when,
            "valid_from": when,
            "valid_until": plus_years(when, years) - dt.timedelta(days=1) if years else None,
            "authority": authority,
            "authority_uscc": authority_uscc,
            "data_source": authority,
            "area_code": self.code,
        }
        return Row("licence", source, row)

    def _judgment_debtor(self, rng: random.Random, s: DemoSubject) -> Row:
        filed = self._date(rng, s)
        court = "天津市滨海新区人民法院" if self.code == "120116" else f"天津市{self.dname}人民法院"
        removed = filed + dt.timedelta(days=rng.randint(60, 900)) if rng.random() < 0.5 else None
        amount = round(rng.uniform(5_000, 2_000_000 if s.kind != "person" else 200_000), 2)
        row = {
            **self.subject_fields(s),
            "case_no": f"（{filed.year}）津{self.code[2:]}执{self._n('court', filed.year)}号",
            "court": court,
            "filed_on": filed,
            "basis_doc_no": f"（{filed.year - 1}）津{self.code[2:]}民初{rng.randint(100, 9999)}号",
            "obligation": f"支付欠款人民币{amount:.2f}元及利息",
            "performance": "全部未履行" if removed is None else "全部履行",
            "behaviour": "有履行能力而拒不履行生效法律文书确定义务",
            "amount": amount,
            "published_on": filed + dt.timedelta(days=rng.randint(20, 90)),
            "removed_on": removed if removed and removed <= self.config.end else None,
        }
        return Row("judgment_debtor", "市高级人民法院", row)

    def _business_anomaly(self, rng: random.Random, s: DemoSubject) -> Row:
        listed = self._date(rng, s)
        authority, _ = self._authority("天津市{d}市场监督管理局")
        reason, removal = rng.choice(
            (
                (
                    "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
                    "已补报未报年份的年度报告并公示",
                ),
                ("通过登记的住所或者经营场所无法联系", "依法办理住所或经营场所变更登记"),
                ("公示企业信息隐瞒真实情况、弄虚作假", "更正其公示的信息"),
            )
        )
        removed = listed + dt.timedelta(days=rng.randint(30, 720)) if rng.random() < 0.6 else None
        if removed and removed > self.config.end:
            removed = None
        row = {
            **self.subject_fields(s),
            "decision_no": f"津{self.short}市监经异〔{listed.year}〕{self._n('anomaly', listed.year)}号",
            "listed_reason": reason,
            "listed_on": listed,
            "authority": authority,
            "removed_on": removed,
            "removal_reason": removal if removed else None,
            "removal_authority": authority if removed else None,
        }
        return Row("business_anomaly", "市市场监管委", row)

    def _commitment(self, rng: random.Random, s: DemoSubject) -> Row:
        kind, content = _commitment_type(s, rng)
        # The plans run in 2023: most commitments are signed then, renewals follow.
        year = rng.choices((2022, 2023, 2024, 2025), weights=(10, 55, 25, 10))[0]
        if s.role == "market_merchant":  # 静海: "到 2023 年底累计签订 200 份", the rest later
            year = rng.choices((2023, 2024, 2025), weights=(75, 18, 7))[0]
        signed = self._date(rng, s, dt.date(year, 3, 1), dt.date(year, 12, 20))
        valid = plus_years(signed, 2)
        status = "kept" if valid < self.config.end else "signed"
        breach = None
        if not s.named and rng.random() < 0.03:
            status, breach = "breached", signed + dt.timedelta(days=rng.randint(30, 500))
        row = {
            **self.subject_fields(s),
            "commitment_no": f"CN{self.code}{signed.year}{self._n('commit', signed.year):05d}",
            "commitment_type": kind,
            "content": content,
            "signed_on": signed,
            "valid_until": valid,
            "accepted_by": f"天津市{self.dname}发展和改革委员会",
            "status": status,
            "breached_on": breach if breach and breach <= self.config.end else None,
            "breach_details": "未按承诺期限补齐材料" if breach else None,
        }
        return Row("commitment", "区诚信办", row)

    def _honour(self, rng: random.Random, s: DemoSubject) -> Row:
        table = self.profiles["honours"]
        title, level, body = rng.choice(table.get(s.role or "", table["default"]))
        awarded = self._date(rng, s, dt.date(2023, 6, 1), dt.date(2026, 3, 31))
        row = {
            **self.subject_fields(s),
            "honour_no": f"RY{self.code}{awarded.year}{self._n('honour', awarded.year):05d}",
            "title": title,
            "level": level,
            "awarded_by": body.format(d=self.dname),
            "awarded_on": awarded,
            "valid_until": plus_years(awarded, 3) - dt.timedelta(days=1),
        }
        return Row("honour", "市信用中心", row)

    def _complaint(self, rng: random.Random, s: DemoSubject) -> Row:
        received = self._date(rng, s)
        if s.role == "ecommerce_firm":  # 河东: second-hand after-sales complaints via ODR
            category = rng.choice(("售后服务", "商品真伪鉴定争议", "成色描述不符", "退换货", "虚假宣传"))
            channel, source = rng.choice(
                (("市场监管ODR", "市市场监管委"), ("12315", "市市场监管委"), ("电商平台", "市市场监管委"))
            )
        else:
            category = rng.choice(("服务质量", "价格争议", "商品质量", "退换货", "卫生环境"))
            channel, source = rng.choice(
                (("12315", "市市场监管委"), ("12345政务服务便民热线", "市12345热线"))
            )
        age = (self.config.end - received).days
        resolution = (
            "pending"
            if age < 20
            else rng.choices(("resolved", "mediated", "unfounded", "pending"), weights=(70, 16, 12, 2))[0]
        )
        resolved = (
            None if resolution == "pending" else received + dt.timedelta(days=rng.randint(1, min(20, age)))
        )
        row = {
            **self.subject_fields(s),
            "complaint_no": f"TS{self.code}{received.year}{self._n('complaint', received.year):06d}",
            "channel": channel,
            "received_on": received,
            "category": category,
            "content": f"消费者反映{category}问题，要求商家处理",
            "resolution": resolution,
            "resolved_on": resolved,
            "handled_by": f"天津市{self.dname}市场监督管理局",
            "satisfaction": None
            if resolution == "pending"
            else rng.choices(("满意", "基本满意", "不满意"), weights=(70, 22, 8))[0],
        }
        return Row("complaint", source, row)

    def _contract_performance(self, rng: random.Random, s: DemoSubject) -> Row:
        signed = self._date(rng, s)
        due = signed + dt.timedelta(days=rng.randint(90, 1095))
        ctype = {"融资租赁": "融资租赁合同", "商业保理": "保理合同"}.get(
            s.industry or "", rng.choice(("采购合同", "供货合同", "技术服务合同", "委托加工合同"))
        )
        if s.role == "park_operator":
            ctype = "农产品购销合同"
        if s.role in ("ecommerce_firm", "appraisal_agency"):
            ctype = rng.choice(("二手商品买卖合同（五流合一）", "鉴定服务合同", "寄售合同"))
        performance = (
            "in_progress"
            if due > self.config.end
            else rng.choices(("performed", "breached"), weights=(95, 5))[0]
        )
        if s.named and performance == "breached":
            performance = "performed"
        amount = round(rng.uniform(5, 3000 if s.kind == "enterprise" else 50), 2)
        row = {
            **self.subject_fields(s),
            "contract_no": f"HT{self.code}{signed.year}{self._n('contract', signed.year):05d}",
            "counterparty": names.company_name(
                rng, names.trade_name(rng), rng.choice(("商务服务", "高端装备", "电子商务"))
            ),
            "contract_type": ctype,
            "amount": amount,
            "signed_on": signed,
            "due_on": due,
            "performance": performance,
            "breach_details": "逾期交付" if performance == "breached" else None,
        }
        return Row("contract_performance", "市公共资源交易中心", row)

    def _tax_grade(self, rng: random.Random, s: DemoSubject, rate: float) -> Iterator[Row]:
        authority = f"国家税务总局天津市{self.dname}税务局"
        first = max(self.config.start.year - 1, (s.registered_on.year + 1) if s.registered_on else 2020)
        for year in range(first, self.config.end.year):
            assessed = dt.date(year + 1, 4, rng.randint(10, 28))
            if assessed > self.config.end or rng.random() >= rate:
                continue
            grades = ("A", "B", "M", "C", "D")
            weights = (30, 50, 14, 5, 1) if not s.named else (60, 40, 0, 0, 0)
            if s.kind == "individual_business":
                weights = (5, 30, 60, 4, 1)
            row = {
                **self.subject_fields(s),
                "year": year,
                "grade": rng.choices(grades, weights=weights)[0],
                "assessed_on": assessed,
                "tax_authority": authority,
            }
            yield Row("tax_grade", "市税务局", row)

    def _self_declared(self, rng: random.Random, s: DemoSubject) -> Row:
        declared = self._date(rng, s, dt.date(2023, 3, 1))
        category, content = rng.choice(
            (
                ("生产经营状况", f"{declared.year}年上半年营业收入、纳税及用工情况"),
                ("研发投入", "年度研发投入及专利授权情况"),
                (
                    "资质认证",
                    rng.choice(
                        (
                            "取得药品GMP符合性检查结果",
                            "取得第二类医疗器械注册证",
                            "通过ISO 13485质量管理体系认证",
                        )
                    ),
                ),
                ("信用管理制度建设", "设立信用管理岗位，建立客户信用档案与合同管理制度"),
                ("信用管理人才", f"员工{names.person_name(rng)}取得信用管理师（三级）职业技能等级证书"),
                ("社会责任", "发布年度社会责任报告"),
            )
        )
        status = rng.choices(("approved", "pending", "rejected"), weights=(80, 12, 8))[0]
        reviewed = declared + dt.timedelta(days=rng.randint(3, 30)) if status != "pending" else None
        row = {
            **self.subject_fields(s),
            "declaration_no": f"ZZSB{self.code}{declared.year}{self._n('declare', declared.year):05d}",
            "category": category,
            "content": content,
            "declared_on": declared,
            "review_status": status,
            "reviewed_by": f"天津市{self.dname}发展和改革委员会" if reviewed else None,
            "reviewed_on": reviewed if reviewed and reviewed <= self.config.end else None,
            "attachment": f"{category}证明材料.pdf",
        }
        return Row("self_declared", "企业自主申报", row)

    def _financing(self, rng: random.Random, s: DemoSubject) -> Row:
        granted = self._date(rng, s, dt.date(2022, 6, 1))
        bank, product, lo, hi, rate = rng.choice(BANKS), "信易贷", 20.0, 500.0, (3.3, 4.6)
        channel = "天津市信易贷平台"
        if s.role == "resident":  # 东丽: revolving medical credit line, interest-free if repaid next month
            bank, product, lo, hi, rate, channel = (
                "交通银行天津市分行",
                "信用就医循环额度",
                0.2,
                1.0,
                (0.0, 0.0),
                "海河分小程序",
            )
        elif s.industry == "民宿" or s.role == "credit_village":
            bank, product, lo, hi = (
                "中国邮政储蓄银行天津分行",
                rng.choice(("民宿贷", "信用村集体授信")),
                10.0,
                80.0,
            )
        elif s.role == "market_merchant":
            product, lo, hi = "海吉星守信商户贷", 5.0, 100.0
        elif s.role == "park_firm":
            product, lo, hi = rng.choice(("园区整体授信", "信易贷")), 50.0, 600.0
        elif s.kind == "individual_business":
            lo, hi = 5.0, 50.0
        due = granted + dt.timedelta(days=rng.choice((180, 365, 730, 1095)))
        if due > self.config.end:
            status = "granted"
        else:
            status = rng.choices(("repaid", "overdue"), weights=(95, 5))[0]
        if rng.random() < 0.08:
            status = "applied"
        row = {
            **self.subject_fields(s),
            "loan_no": f"DK{self.code}{granted.year}{self._n('loan', granted.year):06d}",
            "bank": bank,
            "product": product,
            "amount": round(rng.uniform(lo, hi), 2),
            "rate": round(rng.uniform(*rate), 2),
            "granted_on": granted,
            "due_on": due,
            "channel": channel,
            "status": status,
        }
        return Row("financing", bank, row)

    def _points_event(self, rng: random.Random, s: DemoSubject) -> Row:
        when = self._date(rng, s, dt.date(2023, 3, 1))
        if s.role == "building_merchant":  # 红桥: points on top of the comprehensive grade
            scheme, recorded = "正融科技大厦守信企业晋级积分", "天津市红桥区发展和改革委员会"
            category, reason, points = rng.choices(
                (
                    ("综合信用评价", "天津市企业综合信用评价结果折算基础分", rng.randint(60, 95)),
                    ("信用承诺践诺", "按期履行诚信经营承诺", 5),
                    ("公益活动", "参加大厦诚信宣传活动", 3),
                    ("消费投诉", "被消费者有效投诉", -3),
                    ("行政处罚", "受到一般行政处罚", -10),
                ),
                weights=(30, 25, 20, 8, 3),
            )[0]
        else:  # 宝坻: party-led village points, spent on daily goods
            village = s.attributes.get("village", "")
            scheme, recorded = f"{village}党建引领信用积分", f"{village}村民委员会"
            category, reason, points = rng.choices(
                (
                    (
                        "诚实守信",
                        rng.choice(("拾金不昧", "按时缴纳合作医疗费用", "主动履行赡养义务")),
                        rng.choice((5, 10)),
                    ),
                    (
                        "志愿服务",
                        rng.choice(("参加村内环境整治志愿服务", "参加防汛值守", "协助疫苗接种宣传")),
                        rng.randint(2, 5),
                    ),
                    ("党员参加支部学习", "参加主题党日学习", 3),
                    ("移风易俗", "婚事新办、丧事简办", 5),
                    ("违反村规民约", rng.choice(("乱堆乱放", "私搭乱建", "焚烧秸秆")), rng.choice((-5, -10))),
                    ("积分兑换", "兑换洗衣液、食用油等生活用品", -rng.choice((20, 30, 50))),
                ),
                weights=(25, 30, 15, 8, 6, 16),
            )[0]
        row = {
            **self.subject_fields(s),
            "event_no": f"JF{self.code}{when.year}{self._n('points', when.year):07d}",
            "scheme": scheme,
            "points": points,
            "category": category,
            "reason": reason,
            "event_date": when,
            "recorded_by": recorded,
        }
        return Row("points_event", f"{self.dname}信用积分平台", row)


def _commitment_type(s: DemoSubject, rng: random.Random) -> tuple[str, str]:
    role = s.role or ""
    if s.kind == "government":
        return "政务服务公开承诺", "依法公开政务、财务信息，按期兑现惠民惠企政策，接受社会监督"
    if role == "exhibition_firm":
        return "诚信办展承诺", f"在{rng.choice(EXHIBITIONS)}期间依法诚信办展，保障参展商和观众合法权益"
    if role == "practitioner":
        return "会展从业人员诚信承诺", "遵守职业道德，诚信服务，不参与虚假宣传"
    if role == "homestay":
        return "民宿诚信经营承诺", "明码标价、如实宣传、保障住客安全与卫生"
    if s.kind == "village":
        return "村级信用积分管理承诺", "公开积分规则与兑换结果，接受村民监督"
    if role == "pilot_firm":
        return "信用保全承诺", "如实申报财产状况，不转移、隐匿财产，按期履行生效裁判"
    if s.kind == "carrier":
        return "诚信示范载体承诺", "建立入驻主体信用管理制度，督促入驻主体诚信经营"
    return rng.choice(
        (
            ("诚信经营承诺", "守法经营、明码标价、不售假冒伪劣商品、不作虚假宣传"),
            ("告知承诺制审批承诺", "所提交材料真实有效，按期补齐容缺材料"),
            ("主动型信用承诺", "自愿接受社会监督，违诺自愿承担相应责任"),
        )
    )
