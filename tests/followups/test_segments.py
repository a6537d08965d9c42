"""Segments that change service: strategic customers need an account manager,
key customers carry their freight discount to every price."""

from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.services import progress_link_for
from followups.care_plans.segments import strategic_without_manager_scan
from followups.models import FollowUp, FollowUpKind, FollowUpState
from followups.services import follow_up_complete
from outlets.models import Outlet
from shipments.pickups.services import pickup_accept
from tests.conftest import NOON, SHANGHAI, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db

# Wednesday afternoon: the tier recompute has just made the customer strategic.
AFTERNOON = datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI)
ASSIGN = FollowUpKind.ASSIGN_ACCOUNT_MANAGER


def assignments(customer):
    return list(FollowUp.objects.filter(customer=customer, kind=ASSIGN))


def test_a_strategic_customer_without_an_account_manager_reaches_the_outlet_manager(
    outlet_a, manager_a
):
    customer = make_customer(outlet_a, tier="strategic")
    assert strategic_without_manager_scan(now=AFTERNOON) == 1
    (follow_up,) = assignments(customer)
    assert follow_up.owner == manager_a and follow_up.state == FollowUpState.OPEN
    # Due the next open morning, not overdue the moment it is raised.
    assert follow_up.due_at == datetime(2026, 11, 19, 10, 0, tzinfo=SHANGHAI)
    assert "dedicated account manager" in follow_up.note


def test_the_scan_raises_it_once_however_often_it_runs(outlet_a, manager_a):
    customer = make_customer(outlet_a, tier="strategic")
    strategic_without_manager_scan(now=AFTERNOON)
    assert strategic_without_manager_scan(now=AFTERNOON + timedelta(minutes=2)) == 0
    assert len(assignments(customer)) == 1


def test_a_strategic_customer_with_an_account_manager_raises_nothing(
    customer_a, manager_a
):
    Customer.objects.filter(pk=customer_a.pk).update(tier="strategic")
    assert strategic_without_manager_scan(now=AFTERNOON) == 0


def test_an_account_manager_who_left_counts_as_none(
    customer_a, account_manager_a, manager_a
):
    Customer.objects.filter(pk=customer_a.pk).update(tier="strategic")
    account_manager_a.is_active = False
    account_manager_a.save()
    assert strategic_without_manager_scan(now=AFTERNOON) == 1


def test_other_tiers_raise_nothing(outlet_a, manager_a):
    make_customer(outlet_a, tier="key")
    assert strategic_without_manager_scan(now=AFTERNOON) == 0


def test_losing_the_account_manager_again_raises_a_new_follow_up(customer_a, manager_a):
    Customer.objects.filter(pk=customer_a.pk).update(
        tier="strategic", account_manager=None
    )
    strategic_without_manager_scan(now=AFTERNOON)
    (first,) = assignments(customer_a)
    follow_up_complete(follow_up=first, by=manager_a, outcome="other", now=AFTERNOON)
    assert strategic_without_manager_scan(now=AFTERNOON + timedelta(days=3)) == 1
    keys = sorted(f.source_key for f in assignments(customer_a))
    assert keys == [f"assign-am:{customer_a.pk}:1", f"assign-am:{customer_a.pk}:2"]


def test_beat_runs_the_nightly_plan_and_the_frequent_scan():
    tasks = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "followups.care_plans.plan_nightly" in tasks
    scan = tasks["followups.care_plans.scan_strategic"]
    assert scan["schedule"] <= 300  # "at once": within minutes

    from config.celery_app import app

    app.loader.import_default_modules()
    assert "followups.care_plans.plan_nightly" in app.tasks
    assert "followups.care_plans.scan_strategic" in app.tasks


def test_the_nightly_task_plans_and_scans(outlet_a, manager_a):
    from followups.care_plans.tasks import plan_nightly

    make_customer(outlet_a, tier="strategic")
    result = plan_nightly.apply().get()
    assert result["assign_account_manager"] == 1


# --- Key customers: the freight discount --------------------------------------


def test_office_staff_record_a_discount_on_the_customer_page(
    client, customer_a, account_manager_a
):
    client.force_login(account_manager_a)
    url = f"/care/customers/{customer_a.pk}/freight-discount/"
    response = client.post(url, {"freight_discount_percent": "12.5"})
    assert response.status_code == 302
    customer_a.refresh_from_db()
    assert str(customer_a.freight_discount_percent) == "12.5"
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert "12.5 % off the list price" in page


def test_a_discount_over_50_percent_is_refused_and_nothing_saved(
    client, customer_a, account_manager_a
):
    client.force_login(account_manager_a)
    url = f"/care/customers/{customer_a.pk}/freight-discount/"
    response = client.post(url, {"freight_discount_percent": "60"}, follow=True)
    assert "0 to 50" in response.content.decode()
    customer_a.refresh_from_db()
    assert customer_a.freight_discount_percent == 0


def test_a_courier_may_not_change_the_discount(client, customer_a, courier_a):
    client.force_login(courier_a)
    url = f"/care/customers/{customer_a.pk}/freight-discount/"
    assert client.post(url, {"freight_discount_percent": "5"}).status_code == 403
    assert (
        api_as(courier_a)
        .put(
            f"/api/v1/customers/{customer_a.pk}/freight-discount/",
            {"freight_discount_percent": 5},
            format="json",
        )
        .status_code
        == 403
    )


def test_api_sets_the_discount_and_the_customer_shows_it(customer_a, account_manager_a):
    client = api_as(account_manager_a)
    response = client.put(
        f"/api/v1/customers/{customer_a.pk}/freight-discount/",
        {"freight_discount_percent": 8},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = client.get(f"/api/v1/customers/{customer_a.pk}/").json()
    assert float(body["freight_discount_percent"]) == 8.0
    listed = client.get("/api/v1/customers/").json()
    listed = listed.get("results", listed)
    assert float(listed[0]["freight_discount_percent"]) == 8.0


@pytest.mark.parametrize("percent", [-1, 50.5, 12.55, "lots"])
def test_api_refuses_a_discount_out_of_bounds_naming_the_field(
    customer_a, account_manager_a, percent
):
    response = api_as(account_manager_a).put(
        f"/api/v1/customers/{customer_a.pk}/freight-discount/",
        {"freight_discount_percent": percent},
        format="json",
    )
    assert response.status_code == 400
    assert "freight_discount_percent" in response.content.decode()
    customer_a.refresh_from_db()
    assert customer_a.freight_discount_percent == 0


def test_another_outlets_customer_answers_404(customer_b, manager_a):
    response = api_as(manager_a).put(
        f"/api/v1/customers/{customer_b.pk}/freight-discount/",
        {"freight_discount_percent": 5},
        format="json",
    )
    assert response.status_code == 404


def test_the_discount_is_quoted_on_the_courier_pickup_pages(
    client, customer_a, courier_a
):
    Customer.objects.filter(pk=customer_a.pk).update(freight_discount_percent=15)
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    client.force_login(courier_a)
    detail = client.get(reverse("shipments:courier-pickup", args=[pickup.pk]))
    assert "15.0 % off the list price" in detail.content.decode()
    listed = client.get(reverse("shipments:courier-pickups"))
    assert "15.0 % off the list price" in listed.content.decode()


def test_a_customer_at_list_price_shows_no_discount_on_the_pickup_page(
    client, customer_a, courier_a
):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    client.force_login(courier_a)
    detail = client.get(reverse("shipments:courier-pickup", args=[pickup.pk]))
    assert "freight-discount" not in detail.content.decode()


# --- Loyal customers: their dedicated contact on the progress board -----------


def board(client, customer) -> str:
    link = progress_link_for(customer, now=timezone.now())
    return client.get(reverse("progress:board", args=[link.token])).content.decode()


def test_a_loyal_customer_sees_their_account_manager_on_the_progress_board(
    client, outlet_a, account_manager_a
):
    account_manager_a.phone = "13912345678"
    account_manager_a.save()
    Outlet.objects.filter(pk=outlet_a.pk).update(phone="021-5555 0000")
    # Years before any day the suite runs on: loyal whatever the clock says.
    loyal = make_customer(
        outlet_a,
        account_manager=account_manager_a,
        cooperation_start=date(2015, 3, 1),
        language="en",
    )
    page = board(client, loyal)
    assert "Your dedicated contact" in page
    assert account_manager_a.display_name in page and "13912345678" in page
    assert "021-5555 0000" in page


def test_a_loyal_customer_without_an_account_manager_sees_the_outlet(client, outlet_a):
    Outlet.objects.filter(pk=outlet_a.pk).update(phone="021-5555 0000")
    loyal = make_customer(outlet_a, cooperation_start=date(2015, 3, 1), language="en")
    page = board(client, loyal)
    assert "Your dedicated contact" in page and "021-5555 0000" in page


def test_a_new_customer_sees_no_dedicated_contact(client, outlet_a, account_manager_a):
    new = make_customer(
        outlet_a,
        account_manager=account_manager_a,
        cooperation_start=timezone.localdate() - timedelta(days=10),
        language="en",
    )
    assert "Your dedicated contact" not in board(client, new)


def test_the_loyal_board_speaks_chinese_to_a_chinese_customer(
    client, outlet_a, account_manager_a
):
    loyal = make_customer(
        outlet_a, account_manager=account_manager_a, cooperation_start=date(2015, 3, 1)
    )
    assert "您的专属联系人" in board(client, loyal)
