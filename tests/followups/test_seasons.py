"""Promotion seasons: planning two weeks ahead, warehouse fill, the 3-day warning.

双11 2027 starts on Thursday 11 November; instants are built from it.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clocks.models import Message
from customers.models import Need, Tier
from followups.models import FollowUp, FollowUpKind
from followups.occasions.models import PromotionSeason, WarehouseFill
from followups.occasions.seasons import (
    season_add,
    seasons_plan,
    warehouse_fill_report,
)
from outlets.errors import DomainError, NotAllowed
from tests.conftest import api_as, make_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DOUBLE_11 = date(2027, 11, 11)


def night(day: date) -> datetime:
    """The nightly run's instant on ``day`` (02:30 in Shanghai)."""
    return datetime.combine(day, time(2, 30), SHANGHAI)


def test_the_network_knows_double_11_and_618():
    seasons = dict(
        PromotionSeason.objects.filter(outlet=None).values_list("name", "month")
    )
    assert seasons == {"双11": 11, "618": 6}


def test_strategic_and_time_sensitive_customers_get_planning_two_weeks_ahead(
    outlet_a, account_manager_a
):
    strategic = make_customer(
        outlet_a, tier=Tier.STRATEGIC, account_manager=account_manager_a
    )
    urgent = make_customer(outlet_a, needs=[Need.TIME_SENSITIVE])
    make_customer(outlet_a, tier=Tier.REGULAR)

    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=15))).planning == 0
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=14))).planning == 2

    planned = FollowUp.objects.filter(kind=FollowUpKind.PEAK_SEASON_PLANNING)
    assert set(planned.values_list("customer_id", flat=True)) == {
        strategic.pk,
        urgent.pk,
    }
    mine = planned.get(customer=strategic)
    assert mine.owner == account_manager_a
    assert mine.due_at == datetime(2027, 10, 28, 10, 0, tzinfo=SHANGHAI)
    assert "双11" in mine.note


def test_planning_is_created_once_however_often_the_night_runs(outlet_a):
    make_customer(outlet_a, tier=Tier.STRATEGIC)
    seasons_plan(now=night(DOUBLE_11 - timedelta(days=14)))
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=14))).planning == 0
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=10))).planning == 0
    assert FollowUp.objects.filter(kind=FollowUpKind.PEAK_SEASON_PLANNING).count() == 1


def report(customer, percent, day):
    return warehouse_fill_report(
        customer=customer, percent=percent, by=None, now=night(day) + timedelta(hours=8)
    )


def test_a_fill_above_80_warns_customer_and_account_manager_exactly_3_days_ahead(
    outlet_a, account_manager_a
):
    full = make_customer(outlet_a, account_manager=account_manager_a)
    at_80 = make_customer(outlet_a, account_manager=account_manager_a)
    report(full, 81, DOUBLE_11 - timedelta(days=6))
    report(at_80, 80, DOUBLE_11 - timedelta(days=6))

    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=4))).warnings == 0
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=3))).warnings == 1
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=2))).warnings == 0

    warning = FollowUp.objects.get(kind=FollowUpKind.WAREHOUSE_WARNING)
    assert warning.customer == full
    assert warning.owner == account_manager_a
    assert "81%" in warning.note
    message = Message.objects.get(template="warehouse_warning")
    assert message.customer == full
    assert "81%" in message.text_en and "2027-11-11" in message.text_en


def test_the_warning_day_is_idempotent(outlet_a):
    full = make_customer(outlet_a)
    report(full, 95, DOUBLE_11 - timedelta(days=5))
    seasons_plan(now=night(DOUBLE_11 - timedelta(days=3)))
    seasons_plan(now=night(DOUBLE_11 - timedelta(days=3)) + timedelta(hours=1))
    assert Message.objects.filter(template="warehouse_warning").count() == 1
    assert FollowUp.objects.filter(kind=FollowUpKind.WAREHOUSE_WARNING).count() == 1


def test_the_latest_report_counts_and_an_old_one_does_not(outlet_a):
    emptied = make_customer(outlet_a)
    stale = make_customer(outlet_a)
    report(emptied, 90, DOUBLE_11 - timedelta(days=8))
    report(emptied, 40, DOUBLE_11 - timedelta(days=5))
    report(stale, 99, DOUBLE_11 - timedelta(days=40))
    assert seasons_plan(now=night(DOUBLE_11 - timedelta(days=3))).warnings == 0


def test_a_high_report_on_the_warning_day_warns_at_once(outlet_a):
    customer = make_customer(outlet_a)
    report(customer, 88, DOUBLE_11 - timedelta(days=3))
    assert FollowUp.objects.filter(kind=FollowUpKind.WAREHOUSE_WARNING).count() == 1


def test_an_opted_out_customer_gets_no_warning_message_but_the_manager_still_calls(
    outlet_a,
):
    customer = make_customer(outlet_a, care_opt_out=True)
    report(customer, 90, DOUBLE_11 - timedelta(days=5))
    seasons_plan(now=night(DOUBLE_11 - timedelta(days=3)))
    assert not Message.objects.filter(template="warehouse_warning").exists()
    assert FollowUp.objects.filter(kind=FollowUpKind.WAREHOUSE_WARNING).exists()


@pytest.mark.parametrize("percent", [140, -1, 100.5, True])
def test_a_fill_outside_0_to_100_is_refused_and_nothing_stored(customer_a, percent):
    with pytest.raises(DomainError) as refused:
        report(customer_a, percent, DOUBLE_11)
    assert "percent" in refused.value.fields
    assert not WarehouseFill.objects.exists()


def test_the_api_refuses_140_percent_naming_the_field(account_manager_a, customer_a):
    response = api_as(account_manager_a).post(
        f"/api/v1/customers/{customer_a.pk}/warehouse-fill/",
        {"percent": 140},
        format="json",
    )
    assert response.status_code == 400
    assert "percent" in response.json()["error"]["fields"]
    assert not WarehouseFill.objects.exists()


def test_the_account_manager_reports_a_fill_through_the_api(
    account_manager_a, customer_a
):
    response = api_as(account_manager_a).post(
        f"/api/v1/customers/{customer_a.pk}/warehouse-fill/",
        {"percent": 85},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert WarehouseFill.objects.get().percent == 85


def test_another_outlets_staff_cannot_report_a_fill(manager_b, customer_a):
    response = api_as(manager_b).post(
        f"/api/v1/customers/{customer_a.pk}/warehouse-fill/",
        {"percent": 50},
        format="json",
    )
    assert response.status_code == 404


def test_the_phone_page_records_a_fill(client, account_manager_a, customer_a):
    client.force_login(account_manager_a)
    page = client.get(f"/care/customers/{customer_a.pk}/warehouse/")
    assert page.status_code == 200
    assert b'name="percent"' in page.content
    posted = client.post(
        f"/care/customers/{customer_a.pk}/warehouse/", {"percent": "140"}
    )
    assert posted.status_code == 200 and not WarehouseFill.objects.exists()
    client.post(f"/care/customers/{customer_a.pk}/warehouse/", {"percent": "70"})
    assert WarehouseFill.objects.get().percent == 70


def test_an_outlet_season_plans_for_that_outlet_only(manager_a, outlet_a, outlet_b):
    season_add(by=manager_a, outlet=outlet_a, name="年货节", month=1, day=10)
    make_customer(outlet_a, tier=Tier.STRATEGIC)
    make_customer(outlet_b, tier=Tier.STRATEGIC)
    seasons_plan(now=night(date(2027, 12, 27)))
    planned = FollowUp.objects.filter(kind=FollowUpKind.PEAK_SEASON_PLANNING)
    assert list(planned.values_list("outlet_id", flat=True)) == [outlet_a.pk]


def test_a_manager_adds_seasons_for_their_own_outlet_only(manager_a, outlet_b):
    with pytest.raises(NotAllowed):
        season_add(by=manager_a, outlet=outlet_b, name="x", month=1, day=1)
    with pytest.raises(NotAllowed):
        season_add(by=manager_a, outlet=None, name="x", month=1, day=1)
    with pytest.raises(DomainError) as refused:
        season_add(by=manager_a, outlet=manager_a.outlet, name="x", month=2, day=30)
    assert "day" in refused.value.fields
