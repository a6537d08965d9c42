"""Needs reach shipments: the customer file's cold-chain range is every new
shipment's default, fragile and valuable customers are asked about insured
value at pickup, and delivery promises (same-day, next-morning, the 48-hour
guarantee) are clocks from pickup to signature that breach like the others."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from clocks.models import Clock, ClockKind, ClockState, Message, SubjectType
from clocks.sweep import clocks_sweep
from customers.services import customer_update
from outlets.errors import DomainError
from shipments.models import PickupRequest, ServiceLevel
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_enter,
    pickup_pick_up,
)
from shipments.tracking.milestones import milestone_record

from ..conftest import NOON, SHANGHAI, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db


def _entered(customer, courier, *, picked_up_at=NOON, waybill="SF100"):
    """A pickup taken, picked up at ``picked_up_at`` and entered 10 minutes on."""
    pickup = make_pickup(customer, now=picked_up_at - timedelta(minutes=30))
    pickup_accept(pickup=pickup, courier=courier, now=picked_up_at)
    pickup_contact(pickup=pickup, courier=courier, method="called", now=picked_up_at)
    pickup_pick_up(
        pickup=pickup,
        courier=courier,
        pieces=1,
        weight_kg=Decimal("2"),
        insurance="declined",
        now=picked_up_at,
    )
    return pickup_enter(
        pickup=pickup,
        waybill=waybill,
        by=courier,
        now=picked_up_at + timedelta(minutes=10),
    )


def _promise(shipment, kind) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.SHIPMENT, subject_id=shipment.pk, kind=kind
    )


@pytest.fixture
def fruit(outlet_a, account_manager_a):
    return make_customer(
        outlet_a,
        name="Bayberry Farm",
        account_manager=account_manager_a,
        needs=["cold_chain"],
        cold_temperature_min_c=Decimal("2"),
        cold_temperature_max_c=Decimal("8"),
        cold_humidity_min_pct=Decimal("80"),
        cold_humidity_max_pct=Decimal("95"),
    )


# --- Shipment defaults from the customer file ---------------------------------


def test_a_cold_chain_customers_range_is_the_default_of_their_new_shipment(
    fruit, courier_a
):
    shipment = _entered(fruit, courier_a)
    assert shipment.cold_chain
    assert (shipment.temperature_min_c, shipment.temperature_max_c) == (
        Decimal("2"),
        Decimal("8"),
    )
    assert (shipment.humidity_min_pct, shipment.humidity_max_pct) == (
        Decimal("80"),
        Decimal("95"),
    )


def test_an_ordinary_customers_shipment_has_no_range_and_standard_service(
    customer_a, courier_a
):
    shipment = _entered(customer_a, courier_a)
    assert not shipment.cold_chain
    assert shipment.temperature_min_c is None
    assert shipment.service_level == ServiceLevel.STANDARD
    assert not Clock.objects.filter(subject_type=SubjectType.SHIPMENT).exists()


def test_fragile_and_valuable_customers_are_asked_about_insured_value(
    outlet_a, courier_a
):
    fragile = make_customer(outlet_a, needs=["fragile"])
    valuable = make_customer(outlet_a, needs=["valuables"])
    ordinary = make_customer(outlet_a)
    asked = [
        make_pickup(customer).needs_insurance_question
        for customer in (fragile, valuable, ordinary)
    ]
    assert asked == [True, True, False]
    pickup = make_pickup(fragile)
    pickup_accept(pickup=pickup, courier=courier_a, now=NOON)
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=NOON)
    with pytest.raises(DomainError) as refused:
        pickup_pick_up(
            pickup=pickup,
            courier=courier_a,
            pieces=1,
            weight_kg=Decimal("1"),
            insurance="not_needed",
            now=NOON,
        )
    assert "insurance" in refused.value.fields
    assert PickupRequest.objects.get(pk=pickup.pk).picked_up_at is None


def test_the_courier_page_asks_the_insurance_question_for_a_fragile_customer(
    client, outlet_a, courier_a
):
    pickup = make_pickup(make_customer(outlet_a, needs=["fragile"]))
    pickup_accept(pickup=pickup, courier=courier_a, now=NOON)
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=NOON)
    client.force_login(courier_a)
    body = client.get(f"/shipments/pickups/{pickup.pk}/").content.decode()
    assert 'name="insurance"' in body


# --- The customer file's bounds -----------------------------------------------


def test_a_range_of_one_end_or_upside_down_is_refused_naming_the_field(fruit):
    with pytest.raises(DomainError) as one_end:
        customer_update(customer=fruit, by=None, cold_humidity_max_pct=None)
    with pytest.raises(DomainError) as upside_down:
        customer_update(customer=fruit, by=None, cold_temperature_min_c=Decimal("9"))
    assert "cold_humidity_max_pct" in one_end.value.fields
    assert "cold_temperature_max_c" in upside_down.value.fields


def test_an_implausible_temperature_is_refused_on_the_api_naming_it(manager_a, fruit):
    response = api_as(manager_a).patch(
        f"/api/v1/customers/{fruit.pk}/",
        {"cold_temperature_max_c": "120"},
        format="json",
    )
    assert response.status_code == 400
    assert "cold_temperature_max_c" in response.json()["error"]["fields"]


def test_promises_belong_to_the_needs_that_make_them(customer_a):
    with pytest.raises(DomainError) as guarantee:
        customer_update(customer=customer_a, by=None, guarantee_48h=True)
    with pytest.raises(DomainError) as same_day:
        customer_update(customer=customer_a, by=None, promised_delivery="same_day")
    assert "guarantee_48h" in guarantee.value.fields
    assert "promised_delivery" in same_day.value.fields


def test_the_range_is_set_on_the_edit_page_and_reaches_the_next_shipment(
    client, manager_a, customer_a, courier_a
):
    client.force_login(manager_a)
    form = client.get(f"/customers/{customer_a.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data |= {
        "account_manager": customer_a.account_manager_id,
        "needs": ["cold_chain"],
        "cold_temperature_min_c": "-18",
        "cold_temperature_max_c": "-12",
    }
    response = client.post(f"/customers/{customer_a.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    customer_a.refresh_from_db()
    shipment = _entered(customer_a, courier_a)
    assert (shipment.temperature_min_c, shipment.temperature_max_c) == (
        Decimal("-18"),
        Decimal("-12"),
    )


# --- Delivery promises as clocks ------------------------------------------------


@pytest.fixture
def urgent(outlet_a, account_manager_a):
    def make(level: str):
        return make_customer(
            outlet_a,
            account_manager=account_manager_a,
            needs=["time_sensitive"],
            promised_delivery=level,
        )

    return make


def test_same_day_is_due_at_20_on_the_day_of_pickup_and_met_at_signature(
    urgent, courier_a
):
    shipment = _entered(urgent("same_day"), courier_a)
    assert shipment.service_level == ServiceLevel.SAME_DAY
    clock = _promise(shipment, ClockKind.SAME_DAY)
    assert clock.due_at == datetime(2026, 11, 18, 20, 0, tzinfo=SHANGHAI)
    signed_at = datetime(2026, 11, 18, 18, 40, tzinfo=SHANGHAI)
    milestone_record(
        waybill=shipment.waybill, kind="signed", occurred_at=signed_at, now=signed_at
    )
    clock.refresh_from_db()
    assert (clock.state, clock.met_at) == (ClockState.MET, signed_at)


def test_same_day_picked_up_after_the_evening_cut_off_is_due_the_next_evening(
    urgent, courier_a
):
    evening = datetime(2026, 11, 18, 20, 30, tzinfo=SHANGHAI)
    shipment = _entered(urgent("same_day"), courier_a, picked_up_at=evening)
    clock = _promise(shipment, ClockKind.SAME_DAY)
    assert clock.due_at == datetime(2026, 11, 19, 20, 0, tzinfo=SHANGHAI)


def test_next_morning_is_due_at_noon_the_next_day_and_breaches_and_escalates(
    urgent, courier_a, manager_a
):
    shipment = _entered(urgent("next_morning"), courier_a)
    clock = _promise(shipment, ClockKind.NEXT_MORNING)
    due = datetime(2026, 11, 19, 12, 0, tzinfo=SHANGHAI)
    assert clock.due_at == due
    clocks_sweep(now=due - timedelta(seconds=1))
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING
    clocks_sweep(now=due)
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert Message.objects.filter(staff=manager_a, template="clock_breach").exists()


def test_a_cold_chain_customers_48_hour_guarantee_is_a_clock_from_pickup(
    fruit, courier_a
):
    customer_update(customer=fruit, by=None, guarantee_48h=True)
    fruit.refresh_from_db()
    shipment = _entered(fruit, courier_a)
    clock = _promise(shipment, ClockKind.GUARANTEE_48H)
    assert clock.due_at == NOON + timedelta(hours=48)
    assert clock.responsible_id == fruit.account_manager_id
    later = NOON + timedelta(hours=47)
    milestone_record(
        waybill=shipment.waybill, kind="signed", occurred_at=later, now=later
    )
    clock.refresh_from_db()
    assert clock.state == ClockState.MET


def test_the_48_hour_guarantee_breaches_unsigned_after_48_hours(fruit, courier_a):
    customer_update(customer=fruit, by=None, guarantee_48h=True)
    fruit.refresh_from_db()
    shipment = _entered(fruit, courier_a)
    clocks_sweep(now=NOON + timedelta(hours=48) - timedelta(seconds=1))
    assert _promise(shipment, ClockKind.GUARANTEE_48H).state == ClockState.RUNNING
    clocks_sweep(now=NOON + timedelta(hours=48))
    assert _promise(shipment, ClockKind.GUARANTEE_48H).state == ClockState.BREACHED
