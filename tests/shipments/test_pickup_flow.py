from datetime import timedelta
from decimal import Decimal

import pytest

from clocks.models import Clock, ClockKind, ClockState, Message
from clocks.sweep import clocks_sweep
from outlets.errors import NotAllowed, StateConflict
from shipments.models import InsuranceAnswer, PickupStatus
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_enter,
    pickup_pick_up,
)

from ..conftest import NOON, make_pickup

pytestmark = pytest.mark.django_db


def test_accepting_a_pickup_starts_a_30_minute_contact_clock(customer_a, courier_a):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    clock = Clock.objects.get(kind=ClockKind.PICKUP_CONTACT, subject_id=pickup.pk)
    assert clock.state == ClockState.RUNNING
    assert clock.due_at == NOON + timedelta(minutes=30)
    assert clock.responsible == courier_a


def test_contact_at_29_59_meets_the_clock_and_nothing_breaches(
    customer_a, courier_a, manager_a
):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    just_in_time = NOON + timedelta(minutes=29, seconds=59)
    clocks_sweep(now=just_in_time)
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=just_in_time)
    clocks_sweep(now=NOON + timedelta(hours=1))
    clock = Clock.objects.get(kind=ClockKind.PICKUP_CONTACT)
    assert clock.state == ClockState.MET
    assert not Message.objects.filter(template="clock_breach").exists()


def test_contact_clock_breaches_at_30_00_and_escalates_to_the_manager(
    customer_a, courier_a, manager_a
):
    pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    assert clocks_sweep(now=NOON + timedelta(minutes=29, seconds=59)).breached == 0
    assert clocks_sweep(now=NOON + timedelta(minutes=30)).breached == 1
    breach = Message.objects.get(template="clock_breach")
    assert breach.staff == manager_a


def test_picking_up_before_accepting_is_refused_without_change(customer_a, courier_a):
    pickup = make_pickup(customer_a)
    with pytest.raises(StateConflict):
        pickup_pick_up(
            pickup=pickup,
            courier=courier_a,
            pieces=1,
            weight_kg=Decimal("2"),
            insurance="",
            now=NOON,
        )
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.REQUESTED


def test_courier_of_another_outlet_cannot_accept(customer_a, courier_b):
    with pytest.raises(NotAllowed):
        pickup_accept(pickup=make_pickup(customer_a), courier=courier_b, now=NOON)
    assert not Clock.objects.exists()


def test_entry_clock_is_met_when_the_customer_has_been_told(
    customer_a, courier_a, django_capture_on_commit_callbacks
):
    from clocks.outbox import deliver_due

    pickup = pickup_accept(
        pickup=make_pickup(customer_a, fragile=True), courier=courier_a, now=NOON
    )
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=NOON)
    pickup_pick_up(
        pickup=pickup,
        courier=courier_a,
        pieces=2,
        weight_kg=Decimal("3.2"),
        insurance=InsuranceAnswer.ACCEPTED,
        now=NOON + timedelta(minutes=20),
    )
    shipment = pickup_enter(
        pickup=pickup, waybill="SF123", by=courier_a, now=NOON + timedelta(minutes=25)
    )
    entry = Clock.objects.get(kind=ClockKind.PICKUP_ENTRY)
    assert entry.state == ClockState.RUNNING
    deliver_due(now=NOON + timedelta(minutes=26))
    entry.refresh_from_db()
    assert entry.state == ClockState.MET
    assert shipment.milestones.get().kind == "picked_up"
