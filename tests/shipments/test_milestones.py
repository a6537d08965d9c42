from datetime import timedelta

import pytest

from clocks.models import Clock, ClockKind, ClockState, Message, SubjectType
from clocks.outbox import deliver_due
from clocks.sweep import clocks_sweep
from clocks.texts import render
from outlets.errors import DomainError
from shipments.models import Milestone, MilestoneKind, ShipmentStatus
from shipments.tracking.milestones import milestone_record, milestones_record_bulk

from ..conftest import NOON, make_shipment

pytestmark = pytest.mark.django_db


def scan(shipment, kind, at=NOON, **extra):
    return {"waybill": shipment.waybill, "kind": kind, "occurred_at": at, **extra}


@pytest.mark.parametrize("kind", MilestoneKind.values)
def test_each_milestone_starts_a_30_minute_push_clock_with_its_message(
    customer_a, account_manager_a, kind
):
    shipment = make_shipment(customer_a)

    milestones_record_bulk([scan(shipment, kind, location="Hangzhou")], now=NOON)

    milestone = Milestone.objects.get(shipment=shipment, kind=kind)
    clock = Clock.objects.get(
        subject_type=SubjectType.MILESTONE, subject_id=milestone.pk
    )
    assert clock.kind == ClockKind.MILESTONE_PUSH
    assert clock.due_at == NOON + timedelta(minutes=30)
    assert clock.responsible == account_manager_a
    message = Message.objects.get(clock=clock)
    assert message.customer == customer_a
    assert message.template == "milestone"
    assert shipment.waybill in message.text_en and "Hangzhou" in message.text_en
    assert str(MilestoneKind(kind).label) in message.text_en
    assert "/p/" in message.text_en
    assert message.dedupe_key.startswith(f"milestone:{milestone.pk}:sms:")


def test_the_message_reads_as_the_one_by_one_rendering_in_each_language(
    customer_a,
):
    shipment = make_shipment(customer_a)
    milestones_record_bulk([scan(shipment, MilestoneKind.SIGNED)], now=NOON)
    message = Message.objects.get(template="milestone")
    link = message.text_en.rsplit(" ", 1)[1]
    expected = render(
        "milestone",
        {
            "customer": customer_a,
            "waybill": shipment.waybill,
            "milestone": MilestoneKind.SIGNED.label,
            "location": "-",
            "when": "11-18 12:00",
            "link": link,
        },
    )
    assert (message.text_zh, message.text_en) == (expected["zh-hans"], expected["en"])


def test_push_clock_is_met_when_the_channel_confirms_the_send(customer_a):
    shipment = make_shipment(customer_a)
    milestones_record_bulk([scan(shipment, MilestoneKind.PICKED_UP)], now=NOON)

    deliver_due(now=NOON + timedelta(minutes=2))

    clock = Clock.objects.get(kind=ClockKind.MILESTONE_PUSH)
    assert clock.state == ClockState.MET
    assert clock.met_at == NOON + timedelta(minutes=2)


def test_push_clock_breaches_at_30_minutes_when_nothing_was_sent(customer_a, manager_a):
    shipment = make_shipment(customer_a)
    milestones_record_bulk([scan(shipment, MilestoneKind.PICKED_UP)], now=NOON)

    assert clocks_sweep(now=NOON + timedelta(minutes=29, seconds=59)).breached == 0
    assert clocks_sweep(now=NOON + timedelta(minutes=30)).breached == 1


def test_a_duplicate_scan_sends_nothing_twice(customer_a):
    shipment = make_shipment(customer_a)
    event = scan(shipment, MilestoneKind.AT_SORTING_CENTER)

    first = milestones_record_bulk([event], now=NOON)
    again = milestones_record_bulk([event, event], now=NOON)
    later = milestones_record_bulk([event], now=NOON + timedelta(hours=1))

    assert first[0]["status"] == "created"
    assert [r["status"] for r in again + later] == ["duplicate"] * 3
    assert Milestone.objects.count() == 1
    assert Clock.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_same_scan_twice_in_one_batch_is_created_once(customer_a):
    shipment = make_shipment(customer_a)
    event = scan(shipment, MilestoneKind.PICKED_UP)

    results = milestones_record_bulk([event, event], now=NOON)

    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert Message.objects.count() == 1


def test_out_of_order_scans_are_stored_by_when_they_happened(customer_a):
    shipment = make_shipment(customer_a)
    milestones_record_bulk(
        [
            scan(shipment, MilestoneKind.OUT_FOR_DELIVERY, NOON + timedelta(hours=20)),
            scan(shipment, MilestoneKind.PICKED_UP, NOON),
        ],
        now=NOON + timedelta(hours=20),
    )
    # The sorting-center scan arrives last but happened in between.
    milestones_record_bulk(
        [scan(shipment, MilestoneKind.AT_SORTING_CENTER, NOON + timedelta(hours=4))],
        now=NOON + timedelta(hours=21),
    )

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert list(shipment.milestones.values_list("kind", flat=True)) == [
        MilestoneKind.PICKED_UP,
        MilestoneKind.AT_SORTING_CENTER,
        MilestoneKind.OUT_FOR_DELIVERY,
    ]


def test_scans_at_the_same_instant_leave_the_later_stage_as_status(customer_a):
    shipment = make_shipment(customer_a)
    milestones_record_bulk(
        [
            scan(shipment, MilestoneKind.SIGNED),
            scan(shipment, MilestoneKind.OUT_FOR_DELIVERY),
        ],
        now=NOON,
    )
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SIGNED


def test_milestone_record_is_a_batch_of_one(customer_a):
    shipment = make_shipment(customer_a)

    recorded = milestone_record(
        waybill=shipment.waybill, kind="picked_up", occurred_at=NOON, now=NOON
    )
    repeated = milestone_record(
        waybill=shipment.waybill, kind="picked_up", occurred_at=NOON, now=NOON
    )

    assert recorded.created and not repeated.created
    assert recorded.milestone == repeated.milestone
    assert Message.objects.count() == 1


def test_milestone_record_refuses_an_unknown_kind_or_waybill(customer_a):
    shipment = make_shipment(customer_a)
    with pytest.raises(DomainError) as unknown_kind:
        milestone_record(
            waybill=shipment.waybill, kind="lost_in_space", occurred_at=NOON, now=NOON
        )
    with pytest.raises(DomainError) as unknown_waybill:
        milestone_record(waybill="NOPE", kind="signed", occurred_at=NOON, now=NOON)
    assert "kind" in unknown_kind.value.fields
    assert "waybill" in unknown_waybill.value.fields
    assert not Milestone.objects.exists()
