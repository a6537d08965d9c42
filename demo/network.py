"""The demo's outlets (with their hours) and one login per role."""

from __future__ import annotations

from datetime import time

from django.contrib.auth.hashers import make_password

from outlets.models import BusinessHours, Outlet, Role, Staff

PASSWORD = "demo-pass-123"
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


def make_outlets() -> list[Outlet]:
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


def make_staff(outlets: list[Outlet]) -> dict[str, Staff]:
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
        person.manager = people.get(boss) if boss is not None else None
        person.is_active = True
        person.is_staff = role in (Role.HQ_ADMIN, Role.OUTLET_MANAGER)
        person.is_superuser = role == Role.HQ_ADMIN
        person.password = password
        person.save()
        people[username] = person
    return people
