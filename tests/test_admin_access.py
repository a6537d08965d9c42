"""The admin shows each user the rows, and offers the choices, access.py allows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from clocks.models import CalendarDay, CalendarDayKind, Clock, ClockKind, ClockState
from customers.models import Customer, Tier, TierChange
from customers.services import progress_link_for
from outlets.models import ApiToken, Role, Staff
from outlets.services import api_token_issue
from shipments.models import ColdChainReading, MilestoneKind
from shipments.pickups.services import pickup_accept
from shipments.problems.services import problem_report
from shipments.tracking.milestones import milestone_record

from .conftest import NOON, make_pickup, make_shipment

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ["customers", "shipments", "clocks"]
OUR_APPS = ["outlets", *DOMAIN_APPS]


def admin_client(user: Staff, apps: list[str] = DOMAIN_APPS) -> Client:
    """Log ``user`` into the admin with every permission of ``apps``."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=apps)
    )
    client = Client()
    client.force_login(user)
    return client


def superuser_client() -> Client:
    root = Staff.objects.create_superuser(
        username="root", password="pw-root", role=Role.HQ_ADMIN
    )
    client = Client()
    client.force_login(root)
    return client


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def test_manager_of_outlet_a_sees_only_outlet_a_customers_in_admin(
    manager_a, customer_a, customer_b
):
    response = admin_client(manager_a).get(changelist_url(Customer))

    assert response.status_code == 200
    assert customer_a.name in response.text
    assert customer_b.name not in response.text


def test_manager_of_outlet_a_gets_404_or_redirect_for_outlet_b_customer_change_page(
    manager_a, customer_b
):
    client = admin_client(manager_a)

    response = client.get(change_url(customer_b))

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    followed = client.get(change_url(customer_b), follow=True)
    assert customer_b.name not in followed.text
    assert str(customer_b.phone) not in followed.text


def test_manager_of_outlet_a_cannot_change_outlet_b_customer_by_posting(
    manager_a, customer_b
):
    client = admin_client(manager_a)

    response = client.post(change_url(customer_b), {"name": "Taken over"})

    assert response.status_code == 302
    customer_b.refresh_from_db()
    assert customer_b.name == "Outlet B Customer"


def test_hq_admin_sees_every_outlet(
    hq_admin, outlet_a, outlet_b, customer_a, customer_b
):
    client = admin_client(hq_admin, apps=OUR_APPS)

    outlets = client.get(changelist_url(outlet_a))
    customers = client.get(changelist_url(Customer))

    assert outlets.status_code == 200
    assert outlet_a.name in outlets.text and outlet_b.name in outlets.text
    assert customer_a.name in customers.text and customer_b.name in customers.text


def test_customer_foreign_key_choices_are_scoped_in_pickup_form(
    manager_a, customer_a, customer_b
):
    pickup = make_pickup(customer_a)
    client = admin_client(manager_a)

    form = client.get(change_url(pickup)).context["adminform"].form
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "shipments",
            "model_name": "pickuprequest",
            "field_name": "customer",
            "term": "",
        },
    ).json()

    assert list(form.fields["customer"].queryset) == [customer_a]
    assert [r["id"] for r in found["results"]] == [str(customer_a.pk)]


def test_pickup_form_rejects_a_customer_of_another_outlet(
    manager_a, customer_a, customer_b
):
    pickup = make_pickup(customer_a)
    start, end = pickup.window_start, pickup.window_end
    data = {
        "customer": customer_b.pk,
        "address": "Elsewhere",
        "window_start_0": f"{start:%Y-%m-%d}",
        "window_start_1": f"{start:%H:%M:%S}",
        "window_end_0": f"{end:%Y-%m-%d}",
        "window_end_1": f"{end:%H:%M:%S}",
        "expected_pieces": 1,
    }

    response = admin_client(manager_a).post(change_url(pickup), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["customer"]
    pickup.refresh_from_db()
    assert pickup.customer == customer_a


def _one_of_everything(customer, courier) -> None:
    """Rows for every registered model, so each changelist renders real rows."""
    pickup = pickup_accept(pickup=make_pickup(customer), courier=courier, now=NOON)
    shipment = make_shipment(customer, pickup=pickup)
    milestone_record(
        waybill=shipment.waybill,
        kind=MilestoneKind.PICKED_UP,
        occurred_at=NOON,
        now=NOON,
    )
    problem_report(
        customer=customer,
        kind="delay",
        description="Late",
        reported_by=courier,
        now=NOON,
        shipment=shipment,
    )
    ColdChainReading.objects.create(
        shipment=shipment, taken_at=NOON, temperature_c=Decimal("4.0")
    )
    TierChange.objects.create(
        customer=customer,
        from_tier=Tier.CASUAL,
        to_tier=Tier.REGULAR,
        volume=30,
        changed_at=NOON,
    )
    progress_link_for(customer, now=NOON)
    CalendarDay.objects.create(
        date=NOON.date() + timedelta(days=30),
        kind=CalendarDayKind.HOLIDAY,
        name="Test day",
    )


def test_every_model_has_an_admin_changelist_that_renders(customer_a, courier_a):
    _one_of_everything(customer_a, courier_a)
    client = superuser_client()

    for model in admin.site._registry:
        response = client.get(changelist_url(model))
        assert response.status_code == 200, model
        first = model._default_manager.first()
        if first is not None and model._meta.app_label in OUR_APPS:
            assert client.get(change_url(first)).status_code == 200, model


def test_clock_fields_are_read_only(customer_a, courier_a):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    clock = Clock.objects.get(kind=ClockKind.PICKUP_CONTACT, subject_id=pickup.pk)
    client = superuser_client()

    page = client.get(change_url(clock))
    posted = client.post(change_url(clock), {"state": ClockState.CANCELLED})

    assert page.status_code == 200
    assert 'name="state"' not in page.text
    assert 'name="_save"' not in page.text
    assert posted.status_code == 403
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_pickup_status_cannot_be_changed_in_admin(customer_a):
    pickup = make_pickup(customer_a)

    page = superuser_client().get(change_url(pickup))

    assert page.status_code == 200
    assert 'name="status"' not in page.text
    assert 'name="customer"' in page.text


def test_manager_may_look_at_holidays_but_not_change_them(manager_a):
    day = CalendarDay.objects.create(date=NOON.date(), kind=CalendarDayKind.HOLIDAY)
    client = admin_client(manager_a)

    page = client.get(change_url(day))
    client.post(change_url(day), {"date": day.date, "kind": CalendarDayKind.WORKDAY})

    assert page.status_code == 200
    assert 'name="kind"' not in page.text
    day.refresh_from_db()
    assert day.kind == CalendarDayKind.HOLIDAY


def test_manager_cannot_write_a_network_wide_clock_policy(manager_a):
    client = admin_client(manager_a)

    response = client.post(
        reverse("admin:clocks_clockpolicy_add"),
        {
            "kind": ClockKind.PICKUP_CONTACT,
            "outlet": "",
            "minutes": 5,
            "warn_before_minutes": 1,
            "counting": "calendar",
            "escalate_after_minutes": 30,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["outlet"]


def test_manager_cannot_make_staff_hq_or_superuser(manager_a, courier_a):
    client = admin_client(manager_a, apps=["outlets"])

    form = client.get(change_url(courier_a)).context["adminform"].form

    assert Role.HQ_ADMIN not in dict(form.fields["role"].choices)
    assert "is_superuser" not in form.fields
    assert "user_permissions" not in form.fields


def test_manager_of_outlet_a_sees_only_outlet_a_api_tokens_and_no_token_at_all(
    manager_a, courier_a, courier_b
):
    mine, mine_key = api_token_issue(staff=courier_a, now=NOON)
    _, theirs_key = api_token_issue(staff=courier_b, now=NOON)

    client = admin_client(manager_a, apps=["outlets"])
    page = client.get(changelist_url(ApiToken))
    detail = client.get(reverse("admin:outlets_apitoken_change", args=[mine.pk]))

    assert str(courier_a) in page.text
    assert str(courier_b) not in page.text
    # Only a one-way hash is stored: no page can show the token itself.
    for text in (page.text, detail.text):
        assert mine_key not in text and theirs_key not in text
    assert not ApiToken.objects.filter(digest__in=[mine_key, theirs_key]).exists()
