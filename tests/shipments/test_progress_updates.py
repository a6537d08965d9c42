from datetime import date, timedelta

import pytest
from django.utils import timezone

from clocks.models import Message
from shipments.models import MilestoneKind
from shipments.tasks import send_progress_updates
from shipments.tracking.milestones import milestones_record_bulk
from shipments.tracking.progress import progress_updates_send

from ..conftest import NOON, make_customer, make_shipment

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def new_customer(outlet_a, account_manager_a):
    # Six weeks of cooperation at NOON: a new customer (under 3 months).
    return make_customer(
        outlet_a, cooperation_start=date(2026, 10, 7), account_manager=account_manager_a
    )


def scan(shipment, kind, at, now=None):
    event = {"waybill": shipment.waybill, "kind": kind, "occurred_at": at}
    milestones_record_bulk([event], now=now or at)


def updates():
    return Message.objects.filter(template="progress_update")


def test_a_new_customers_shipment_is_updated_2_hours_after_pickup(new_customer):
    shipment = make_shipment(new_customer)
    scan(shipment, MilestoneKind.PICKED_UP, NOON, now=NOON + timedelta(minutes=10))

    shipment.refresh_from_db()
    assert shipment.next_progress_at == NOON + 2 * HOUR
    assert progress_updates_send(now=NOON + 2 * HOUR - timedelta(seconds=1)) == 0
    assert progress_updates_send(now=NOON + 2 * HOUR) == 1

    update = updates().get()
    assert update.customer == new_customer
    assert shipment.waybill in update.text_en and "Picked up" in update.text_en
    shipment.refresh_from_db()
    assert shipment.next_progress_at == NOON + 4 * HOUR


def test_updates_continue_every_2_hours_in_transit_each_slot_once(new_customer):
    shipment = make_shipment(new_customer)
    scan(shipment, MilestoneKind.PICKED_UP, NOON)
    for hours in (2, 2, 4, 5, 6):
        progress_updates_send(now=NOON + hours * HOUR)
    scan(shipment, MilestoneKind.AT_SORTING_CENTER, NOON + 7 * HOUR)
    progress_updates_send(now=NOON + 8 * HOUR)

    assert updates().count() == 4
    assert "At sorting center" in updates().order_by("pk").last().text_en


def test_signing_stops_the_updates(new_customer):
    shipment = make_shipment(new_customer)
    scan(shipment, MilestoneKind.PICKED_UP, NOON)
    progress_updates_send(now=NOON + 2 * HOUR)
    scan(shipment, MilestoneKind.SIGNED, NOON + 3 * HOUR)

    shipment.refresh_from_db()
    assert shipment.next_progress_at is None
    assert progress_updates_send(now=NOON + 10 * HOUR) == 0
    assert updates().count() == 1


def test_a_late_scan_after_signing_does_not_restart_the_updates(new_customer):
    shipment = make_shipment(new_customer)
    scan(shipment, MilestoneKind.SIGNED, NOON + 5 * HOUR)
    scan(shipment, MilestoneKind.OUT_FOR_DELIVERY, NOON + 4 * HOUR, now=NOON + 6 * HOUR)

    shipment.refresh_from_db()
    assert shipment.next_progress_at is None


def test_stable_and_loyal_customers_get_no_progress_updates(outlet_a):
    stable = make_customer(outlet_a, cooperation_start=date(2026, 5, 1))
    loyal = make_customer(outlet_a, cooperation_start=date(2020, 5, 1))
    for customer in (stable, loyal):
        scan(make_shipment(customer), MilestoneKind.PICKED_UP, NOON)

    assert progress_updates_send(now=NOON + 12 * HOUR) == 0
    assert not updates().exists()


def test_a_sweep_after_downtime_sends_one_update_not_one_per_missed_slot(
    new_customer,
):
    shipment = make_shipment(new_customer)
    scan(shipment, MilestoneKind.PICKED_UP, NOON)

    progress_updates_send(now=NOON + 9 * HOUR)

    assert updates().count() == 1
    shipment.refresh_from_db()
    assert shipment.next_progress_at == NOON + 11 * HOUR


def test_a_customer_who_stops_being_new_gets_no_more_updates(outlet_a):
    # Three months of cooperation are complete on 2026-11-19.
    customer = make_customer(outlet_a, cooperation_start=date(2026, 8, 19))
    shipment = make_shipment(customer)
    scan(shipment, MilestoneKind.PICKED_UP, NOON)

    progress_updates_send(now=NOON + 24 * HOUR)

    shipment.refresh_from_db()
    assert shipment.next_progress_at is None
    assert not updates().exists()


def test_the_periodic_task_sends_what_is_due(outlet_a):
    now = timezone.now()
    customer = make_customer(outlet_a, cooperation_start=now.date())
    scan(
        make_shipment(customer, created_at=now), MilestoneKind.PICKED_UP, now - 3 * HOUR
    )

    assert send_progress_updates() == 1
