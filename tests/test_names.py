"""A Chinese name reads family name first without a space (王芳) wherever a
person is named: the navigation bar, pages, the API, staff alerts, the admin
and the breach report's export. Western names keep their order."""

import csv
import io
from datetime import timedelta

import pytest

from clocks.models import Message
from clocks.sweep import clocks_sweep
from customers.services import customer_add_note
from outlets.models import Role, Staff, person_name
from shipments.pickups.services import pickup_accept

from .conftest import NOON, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("芳", "王", "王芳"),
        ("洋", "刘", "刘洋"),
        (" 欧阳", "娜娜 ", "娜娜欧阳"),  # whatever the parts hold, no space
        ("Anna", "Li", "Anna Li"),
        ("Fang", "王", "王Fang"),
        ("芳", "", "芳"),
        ("", "王", "王"),
        ("Anna", "", "Anna"),
        ("", "", ""),
        ("さくら", "佐藤", "佐藤さくら"),
        ("민준", "김", "김민준"),
    ],
)
def test_name_is_written_in_the_order_of_its_script(first, last, shown):
    assert person_name(first, last) == shown


def make_person(username, role, outlet, first_name, last_name, **extra) -> Staff:
    return Staff.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        outlet=outlet,
        first_name=first_name,
        last_name=last_name,
        **extra,
    )


@pytest.fixture
def wang_fang(outlet_a):
    return make_person(
        "wangfang", Role.ACCOUNT_MANAGER, outlet_a, first_name="芳", last_name="王"
    )


@pytest.fixture
def liu_yang(outlet_a):
    return make_person(
        "liuyang",
        Role.COURIER,
        outlet_a,
        first_name="洋",
        last_name="刘",
        phone="13800000009",
    )


@pytest.fixture
def chinese_manager(outlet_a):
    return make_person(
        "zhangwei", Role.OUTLET_MANAGER, outlet_a, first_name="伟", last_name="张"
    )


def test_staff_member_is_named_family_name_first(wang_fang):
    assert (str(wang_fang), wang_fang.get_full_name()) == ("王芳", "王芳")
    assert wang_fang.display_name == "王芳"


def test_navigation_bar_names_the_user_family_name_first(client, wang_fang):
    client.force_login(wang_fang)
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "王芳" in html
    assert "芳 王" not in html


def test_customer_pages_name_the_account_manager_family_name_first(
    client, wang_fang, outlet_a
):
    customer = make_customer(outlet_a, account_manager=wang_fang)
    customer_add_note(
        customer=customer, author=wang_fang, text="周三上午揽收", noted_on=NOON.date()
    )
    client.force_login(wang_fang)
    for url in ("/customers/", f"/customers/{customer.pk}/"):
        html = client.get(url).content.decode()
        assert "王芳" in html and "芳 王" not in html, url


def test_api_names_the_account_manager_and_note_author_family_name_first(
    wang_fang, outlet_a
):
    customer = make_customer(outlet_a, account_manager=wang_fang)
    customer_add_note(
        customer=customer, author=wang_fang, text="周三上午揽收", noted_on=NOON.date()
    )
    body = api_as(wang_fang).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["account_manager"] == "王芳"
    assert [note["author"] for note in body["notes"]] == ["王芳"]


def test_breach_alert_names_the_responsible_courier_family_name_first(
    outlet_a, liu_yang, chinese_manager
):
    customer = make_customer(outlet_a)
    pickup_accept(pickup=make_pickup(customer), courier=liu_yang, now=NOON)
    clocks_sweep(now=NOON + timedelta(minutes=30))
    alert = Message.objects.get(template="clock_breach", staff=chinese_manager)
    assert "刘洋" in alert.text_zh and "刘洋" in alert.text_en
    assert "洋 刘" not in alert.text_zh + alert.text_en


def test_breach_report_and_its_export_name_the_courier_family_name_first(
    client, outlet_a, liu_yang, chinese_manager
):
    customer = make_customer(outlet_a)
    pickup_accept(pickup=make_pickup(customer), courier=liu_yang, now=NOON)
    clocks_sweep(now=NOON + timedelta(minutes=30))
    client.force_login(chinese_manager)
    day = {"from": "2026-11-18", "to": "2026-11-18"}
    page = client.get("/service/report/", day)
    assert [row.label for row in page.context["report"].by_responsible] == ["刘洋"]
    export = client.get("/service/report/", {**day, "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    named = [row[1] for row in rows if row[1] in ("刘洋", "洋 刘")]
    assert named == ["刘洋"]


def test_admin_lists_staff_family_name_first(client, hq_admin, wang_fang):
    hq_admin.is_staff = hq_admin.is_superuser = True
    hq_admin.save()
    client.force_login(hq_admin)
    html = client.get("/admin/outlets/staff/").content.decode()
    assert "王芳" in html
