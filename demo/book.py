"""The demo's customer book: about 300 customers with their files.

Each customer is planned first (outlet, the tier its volumes will produce, its
trade), then made through ``customer_create``; habits go through
``customer_update_habits`` and notes through ``customer_add_note``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from customers.models import (
    Channel,
    Customer,
    Need,
    Tier,
)
from customers.services import (
    customer_add_note,
    customer_create,
    customer_update_habits,
)

from .network import OUTLETS


@dataclass(frozen=True)
class Trade:
    """A kind of business: how it is named, what it needs and ships."""

    brands: tuple[str, ...]
    suffixes: tuple[str, ...]
    needs: tuple[str, ...]
    goods: tuple[str, ...]
    packaging: tuple[str, ...]


TRADES = {
    "fresh": Trade(
        (
            "鲜果汇",
            "果园直供",
            "杨梅山庄",
            "蟹大王",
            "海鲜码头",
            "绿野生鲜",
            "每日鲜",
            "田园优选",
        ),
        ("生鲜配送有限公司", "农产品有限公司", "食品有限公司"),
        (Need.COLD_CHAIN, Need.TIME_SENSITIVE),
        ("杨梅", "阳澄湖大闸蟹", "车厘子", "冰鲜三文鱼", "水蜜桃", "鲜花"),
        ("泡沫箱+冰袋，箱外贴“生鲜易腐”", "冷链保温箱，每箱4个冰袋"),
    ),
    "pharma": Trade(
        ("康泰", "华医", "瑞生", "百源", "安康"),
        ("医药有限公司", "生物科技有限公司"),
        (Need.COLD_CHAIN,),
        ("检测试剂", "血液样本", "胰岛素"),
        ("医用冷藏箱，2–8℃",),
    ),
    "shop": Trade(
        ("优品汇", "潮购", "云仓", "星选", "乐淘", "小红帽", "米粒", "橙子"),
        ("电子商务有限公司", "网络科技有限公司"),
        (Need.TIME_SENSITIVE,),
        ("服装", "化妆品", "日用百货", "大促包裹", "母婴用品"),
        ("统一用3号纸箱", "防水快递袋+3号纸箱"),
    ),
    "law": Trade(
        ("诚信", "正道", "明德", "汇理", "衡平"),
        ("律师事务所", "会计师事务所"),
        (Need.TIME_SENSITIVE, Need.ORDINARY),
        ("合同文件", "标书", "法律文书"),
        ("文件袋，不要折叠",),
    ),
    "ceramics": Trade(
        ("景瓷", "玉壶", "琉璃坊", "青花", "晶彩"),
        ("陶瓷有限公司", "玻璃制品有限公司", "工艺品有限公司"),
        (Need.FRAGILE,),
        ("茶具", "玻璃器皿", "陶瓷花瓶", "灯具"),
        ("气泡膜双层+珍珠棉，贴“小心轻放”", "木架包装"),
    ),
    "jewel": Trade(
        ("金满堂", "福满楼", "金如意", "宝利", "恒信"),
        ("珠宝有限公司", "黄金饰品有限公司", "钟表有限公司"),
        (Need.VALUABLES,),
        ("黄金饰品", "手表", "玉器", "钻石戒指"),
        ("防拆封袋，必须保价",),
    ),
    "art": Trade(
        ("墨韵", "古月轩", "拾遗", "雅集"),
        ("艺术品有限公司", "古玩商行"),
        (Need.FRAGILE, Need.VALUABLES),
        ("字画", "瓷器", "古董摆件"),
        ("定制木箱，四角加固",),
    ),
    "tech": Trade(
        ("智联", "芯动", "云帆", "极光", "创新源"),
        ("电子科技有限公司", "信息技术有限公司"),
        (Need.VALUABLES, Need.TIME_SENSITIVE),
        ("手机", "笔记本电脑", "电子元器件"),
        ("原厂包装外加5号纸箱",),
    ),
    "trade": Trade(
        ("恒丰", "永盛", "东方", "联华", "百盛", "宏达", "兴业", "瑞丰"),
        ("贸易有限公司", "实业有限公司", "商贸有限公司"),
        (Need.ORDINARY,),
        ("样品", "办公用品", "五金配件", "日用品"),
        ("统一用3号纸箱",),
    ),
    "textile": Trade(
        ("锦绣", "丝路", "衣恋", "布艺坊", "暖阳"),
        ("服饰有限公司", "纺织品有限公司"),
        (Need.ORDINARY,),
        ("服装", "面料", "床上用品"),
        ("防水快递袋",),
    ),
    "person": Trade(
        (),
        (),
        (Need.ORDINARY,),
        ("文件", "衣物", "日用品", "土特产"),
        ("用旧纸箱即可",),
    ),
}
COMPANY_TRADES = [t for t in TRADES if t != "person"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾"
    "田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方"
)
# fmt: off
GIVEN = (
    "秀英", "桂英", "建国", "建华", "丽娟", "志刚", "海燕", "晓东", "婷婷", "伟",
    "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "玉兰", "文", "辉", "浩然", "子涵", "欣怡", "宇轩",
    "梓萱", "一鸣", "思远", "佳怡", "雨桐", "国庆",
)
# Notes from the customer file (DOMAIN.md): some follow the habits, some the
# needs, the rest are what a courier or account manager learns over time.
NOTE_WEEKEND = "周末家里没人，请周一至周五上门"
NOTE_LOCKER = "喜欢放快递柜，放柜后短信告知柜号"
NOTE_CARTON = "包装要求：%s（客户一直这么用，上门前备好）"
NOTE_INSURE = "易碎/贵重物品：上门时务必提醒保价"
NOTE_COLD = "杨梅投诉后改走冷链专线，并承诺48小时送达"
PERSON_NOTES = (
    "周三上午10:00前来揽收（下午要去接孙子）",
    "儿子6月参加高考：6月派送请8:00以后，不要7:00",
    "小区门禁要登记，上门前先打电话",
    "家里是老人，敲门声音大一点",
)
COMPANY_NOTES = (
    "前台下午5点后无人签收，请提前电话",
    "大促前一周要提前沟通发货计划，仓库容量紧张",
    "老板姓周，喜欢电话沟通，不爱看短信",
    "冬天给长途司机师傅送了暖手宝，客户很感动",
    "上门请走北门，南门在装修",
    "双11前仓库超过80%，已提醒可用临时仓储",
    "喜欢提前一天微信确认上门时间",
)
QUIET_HOURS = ((time(22), time(8)), (time(12), time(13, 30)), (time(21), time(7, 30)))
PICKUP_WINDOWS = (
    (time(9), time(10)),
    (time(9), time(11, 30)),
    (time(14), time(17)),
    (time(15), time(18)),
)



@dataclass
class Plan:
    """One customer to make: where, the tier its volumes will produce, its trade."""

    outlet: int
    tier: str
    last: int  # parcels in the last complete month
    before: int  # parcels in the month before that
    trade: str
    days_ago: int  # cooperation start, days before today


def make_plans(rng: random.Random) -> list[Plan]:
    """Who the ~300 customers are: tier volumes, trade and tenure."""
    plans = [
        Plan(0, Tier.STRATEGIC, 5240, 5130, "shop", 1790),
        Plan(0, Tier.STRATEGIC, 5180, 3100, "tech", 1240),  # grew from key
        Plan(1, Tier.STRATEGIC, 5090, 5060, "fresh", 980),
    ]
    key_trades = [
        "shop",
        "fresh",
        "trade",
        "textile",
        "pharma",
        "ceramics",
        "tech",
        "law",
        "jewel",
    ]
    sizes = {0: (6, 76, 86), 1: (4, 61, 64)}  # key, regular, casual per outlet
    for outlet, (keys, regulars, casuals) in sizes.items():
        for i in range(keys):
            last = rng.randint(1020, 1450)
            before = (
                rng.randint(600, 900)
                if i == 0  # grew from regular
                else int(last * rng.uniform(0.85, 1.1))
            )
            plans.append(
                Plan(
                    outlet,
                    Tier.KEY,
                    last,
                    before,
                    key_trades[(i + 3 * outlet) % len(key_trades)],
                    rng.choice((75, 400, 700, 1500))
                    if i < 2
                    else rng.randint(380, 1825),
                )
            )
        for i in range(regulars):
            last = 20 + int(200 * rng.random() ** 3)
            before = max(0, int(last * rng.uniform(0.8, 1.15)))
            if i == 0:  # fell from key: a churn warning
                last, before = rng.randint(500, 800), rng.randint(1020, 1150)
            elif i < 3:  # grew out of the occasional senders
                last, before = rng.randint(25, 60), rng.randint(3, 12)
            plans.append(
                Plan(
                    outlet,
                    Tier.REGULAR,
                    last,
                    before,
                    rng.choice(COMPANY_TRADES),
                    _tenure_days(rng, 0.15),
                )
            )
        for i in range(casuals):
            last, before = rng.randint(0, 12), rng.randint(0, 12)
            if i < 2:  # stopped shipping: lost customers
                last, before = rng.randint(0, 4), rng.randint(60, 150)
            trade = "person" if rng.random() < 0.7 else rng.choice(COMPANY_TRADES)
            plans.append(
                Plan(outlet, Tier.CASUAL, last, before, trade, _tenure_days(rng, 0.2))
            )
    return plans


def _tenure_days(rng: random.Random, new_share: float) -> int:
    """Days since cooperation started: new < 3 months, stable 3–12, loyal > 12.

    The bands keep clear of the month arithmetic of ``tenure_on``.
    """
    draw = rng.random()
    if draw < new_share:
        return rng.randint(61, 85)
    if draw < new_share + 0.35:
        return rng.randint(100, 350)
    return rng.randint(380, 1825)


@dataclass
class Made:
    customer: Customer
    plan: Plan


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def make_customers(outlets, staff, plans, *, today: date, rng) -> list[Made]:
    made: list[Made] = []
    taken: set[str] = set()
    by_outlet: dict[int, list[Customer]] = {0: [], 1: []}
    for n, plan in enumerate(plans, start=1):
        outlet = outlets[plan.outlet]
        _code, _name, _addr, _phone, district, roads, areas = OUTLETS[plan.outlet]
        trade = TRADES[plan.trade]
        contact = _person(rng)
        if plan.trade == "person":
            name, company = contact, ""
        else:
            while True:
                area, brand = rng.choice(areas), rng.choice(trade.brands)
                name = f"{area}{brand}"
                if name not in taken:
                    break
            taken.add(name)
            company = f"上海{area}{brand}{rng.choice(trade.suffixes)}"
        needs = set(trade.needs)
        if rng.random() < 0.1:
            needs.add(Need.TIME_SENSITIVE)
        channel = rng.choices(list(Channel), weights=(40, 45, 15))[0]
        quiet = rng.choice(QUIET_HOURS) if rng.random() < 0.2 else (None, None)
        started = today - timedelta(days=plan.days_ago)
        earlier = by_outlet[plan.outlet]
        referrer = (
            rng.choice(earlier[:60])
            if len(earlier) > 20
            and rng.random() < (0.4 if plan.days_ago < 90 else 0.12)
            else None
        )
        am = staff["am1" if plan.outlet == 0 else "am2"]
        customer = customer_create(
            outlet=outlet,
            name=name,
            phone=f"+86139{n:08d}",
            cooperation_start=started,
            needs=sorted(needs),
            company=company,
            contact_person=contact if company else "",
            address=(
                f"上海市{district}{rng.choice(roads)}{rng.randint(1, 2999)}号"
                + (
                    f"{rng.randint(1, 30)}楼"
                    if company
                    else f"{rng.randint(1, 20)}号楼{rng.randint(101, 2204)}室"
                )
            ),
            account_manager=am
            if plan.tier != Tier.CASUAL or rng.random() < 0.3
            else None,
            referred_by=referrer,
            preferred_channel=channel,
            language="en" if rng.random() < 0.03 else "zh-hans",
            wechat_openid=f"oDemo{n:06d}{rng.getrandbits(48):012x}"
            if channel == Channel.WECHAT
            else "",
            quiet_hours_start=quiet[0],
            quiet_hours_end=quiet[1],
        )
        _file(customer, trade, plan, am, staff, today=today, rng=rng)
        earlier.append(customer)
        made.append(Made(customer, plan))
    return made


def _file(customer, trade: Trade, plan: Plan, am, staff, *, today, rng) -> None:
    """Habits and dated notes: the customer file the courier sees."""
    person = plan.trade == "person"
    habits = {}
    if rng.random() < (0.15 if person else 0.35):
        habits["pickup_window_start"], habits["pickup_window_end"] = rng.choice(
            PICKUP_WINDOWS
        )
    if rng.random() < (0.3 if person else 0.15):
        habits["days_unavailable"] = [5, 6]
    elif rng.random() < 0.08:
        habits["days_unavailable"] = [rng.randint(0, 4)]
    if person and rng.random() < 0.3:
        habits["prefers_parcel_locker"] = True
    if rng.random() < 0.4:
        habits["packaging_preference"] = rng.choice(trade.packaging)
    if habits:
        customer_update_habits(customer=customer, **habits)

    texts = []
    if habits.get("days_unavailable") == [5, 6]:
        texts.append(NOTE_WEEKEND)
    if habits.get("prefers_parcel_locker"):
        texts.append(NOTE_LOCKER)
    if not person and "packaging_preference" in habits and rng.random() < 0.5:
        texts.append(NOTE_CARTON % habits["packaging_preference"].split("，")[0])
    if {Need.FRAGILE, Need.VALUABLES} & set(trade.needs) and rng.random() < 0.5:
        texts.append(NOTE_INSURE)
    if Need.COLD_CHAIN in trade.needs and rng.random() < 0.3:
        texts.append(NOTE_COLD)
    if rng.random() < 0.35:
        texts.append(rng.choice(PERSON_NOTES if person else COMPANY_NOTES))
    courier = staff["courier1" if plan.outlet == 0 else "courier2"]
    for text in texts:
        customer_add_note(
            customer=customer,
            author=rng.choice((am, am, courier)),
            text=text,
            noted_on=today - timedelta(days=rng.randint(0, max(plan.days_ago - 1, 0))),
        )
