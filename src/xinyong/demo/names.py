"""Vocabulary for plausible Chinese demo names: persons, trade names (字号), shops, companies,
homestays, villages and Tianjin addresses.

Every function takes the caller's `random.Random`, so the same seed gives the same names. The
lists are small on purpose: a demo needs names that read as real, not a census.
"""

from __future__ import annotations

import random

# Common surnames (百家姓 as actually used), weighted roughly by frequency in northern China.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 70),
    ("张", 68),
    ("刘", 54),
    ("陈", 45),
    ("杨", 32),
    ("赵", 30),
    ("黄", 22),
    ("周", 21),
    ("吴", 20),
    ("徐", 17),
    ("孙", 17),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 13),
    ("何", 12),
    ("高", 12),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 8),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("贾", 3),
    ("付", 3),
    ("孟", 2),
    ("白", 2),
    ("邢", 2),
    ("牛", 2),
    ("尹", 2),
    ("齐", 2),
    ("芦", 1),
    ("欧阳", 1),
    ("司马", 1),
)
_SURNAME_WORDS = tuple(s for s, _ in SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in SURNAMES)

GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨志建国庆春海亮文博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳晶颖慧倩欣悦佳怡梅兰红英秀丹萍洁璐瑶蕾薇婧琪璇"
GIVEN_ANY = "子一嘉思雨晓梓欣俊文天新宏永玉立德"

# Trade-name characters (字号) and suffixes that make shop and company names read as real.
TRADE_CHARS = (
    "鑫恒瑞华盛泰德信达嘉宏源通祥福隆博创睿智汇联海津诚润丰安金鼎弘新天众晟昊锦煜卓远"
    "益康利佳和兴旺富贵昌顺美乐优品尚雅致臻星辰宸逸恒聚惠同润泽沃禾科航融景"
)
# Suffixes of individual businesses (个体工商户) by trade: counters in malls, stalls in markets.
SHOP_SUFFIXES = {
    "retail": (("店", 50), ("专卖店", 20), ("专柜", 20), ("经营部", 10)),
    "wholesale": (("商行", 40), ("批发部", 25), ("经营部", 25), ("店", 10)),
    "other": (("店", 55), ("经营部", 20), ("工作室", 15), ("商行", 10)),
}
COMPANY_FORMS = ("有限公司", "有限责任公司", "股份有限公司")

# Real Tianjin roads per district, so addresses read as local (门牌号 are random).
ROADS: dict[str, tuple[str, ...]] = {
    "120101": ("南京路", "滨江道", "和平路", "营口道", "成都道", "重庆道", "西康路", "南门外大街"),
    "120102": ("十一经路", "津塘路", "卫国道", "大直沽中路", "六纬路", "华昌大街"),
    "120103": ("友谊路", "解放南路", "围堤道", "大沽南路", "黑牛城道", "珠江道", "平江道"),
    "120104": ("卫津路", "鞍山西道", "红旗南路", "白堤路", "复康路", "长江道", "华苑路"),
    "120105": ("中山路", "建国道", "民族路", "五马路", "金纬路", "狮子林大街", "博爱道"),
    "120106": ("光荣道", "西青道", "咸阳北路", "丁字沽一号路", "芥园道", "红桥北大街"),
    "120110": ("津塘公路", "跃进路", "先锋路", "东金路", "登州路", "航双路"),
    "120111": ("赛达大道", "海泰发展大道", "津静公路", "中北大道", "杨柳青大道", "学府大道"),
    "120112": ("津沽路", "丰泽大道", "咸水沽镇月牙河路", "双港新家园路", "国展大道", "海河教育园区雅观路"),
    "120113": ("京津路", "北辰道", "辰昌路", "宜兴埠大街", "淮河道", "双辰中路"),
    "120114": ("雍阳西道", "泉州路", "京津公路", "福源道", "翠通路", "光明道"),
    "120115": ("南三路", "建设路", "宝平公路", "津围公路", "开元路", "钰华街"),
    "120116": ("洞庭路", "第二大街", "东疆港亚洲路", "欧洲路", "闽侯路", "海河外滩路", "新港四号路"),
    "120117": ("芦台镇光明路", "七里海大道", "潘庄镇新华道", "宁河大道", "东棘坨镇兴业路"),
    "120118": ("胜利路", "团泊大道", "静文路", "东方红路", "津静公路", "海吉星大道"),
    "120119": ("渔阳南路", "人民大街", "迎宾大街", "下营镇常州路", "官庄镇联合路", "西井峪村中街"),
}
GENERIC_ROADS = ("建设路", "人民路", "解放路", "复兴路", "和平街", "团结路", "胜利街", "新华路")

# Village names (…庄, …村, …屯) for 宝坻 and 蓟州; combined with a town (镇).
VILLAGE_HEADS = "东西南北前后大小上下新老高王李张刘赵黄马杨孙周吴郝邢牛柴史霍尚"
VILLAGE_TAILS = ("庄", "村", "屯", "庄子", "家庄", "各庄", "台", "口", "坨", "营", "套", "甸")
TOWNS: dict[str, tuple[str, ...]] = {
    "120115": (
        "口东镇",
        "大口屯镇",
        "方家庄镇",
        "黄庄镇",
        "林亭口镇",
        "八门城镇",
        "大钟庄镇",
        "新开口镇",
        "史各庄镇",
        "郝各庄镇",
    ),
    "120119": ("渔阳镇", "下营镇", "官庄镇", "马伸桥镇", "罗庄子镇", "穿芳峪镇", "许家台镇", "出头岭镇"),
}
GENERIC_TOWNS = ("城关镇", "新镇", "东镇", "西镇")


def person_name(rng: random.Random, female: bool | None = None) -> str:
    """A plausible full name: weighted surname + one or two given characters."""
    surname = rng.choices(_SURNAME_WORDS, weights=_SURNAME_WEIGHTS)[0]
    if female is None:
        female = rng.random() < 0.5
    pool = GIVEN_FEMALE if female else GIVEN_MALE
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    first = rng.choice(GIVEN_ANY + pool)
    return surname + first + rng.choice(pool)


def trade_name(rng: random.Random, length: int = 2) -> str:
    """A trade name (字号) such as 瑞丰 or 鑫盛达, with no repeated character."""
    return "".join(rng.sample(TRADE_CHARS, length))


def road_address(
    rng: random.Random, district_code: str, district_name: str, building: str | None = None
) -> str:
    """天津市和平区南京路 128 号 (+ building and room when the subject sits in a carrier)."""
    road = rng.choice(ROADS.get(district_code, GENERIC_ROADS))
    address = f"天津市{district_name}{road}{rng.randint(1, 399)}号"
    if building:
        address += f"{building}{rng.randint(1, 28)}{rng.randint(1, 30):02d}室"
    return address


def village_name(rng: random.Random, district_code: str) -> tuple[str, str]:
    """(town, village) e.g. ("口东镇", "王各庄村"). Village names end in 村 as registered."""
    town = rng.choice(TOWNS.get(district_code, GENERIC_TOWNS))
    tail = rng.choice(VILLAGE_TAILS)
    name = "".join(rng.sample(VILLAGE_HEADS, 2)) + tail
    return town, name if name.endswith("村") else name + "村"


# The word a shop or company puts after its trade name, by industry (行业). Industries not listed
# fall back to the industry name without its 零售/批发/服务 tail, so a new district's YAML works.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "服装零售": ("服饰", "时装", "衣橱"),
    "鞋帽零售": ("鞋业", "鞋履"),
    "化妆品零售": ("美妆", "化妆品", "美容"),
    "珠宝首饰零售": ("珠宝", "金饰", "首饰"),
    "钟表眼镜零售": ("钟表", "眼镜", "视光"),
    "餐饮服务": ("餐饮", "食府", "餐厅", "小馆"),
    "儿童用品零售": ("童装", "母婴", "玩具"),
    "运动户外用品零售": ("体育", "运动", "户外"),
    "家居用品零售": ("家居", "生活馆"),
    "数码产品零售": ("数码", "电子"),
    "互联网信息服务": ("网络科技", "信息技术", "互联网科技"),
    "大数据服务": ("大数据", "数据科技", "数智科技"),
    "电子商务": ("电子商务", "电商", "商贸"),
    "智能科技": ("智能科技", "智能技术", "人工智能"),
    "蔬菜批发": ("蔬菜", "果蔬", "菜业"),
    "肉类批发": ("肉类", "肉食", "冷鲜肉"),
    "粮油批发": ("粮油", "米面"),
    "干调批发": ("干调", "调料", "干货"),
    "水果批发": ("水果", "鲜果", "果业"),
    "冻品批发": ("冻品", "冷冻食品", "冷链"),
    "城市集配": ("配送", "集配", "物流"),
    "民宿": ("农家院", "山居", "民宿", "小院"),
    "二手奢侈品": ("名品", "奢品", "寄卖"),
    "二手数码": ("数码", "优品"),
    "乐器": ("琴行", "乐器"),
    "潮玩": ("潮玩", "手办"),
    "融资租赁": ("融资租赁",),
    "商业保理": ("商业保理",),
    "集成电路": ("微电子", "半导体", "集成电路"),
    "车联网": ("车联网", "智行科技", "网联科技"),
    "汽车与新能源汽车": ("汽车零部件", "新能源汽车", "动力科技"),
    "高端装备": ("装备制造", "精密机械", "智能装备"),
    "生物医药": ("生物医药", "生物科技", "制药"),
    "展览服务": ("展览服务", "展览展示", "会展"),
    "会议服务": ("会议服务", "会务"),
    "展台搭建": ("展览工程", "展示设计"),
    "药品制造": ("制药", "药业"),
    "医疗器械制造": ("医疗器械", "医疗科技"),
    "医药研发": ("医药科技", "生物技术"),
    "稻米种植": ("稻米", "米业"),
    "水产养殖": ("水产", "蟹业", "渔业"),
    "畜禽养殖": ("养殖", "牧业"),
    "农产品加工": ("农产品", "食品"),
    "酿酒": ("酒业", "酿造"),
    "生态旅游": ("生态旅游", "农旅"),
    "文创零售": ("文创", "文化传播"),
    "酒吧": ("酒吧", "酒馆"),
    "咖啡馆": ("咖啡",),
    "住宿服务": ("酒店", "公寓"),
    "商务服务": ("商务咨询", "企业管理"),
    "科技推广服务": ("科技", "技术服务"),
    "广告设计": ("广告", "文化传媒"),
    "人力资源服务": ("人力资源",),
    "教育培训": ("教育咨询", "培训"),
    "网吧": ("网咖", "网络会所"),
    "养老服务": ("养老院", "颐养院", "老年公寓", "养老中心"),
    "医院": ("医院", "中医医院", "口腔医院", "骨科医院", "妇产医院"),
    "学校": ("小学", "中学", "幼儿园", "职业学校"),
    "鉴定认证服务": ("鉴定评估", "检测认证"),
    "蔬菜种植": ("蔬菜种植", "果蔬种植", "农业科技"),
    "航运服务": ("航运", "船务"),
    "供应链管理": ("供应链管理", "国际物流"),
    "跨境电子商务": ("跨境电商", "国际贸易"),
}

# Units registered by 民政 (52) or 编办 (12) are named like institutions, not like companies.
INSTITUTION_PREFIXES = ("12", "52")
_TAILS = ("零售", "批发", "服务", "制造")


def industry_word(rng: random.Random, industry: str) -> str:
    words = INDUSTRY_WORDS.get(industry)
    if words:
        return rng.choice(words)
    for tail in _TAILS:
        if industry.endswith(tail) and len(industry) > len(tail):
            return industry[: -len(tail)]
    return industry


def company_name(rng: random.Random, trade: str, industry: str) -> str:
    """天津瑞丰网络科技有限公司, or 瑞丰（天津）网络科技有限公司 (the foreign-style form)."""
    word = industry_word(rng, industry)
    form = rng.choices(COMPANY_FORMS, weights=(85, 10, 5))[0]
    if rng.random() < 0.15:
        return f"{trade}（天津）{word}{form}"
    return f"天津{trade}{word}{form}"


def shop_name(rng: random.Random, trade: str, industry: str, district_name: str) -> str:
    """个体工商户 are registered as 天津市和平区瑞丰服饰店 (district + trade name + word + suffix)."""
    word = industry_word(rng, industry)
    family = (
        "wholesale"
        if industry.endswith(("批发", "集配"))
        else "retail"
        if industry.endswith("零售")
        else "other"
    )
    options = SHOP_SUFFIXES[family]
    suffix = rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]
    return f"天津市{district_name}{trade}{word}{suffix}"


def institution_name(rng: random.Random, trade: str, industry: str, district_name: str) -> str:
    """天津市武清区瑞丰养老院, 天津市武清区嘉华小学 (事业单位 and 民办非企业单位)."""
    return f"天津市{district_name}{trade}{industry_word(rng, industry)}"


def unit_in(rng: random.Random, carrier_type: str) -> str:
    """Where a tenant sits inside its carrier: a mall counter, a market stall, an office room."""
    if carrier_type == "mall":
        floor = rng.choice(("B1", "1", "2", "3", "4", "5", "6", "7", "8"))
        return f"{floor}层{floor}-{rng.randint(1, 60):02d}号"
    if carrier_type == "market":
        return f"{rng.choice('ABCDEFGH')}区{rng.randint(1, 40)}排{rng.randint(1, 30):02d}号"
    if carrier_type in ("park", "zone", "exhibition_centre"):
        return f"{rng.randint(1, 12)}号楼{rng.randint(1, 6)}{rng.randint(1, 30):02d}室"
    return f"{rng.randint(2, 28)}层{rng.randint(1, 30):02d}室"


def homestay_name(rng: random.Random, trade: str, village: str, district_name: str) -> str:
    """蓟州区西井峪村瑞丰山居: homestays are known by village and trade name."""
    word = rng.choice(INDUSTRY_WORDS["民宿"])
    return f"{district_name}{village}{trade}{word}"
