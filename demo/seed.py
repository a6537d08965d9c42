"""The demo data set behind ``manage.py seed_demo``.

Two Shanghai outlets with their hours, one login per role, about 300
customers with their files, 14 months of shipment history and the live work of
the moment (pickups, shipments in transit, cold-chain readings, problems).

How the parts are made:

* Customers go through ``customer_create``, their habits through
  ``customer_update_habits``, notes through ``customer_add_note``.
* History is ``Shipment.objects.bulk_create``: signed parcels, no milestones.
  The tier only reads the last complete calendar month
  (``customers.services.volume_period``), so that month carries each
  customer's full volume, the month before it nearly so (for a tier history),
  and older months a thin sample that keeps the database small.
* Tiers are never typed in: ``tiers_recompute`` runs first "as of" the second
  day of last month (tiers from the month before last, the first TierChange
  rows), then as of now (tiers from last month, the changes since).
* Live work goes through the services, so its clocks and messages are real.
  Milestone notices older than half an hour are marked delivered at the time
  the worker would have sent them; the board shows what is open now, not a
  wall of breaches.

Everything is drawn from one seeded random generator: the same run date gives
the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from clocks.models import Clock, ClockState, Message, MessageStatus
from clocks.services import clock_meet
from customers.models import (
    Channel,
    Customer,
    Need,
    Tier,
    TierChange,
)
from customers.services import (
    customer_add_note,
    customer_create,
    customer_update_habits,
    tiers_recompute,
)
from customers.tenure import add_months
from outlets.models import BusinessHours, Outlet, Role, Staff
from shipments.coldchain.readings import reading_record, readings_record_bulk
from shipments.models import (
    InsuranceAnswer,
    MilestoneKind,
    PickupRequest,
    PickupStatus,
    Problem,
    ProblemStage,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
)
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_create,
    pickup_enter,
    pickup_pick_up,
)
from shipments.problems.services import problem_report, problem_respond
from shipments.tracking.milestones import milestone_record

PASSWORD = "demo-pass-123"
SEED = 20240618  # 618: the mid-year sale
BATCH = 5000
WAYBILL_PREFIX = "YD"

OUTLETS = [
    # code, name, address, phone, district, roads, neighbourhoods
    (
        "SH-PD01",
        "上海浦东网点",
        "上海市浦东新区张杨路1088号",
        "021-58880101",
        "浦东新区",
        (
            "张杨路",
            "世纪大道",
            "东方路",
            "浦东南路",
            "杨高中路",
            "张江路",
            "金科路",
            "川沙路",
            "民生路",
            "峨山路",
        ),
        ("浦东", "张江", "陆家嘴", "金桥", "川沙", "外高桥", "花木", "塘桥"),
    ),
    (
        "SH-MH02",
        "闵行网点",
        "上海市闵行区七莘路2255号",
        "021-64120202",
        "闵行区",
        (
            "七莘路",
            "都市路",
            "沪闵路",
            "虹梅南路",
            "莘松路",
            "吴中路",
            "剑川路",
            "颛兴路",
            "银都路",
            "漕宝路",
        ),
        ("闵行", "莘庄", "七宝", "颛桥", "虹桥", "梅陇", "吴泾", "马桥"),
    ),
]
SORTING_CENTERS = ("上海浦东分拨中心", "上海闵行分拨中心")
DESTINATIONS = (
    "北京朝阳营业部",
    "杭州西湖营业部",
    "南京鼓楼营业部",
    "苏州园区营业部",
    "广州天河营业部",
    "深圳南山营业部",
    "成都高新营业部",
    "武汉江汉营业部",
)

# username, role, outlet index, last name, first name, phone, reports to
STAFF = [
    ("hq", Role.HQ_ADMIN, None, "陈", "志强", "13901000001", None),
    ("manager1", Role.OUTLET_MANAGER, 0, "李", "娜", "13901000011", "hq"),
    ("manager2", Role.OUTLET_MANAGER, 1, "张", "伟", "13901000012", "hq"),
    ("am1", Role.ACCOUNT_MANAGER, 0, "王", "芳", "13901000021", "manager1"),
    ("am2", Role.ACCOUNT_MANAGER, 1, "刘", "洋", "13901000022", "manager2"),
    ("courier1", Role.COURIER, 0, "赵", "磊", "13901000031", "manager1"),
    ("courier2", Role.COURIER, 1, "孙", "强", "13901000032", "manager2"),
]


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
# fmt: on

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
WEIGHTS = tuple(Decimal(w) for w in ("0.5", "1.0", "1.2", "2.0", "3.5", "5.0", "8.0"))
COLD_WEIGHTS = tuple(Decimal(w) for w in ("3.0", "5.0", "7.5", "10.0"))


@dataclass
class Plan:
    """One customer to make: where, the tier its volumes will produce, its trade."""

    outlet: int
    tier: str
    last: int  # parcels in the last complete month
    before: int  # parcels in the month before that
    trade: str
    days_ago: int  # cooperation start, days before today


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str


@dataclass(frozen=True)
class Seeded:
    created: bool
    counts: dict
    logins: list[Login]


def logins() -> list[Login]:
    return [Login(Role(role).label, username, PASSWORD) for username, role, *_ in STAFF]


def seed(*, now: datetime, history_scale: float = 1.0) -> Seeded:
    """Make the demo; if its first outlet exists, only upsert outlets and logins."""
    exists = Outlet.objects.filter(code=OUTLETS[0][0]).exists()
    with transaction.atomic():
        if exists:
            _staff(_outlets())
        else:
            _build(now=now, history_scale=history_scale)
    return Seeded(not exists, counts(), logins())


def counts() -> dict:
    codes = [o[0] for o in OUTLETS]
    customers = Customer.objects.filter(outlet__code__in=codes)
    return {
        "outlets": Outlet.objects.filter(code__in=codes).count(),
        "staff": Staff.objects.filter(username__in=[s[0] for s in STAFF]).count(),
        "customers": customers.count(),
        "tiers": {tier: customers.filter(tier=tier).count() for tier in Tier},
        "shipments": Shipment.objects.filter(outlet__code__in=codes).count(),
        "tier_changes": TierChange.objects.filter(customer__in=customers).count(),
        "open_pickups": PickupRequest.objects.filter(outlet__code__in=codes)
        .exclude(status__in=[PickupStatus.ENTERED, PickupStatus.CANCELLED])
        .count(),
        "open_problems": Problem.objects.filter(outlet__code__in=codes)
        .exclude(stage=ProblemStage.CLOSED)
        .count(),
        "running_clocks": Clock.objects.filter(
            outlet__code__in=codes, state=ClockState.RUNNING
        ).count(),
    }


def _build(*, now: datetime, history_scale: float) -> None:
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    outlets = _outlets()
    staff = _staff(outlets)
    made = _customers(outlets, staff, _plans(rng), today=today, rng=rng)
    waybills = _Waybills()
    _history(made, today=today, scale=history_scale, rng=rng, waybills=waybills)
    tz = timezone.get_current_timezone()
    second_of_last_month = add_months(today.replace(day=1), -1) + timedelta(days=1)
    tiers_recompute(now=datetime.combine(second_of_last_month, time(2, 15), tz))
    tiers_recompute(now=now)
    for index, outlet in enumerate(outlets):
        _live(outlet, staff, index=index, now=now, rng=rng, waybills=waybills)
    _settle_old_notices(now=now)


# --- outlets and staff ---------------------------------------------------------


def _outlets() -> list[Outlet]:
    outlets = []
    for code, name, address, phone, *_ in OUTLETS:
        outlet, _created = Outlet.objects.update_or_create(
            code=code, defaults={"name": name, "address": address, "phone": phone}
        )
        for weekday in range(7):
            hours = (
                {
                    "opens": time(9),
                    "closes": time(17),
                    "break_starts": None,
                    "break_ends": None,
                }
                if weekday == 6
                else {
                    "opens": time(8, 30),
                    "closes": time(18, 30),
                    "break_starts": time(12),
                    "break_ends": time(13),
                }
            )
            BusinessHours.objects.update_or_create(
                outlet=outlet, weekday=weekday, defaults=hours
            )
        outlets.append(outlet)
    return outlets


def _staff(outlets: list[Outlet]) -> dict[str, Staff]:
    """Create or reset the demo logins; one hash serves them all."""
    password = make_password(PASSWORD)
    people: dict[str, Staff] = {}
    for username, role, outlet, last, first, phone, boss in STAFF:
        person = Staff.objects.filter(username=username).first() or Staff(
            username=username
        )
        person.role = role
        person.outlet = outlets[outlet] if outlet is not None else None
        person.last_name, person.first_name, person.phone = last, first, phone
        person.email = f"{username}@demo.outlet-crm.local"
        person.manager = people.get(boss)
        person.is_active = True
        person.is_staff = role in (Role.HQ_ADMIN, Role.OUTLET_MANAGER)
        person.is_superuser = role == Role.HQ_ADMIN
        person.password = password
        person.save()
        people[username] = person
    return people


# --- customers -------------------------------------------------------------------


def _plans(rng: random.Random) -> list[Plan]:
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


def _customers(outlets, staff, plans, *, today: date, rng) -> list[Made]:
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


# --- history -----------------------------------------------------------------


class _Waybills:
    def __init__(self) -> None:
        self.n = 7_700_000_000

    def next(self) -> str:
        self.n += 1
        return f"{WAYBILL_PREFIX}{self.n:013d}"


def _stochastic(value: float, rng: random.Random) -> int:
    whole = int(value)
    return whole + (rng.random() < value - whole)


def _history(made: list[Made], *, today, scale, rng, waybills) -> int:
    """Signed shipments of the last 13 months and this month before today.

    Month 1 back carries the full volume, month 2 the "before" volume, older
    months a 2–6 % sample and this month a fifth of the pace so far: about
    90,000 rows, most of them in the two months the tiers read.
    """
    tz = timezone.get_current_timezone()
    this_month = today.replace(day=1)
    elapsed = (today - this_month).days
    months = [(this_month, today, 0.2 * elapsed / 31)]  # ends before today
    for back in range(1, 14):
        start = add_months(this_month, -back)
        months.append(
            (
                start,
                add_months(start, 1),
                None if back < 3 else 0.06 - 0.04 * (back - 3) / 10,
            )
        )
    rows: list[Shipment] = []
    total = 0
    for item in made:
        customer, plan = item.customer, item.plan
        base = _shipment_fields(customer, plan)
        trade = TRADES[plan.trade]
        for back, (start, end, share) in enumerate(months):
            volume = (
                plan.last
                if back == 1
                else plan.before
                if back == 2
                else (plan.last if back == 0 else plan.before) * share
            )
            first = max(start, customer.cooperation_start)
            if first >= end:
                continue
            covered = (end - first).days / (end - start).days if back else 1
            count = _stochastic(volume * covered * scale, rng)
            span = (end - first).days
            origin = datetime.combine(first, time.min, tz)
            for _i in range(count):
                created = origin + timedelta(
                    days=int(rng.random() * span),
                    seconds=28800 + int(rng.random() * 43200),
                )
                rows.append(
                    Shipment(
                        waybill=waybills.next(),
                        created_at=created,
                        expected_arrival=created + timedelta(days=1),
                        goods_description=rng.choice(trade.goods),
                        weight_kg=rng.choice(
                            COLD_WEIGHTS if base["cold_chain"] else WEIGHTS
                        ),
                        pieces=1 if rng.random() < 0.85 else rng.randint(2, 5),
                        status=ShipmentStatus.SIGNED,
                        **base,
                    )
                )
            if len(rows) >= BATCH:
                Shipment.objects.bulk_create(rows, batch_size=BATCH)
                total += len(rows)
                rows = []
    Shipment.objects.bulk_create(rows, batch_size=BATCH)
    return total + len(rows)


def _shipment_fields(customer: Customer, plan: Plan) -> dict:
    needs = set(TRADES[plan.trade].needs)
    cold = Need.COLD_CHAIN in needs
    valuable = Need.VALUABLES in needs
    value = Decimal("5000.00") if valuable else Decimal("0")
    return {
        "customer_id": customer.pk,
        "outlet_id": customer.outlet_id,
        "service_level": (
            ServiceLevel.NEXT_MORNING
            if Need.TIME_SENSITIVE in needs
            else ServiceLevel.STANDARD
        ),
        "cold_chain": cold,
        "temperature_min_c": Decimal("0.0") if cold else None,
        "temperature_max_c": Decimal("8.0") if cold else None,
        "humidity_min_pct": Decimal("80.0") if cold else None,
        "humidity_max_pct": Decimal("95.0") if cold else None,
        "fragile": Need.FRAGILE in needs,
        "valuable": valuable,
        "declared_value": value,
        "insured_value": value,
    }


# --- live work -------------------------------------------------------------------


def _live(outlet: Outlet, staff, *, index: int, now: datetime, rng, waybills) -> None:
    """What is going on right now at one outlet, made through the services."""
    courier = staff[f"courier{index + 1}"]
    am, manager = staff[f"am{index + 1}"], staff[f"manager{index + 1}"]
    customers = list(
        Customer.objects.filter(outlet=outlet)
        .prefetch_related("needs")
        .order_by("-monthly_volume", "pk")
    )
    cold = next(
        c for c in customers if any(n.need == Need.COLD_CHAIN for n in c.needs.all())
    )
    busy = [c for c in customers[:12] if c.pk != cold.pk]

    def minutes(m: float) -> datetime:
        return now - timedelta(minutes=m)

    # Pickups at every step: (minutes ago for request, accept, contact, pick up,
    # entry); None stops there.
    stages = [
        (3,),
        (9,),
        (16,),
        (40, 36),
        (28, 21),
        (7, 4),
        (60, 55, 47),
        (100, 95, 88, 14),
        (120, 115, 109, 20, 6),
    ]
    for customer, steps in zip(
        rng.sample(customers[:150], len(stages)), stages, strict=True
    ):
        _pickup(
            customer,
            steps,
            courier,
            minutes=minutes,
            now=now,
            rng=rng,
            waybills=waybills,
        )

    # Shipments in transit, picked up this many hours ago.
    transit = {}
    for slot, hours in enumerate((1.5, 4.2, 7, 12, 23, 25, 28, 31)):
        customer = cold if slot in (2, 6) else busy[slot % len(busy)]
        transit[slot] = _in_transit(
            customer,
            minutes(hours * 60),
            index=index,
            now=now,
            rng=rng,
            waybills=waybills,
        )

    # Cold chain: a reading every 30 minutes, in range. At the first outlet the
    # last two readings, three minutes apart, are above 8 °C: an alarm.
    for slot in (2, 6):
        shipment, series = transit[slot], []
        taken = shipment.created_at
        while taken < min(now, shipment.created_at + timedelta(hours=26)):
            series.append(
                {
                    "waybill": shipment.waybill,
                    "taken_at": taken,
                    "unit": "C",
                    "temperature_c": Decimal(f"{rng.uniform(2.5, 5.5):.1f}"),
                    "humidity_pct": Decimal(f"{rng.uniform(85, 92):.1f}"),
                }
            )
            taken += timedelta(minutes=30)
        readings_record_bulk(series, now=now)
    if index == 0:
        for ago, temperature in ((4, "9.1"), (1, "9.6")):
            reading_record(
                shipment=transit[2],
                taken_at=minutes(ago),
                temperature_c=Decimal(temperature),
                humidity_pct=Decimal("88.0"),
                now=minutes(ago),
            )

    # Open problems; one has been answered.
    if index == 0:
        problem_report(
            customer=transit[4].customer,
            shipment=transit[4],
            kind="delay",
            reported_by=am,
            now=minutes(6),
            description="客户来电：包裹比承诺时效晚了一天，询问原因",
        )
        damaged = problem_report(
            customer=transit[7].customer,
            shipment=transit[7],
            kind="damage",
            reported_by=courier,
            now=minutes(25),
            description="签收时外箱破损，客户说里面的茶具碎了一只",
        )
        problem_respond(
            problem=damaged,
            now=minutes(19),
            note="已致电客户致歉，请客户拍照留证，正在安排补发",
        )
        problem_report(
            customer=busy[5],
            kind="complaint",
            reported_by=manager,
            now=minutes(2),
            description="客户投诉快递员未按约定时间上门揽收",
        )
    else:
        problem_report(
            customer=transit[3].customer,
            shipment=transit[3],
            kind="loss",
            reported_by=am,
            now=minutes(4),
            description="到达分拨中心后再无更新，客户担心包裹丢失",
        )
        problem_report(
            customer=cold,
            shipment=transit[6],
            kind="complaint",
            reported_by=manager,
            now=minutes(12),
            description="杨梅到货两天就坏了，客户要求说明原因",
        )


def _pickup(customer, steps, courier, *, minutes, now, rng, waybills) -> None:
    needs = {n.need for n in customer.needs.all()}
    start = now + timedelta(hours=1)
    pickup = pickup_create(
        customer=customer,
        address=customer.address,
        now=minutes(steps[0]),
        window_start=start,
        window_end=start + timedelta(hours=2),
        goods_description=rng.choice(("文件", "样品", "货物")),
        fragile=Need.FRAGILE in needs,
        valuable=Need.VALUABLES in needs,
        expected_pieces=rng.randint(1, 6),
    )
    if len(steps) > 1:
        pickup_accept(pickup=pickup, courier=courier, now=minutes(steps[1]))
    if len(steps) > 2:
        pickup_contact(
            pickup=pickup, courier=courier, method="called", now=minutes(steps[2])
        )
    if len(steps) > 3:
        pickup_pick_up(
            pickup=pickup,
            courier=courier,
            pieces=pickup.expected_pieces,
            weight_kg=Decimal(f"{rng.uniform(1, 20):.1f}"),
            now=minutes(steps[3]),
            insurance=(
                InsuranceAnswer.ACCEPTED
                if pickup.needs_insurance_question
                else InsuranceAnswer.NOT_NEEDED
            ),
        )
    if len(steps) > 4:
        pickup_enter(
            pickup=pickup, waybill=waybills.next(), by=courier, now=minutes(steps[4])
        )


def _in_transit(customer, created, *, index, now, rng, waybills) -> Shipment:
    """A shipment entered ``created``, with the milestones it has passed by now."""
    needs = {n.need for n in customer.needs.all()}
    cold = Need.COLD_CHAIN in needs
    shipment = Shipment.objects.create(
        waybill=waybills.next(),
        customer=customer,
        outlet_id=customer.outlet_id,
        service_level=(
            ServiceLevel.NEXT_MORNING
            if Need.TIME_SENSITIVE in needs
            else ServiceLevel.STANDARD
        ),
        goods_description="杨梅" if cold else rng.choice(("样品", "货物", "文件")),
        cold_chain=cold,
        temperature_min_c=Decimal("0.0") if cold else None,
        temperature_max_c=Decimal("8.0") if cold else None,
        humidity_min_pct=Decimal("80.0") if cold else None,
        humidity_max_pct=Decimal("95.0") if cold else None,
        fragile=Need.FRAGILE in needs,
        valuable=Need.VALUABLES in needs,
        weight_kg=Decimal(f"{rng.uniform(1, 15):.1f}"),
        created_at=created,
        expected_arrival=created + timedelta(days=1, hours=6),
    )
    steps = [
        (MilestoneKind.PICKED_UP, timedelta(0), OUTLETS[index][1]),
        (MilestoneKind.AT_SORTING_CENTER, timedelta(hours=4), SORTING_CENTERS[index]),
        (MilestoneKind.OUT_FOR_DELIVERY, timedelta(hours=22), rng.choice(DESTINATIONS)),
        (MilestoneKind.SIGNED, timedelta(hours=27), "本人签收"),
    ]
    for kind, after, location in steps:
        occurred = created + after
        if occurred > now:
            break
        milestone_record(
            waybill=shipment.waybill,
            kind=kind,
            occurred_at=occurred,
            now=min(occurred + timedelta(minutes=3), now),
            location=location,
        )
    shipment.refresh_from_db()
    return shipment


def _settle_old_notices(*, now: datetime) -> None:
    """Milestone notices due over half an hour ago count as sent back then.

    Delivery is the worker's job; without this, a fresh demo would open on a
    wall of breached push clocks for scans from yesterday.
    """
    old = Message.objects.filter(
        template="milestone",
        status=MessageStatus.PENDING,
        next_attempt_at__lt=now - timedelta(minutes=30),
    )
    for message in old.select_related("clock"):
        sent = message.next_attempt_at + timedelta(seconds=40)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, sent_at=sent, attempts=1
        )
        if message.clock_id:
            clock_meet(clock=message.clock, now=sent)
