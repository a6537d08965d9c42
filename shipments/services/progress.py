"""Progress updates every 2 hours for new customers' shipments in transit.

DOMAIN.md: a new customer (under 3 months) needs proof of reliability, "a
tracking update every 2 hours". The next update is a deadline column,
``Shipment.next_progress_at``, read through a partial index like a clock:
set when a new customer's shipment gets its first milestone, moved on by each
update, cleared when the shipment is signed.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Tenure
from customers.tenure import start_bounds, tenure_on
from followups.claim import claim

from ..models import Milestone, MilestoneKind, Shipment, ShipmentStatus
from .bulk_writes import (
    customer_message,
    progress_urls,
    texts_with_labels,
    write_messages,
)

EVERY = timedelta(hours=2)
IN_TRANSIT = [
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.AT_SORTING_CENTER,
    ShipmentStatus.OUT_FOR_DELIVERY,
]


def progress_schedule(shipment_ids: Iterable[int], *, now: datetime) -> None:
    """After new milestones: stop the updates of signed shipments, start new ones.

    1. A signed shipment gets no more updates.
    2. A new customer's shipment in transit without a next update gets one
       2 hours after its pickup (or after ``now`` if the pickup is not scanned).
    Two statements, whatever the number of shipments.
    """
    ids = list(shipment_ids)
    signed = Shipment.objects.filter(
        pk__in=ids,
        next_progress_at__isnull=False,
        milestones__kind=MilestoneKind.SIGNED,
    )
    signed.update(next_progress_at=None)
    picked_up = Milestone.objects.filter(
        shipment=OuterRef("pk"), kind=MilestoneKind.PICKED_UP
    ).values("occurred_at")[:1]
    starting = Shipment.objects.filter(
        pk__in=ids,
        next_progress_at__isnull=True,
        status__in=IN_TRANSIT,
        **_new_customers(now),
    ).exclude(milestones__kind=MilestoneKind.SIGNED)
    starting.update(
        next_progress_at=ExpressionWrapper(
            Coalesce(Subquery(picked_up), Value(now)) + EVERY,
            output_field=DateTimeField(),
        )
    )


def _new_customers(now: datetime) -> dict:
    bounds = start_bounds(Tenure.NEW, timezone.localdate(now))
    return {f"customer__{lookup}": value for lookup, value in bounds.items()}


def progress_updates_send(*, now: datetime, batch: int = 500) -> int:
    """Send every progress update due by ``now``, batch after batch."""
    total = 0
    while done := _progress_batch(now, batch):
        total += done
        if done < batch:
            break
    return total


@transaction.atomic
def _progress_batch(now: datetime, batch: int) -> int:
    """Claim due shipments, move each to its next slot, write its update.

    A slot missed by more than one interval (the beat was down) moves to
    ``now + 2 h`` rather than firing once per missed slot.
    """
    keys = claim(
        Shipment.objects.filter(next_progress_at__lte=now),
        order_by="next_progress_at",
        batch=batch,
        changes={
            "next_progress_at": Case(
                When(
                    next_progress_at__gt=now - EVERY, then=F("next_progress_at") + EVERY
                ),
                default=Value(now + EVERY),
            )
        },
    )
    shipments = list(Shipment.objects.filter(pk__in=keys).select_related("customer"))
    today = timezone.localdate(now)
    due = [
        s
        for s in shipments
        if s.status in IN_TRANSIT
        and tenure_on(s.customer.cooperation_start, today) == Tenure.NEW
    ]
    # Signed meanwhile, or the customer is no longer new: no more updates.
    done = {s.pk for s in shipments} - {s.pk for s in due}
    Shipment.objects.filter(pk__in=done).update(next_progress_at=None)
    _write_updates(due, now)
    return len(keys)


def _write_updates(shipments: list[Shipment], now: datetime) -> None:
    render = texts_with_labels("progress_update", "status", ShipmentStatus)
    links = progress_urls({s.customer_id for s in shipments}, now=now)
    messages = []
    for shipment in shipments:
        expected = shipment.expected_arrival
        texts = render(
            {
                "customer": str(shipment.customer),
                "waybill": shipment.waybill,
                "expected": (
                    f"{timezone.localtime(expected):%m-%d %H:%M}" if expected else "-"
                ),
                "link": links[shipment.customer_id],
            },
            shipment.status,
        )
        # The slot the shipment moved to names this update, so one slot can
        # never be sent twice.
        slot = int(shipment.next_progress_at.timestamp())
        messages.append(
            customer_message(
                customer=shipment.customer,
                template="progress_update",
                texts=texts,
                key=f"progress:{shipment.pk}:{slot}",
                now=now,
            )
        )
    write_messages(messages)
