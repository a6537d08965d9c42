"""Personal dates in the customer file, and their follow-ups a few days before."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from customers.models import PersonalDate, PersonalDateKind
from followups.models import FollowUp, FollowUpKind
from followups.occasions.personal_dates import (
    personal_date_add,
    personal_dates_between,
    personal_dates_plan,
)
from outlets.errors import DomainError, NotAllowed
from tests.conftest import api_as, make_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=SHANGHAI)


def night(day: date) -> datetime:
    return datetime.combine(day, time(2, 30), SHANGHAI)


def add(customer, **fields):
    values = {"by": None, "customer": customer, "kind": PersonalDateKind.BIRTHDAY}
    values.update(fields)
    return personal_date_add(now=NOW, **values)


def test_a_birthday_gets_a_follow_up_three_days_before_once(
    customer_a, account_manager_a
):
    add(customer_a, month=6, day=10, label="王芳 (owner)")
    assert personal_dates_plan(now=night(date(2027, 6, 6))) == 0
    assert personal_dates_plan(now=night(date(2027, 6, 7))) == 1
    assert personal_dates_plan(now=night(date(2027, 6, 8))) == 0

    follow_up = FollowUp.objects.get(kind=FollowUpKind.PERSONAL_DATE)
    assert follow_up.owner == account_manager_a
    assert follow_up.due_at == datetime(2027, 6, 7, 10, 0, tzinfo=SHANGHAI)
    assert "2027-06-10" in follow_up.note and "王芳 (owner)" in follow_up.note


def test_a_yearly_date_comes_back_next_year(customer_a):
    add(customer_a, month=6, day=10)
    personal_dates_plan(now=night(date(2027, 6, 7)))
    personal_dates_plan(now=night(date(2028, 6, 7)))
    assert FollowUp.objects.filter(kind=FollowUpKind.PERSONAL_DATE).count() == 2


def test_a_childs_exam_happens_once(customer_a):
    add(customer_a, kind=PersonalDateKind.CHILD_EXAM, month=6, day=7, year=2027)
    personal_dates_plan(now=night(date(2027, 6, 4)))
    personal_dates_plan(now=night(date(2028, 6, 4)))
    assert FollowUp.objects.filter(kind=FollowUpKind.PERSONAL_DATE).count() == 1


def test_the_cooperation_anniversary_comes_from_cooperation_start(outlet_a):
    customer = make_customer(outlet_a, cooperation_start=date(2024, 6, 12))
    personal_dates_plan(now=night(date(2027, 6, 9)))
    follow_up = FollowUp.objects.get(customer=customer)
    assert "3 years of cooperation" in follow_up.note
    assert follow_up.source_key == f"date:coop:{customer.pk}:2027"


def test_30_february_is_refused_with_a_translated_error_naming_the_day(customer_a):
    with pytest.raises(DomainError) as refused:
        add(customer_a, month=2, day=30)
    assert "day" in refused.value.fields
    assert "February" in str(refused.value.message)
    assert not PersonalDate.objects.exists()


def test_the_api_refuses_30_february_in_chinese_too(account_manager_a, customer_a):
    response = api_as(account_manager_a).post(
        f"/api/v1/customers/{customer_a.pk}/personal-dates/",
        {"kind": "birthday", "month": 2, "day": 30},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "day" in error["fields"]
    assert "二月" in error["message"]


def test_a_yearly_29_february_falls_on_28_february_in_other_years(customer_a):
    add(customer_a, month=2, day=29)
    personal_dates_plan(now=night(date(2027, 2, 25)))
    follow_up = FollowUp.objects.get(kind=FollowUpKind.PERSONAL_DATE)
    assert "2027-02-28" in follow_up.note
    personal_dates_plan(now=night(date(2028, 2, 26)))
    assert "2028-02-29" in FollowUp.objects.latest("pk").note


def test_29_february_of_a_year_without_one_is_refused(customer_a):
    with pytest.raises(DomainError):
        add(customer_a, month=2, day=29, year=2027)


def test_the_day_page_selector_shows_the_account_managers_dates_only(
    customer_a, account_manager_a, outlet_a, manager_b
):
    add(customer_a, month=6, day=10)
    colleague = make_customer(outlet_a)
    add(colleague, month=6, day=11)
    week = (date(2027, 6, 7), date(2027, 6, 13))
    mine = personal_dates_between(account_manager_a, *week)
    assert [(d.customer.pk, d.on) for d in mine] == [(customer_a.pk, date(2027, 6, 10))]
    assert personal_dates_between(manager_b, *week) == []


def test_a_courier_may_not_add_a_personal_date(courier_a, customer_a):
    with pytest.raises(NotAllowed):
        add(customer_a, by=courier_a, month=1, day=1)


def test_the_customer_page_lists_and_adds_personal_dates(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    client.post(
        f"/care/customers/{customer_a.pk}/personal-dates/",
        {"kind": "birthday", "month": "3", "day": "8", "label": "Boss"},
    )
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert "Boss" in page and "03-08" in page
    assert PersonalDate.objects.get().month == 3


def test_a_late_find_is_due_at_once(customer_a):
    add(customer_a, month=6, day=10)
    now = night(date(2027, 6, 9))
    personal_dates_plan(now=now)
    assert FollowUp.objects.get().due_at == now


def test_nothing_is_due_before_its_time(customer_a):
    add(customer_a, month=6, day=10)
    personal_dates_plan(now=night(date(2027, 6, 7)) - timedelta(days=1))
    assert not FollowUp.objects.exists()
