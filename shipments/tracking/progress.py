"""Progress updates every 2 hours for new customers' shipments in transit.

DOMAIN.md: a new customer (under 3 months) needs proof of reliability, "a
tracking update every 2 hours". The next update is a deadline column,
``Shipment.next_progress_at``, read through a partial index like a clock:
set when a new customer's shipment gets its first milestone (in the same
UPDATE that sets its status), moved on by each update, cleared when the
shipment is signed.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clocks import outbox
from clocks.texts import renderer
from customers.models import Customer, Tenure
from customers.services import progress_urls
from customers.tenure import start_bounds, tenure_on
from lib.claim import claim

from ..models import Milestone, MilestoneKind, Shipment, ShipmentStatus

EVERY = timedelta(hours=2)
IN_TRANSIT = [
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.AT_SORTING_CENTER,
    ShipmentStatus.OUT_FOR_DELIVERY,
]


def next_progress_at(*, now: datetime) -> Case:
    """A shipment's next progress update, for an UPDATE after new milestones.

    1. A signed shipment gets no more updates.
    2. A new customer's shipment without a next update gets one 2 hours after
       its pickup (or after ``now`` if the pickup is not scanned). It is in
       transit: it has a milestone, and every milestone but signed is a stage
       of transit.
    3. Any other keeps the update it has.
    """
    milestones = Milestone.objects.filter(shipment=OuterRef("pk"))
    picked_up = milestones.filter(kind=MilestoneKind.PICKED_UP).values("occurred_at")
    new_customer = Customer.objects.filter(
        pk=OuterRef("customer_id"),
        **start_bounds(Tenure.NEW, timezone.localdate(now)),
    )
    return Case(
        When(Exists(milestones.filter(kind=MilestoneKind.SIGNED)), then=None),
        When(
            Q(next_progress_at__isnull=True) & Exists(new_customer),
            then=Coalesce(Subquery(picked_up[:1]), Value(now)) + EVERY,
        ),
        default=F("next_progress_at"),
        output_field=DateTimeField(),
    )


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
    render = renderer("progress_update", labels={"status": ShipmentStatus})
    links = progress_urls({s.customer_id for s in shipments}, now=now)
    outbox.to_customers(
        (
            outbox.ToCustomer(
                shipment.customer,
                "progress_update",
                render(
                    {
                        "customer": str(shipment.customer),
                        "waybill": shipment.waybill,
                        "status": shipment.status,
                        "expected": _when(shipment.expected_arrival),
                        "link": links[shipment.customer_id],
                    }
                ),
                # The slot the shipment moved to names this update, so one slot
                # can never be sent twice.
                f"progress:{shipment.pk}:{int(slot.timestamp())}",
            )
            for shipment in shipments
            # Every due shipment has a slot (it is how it became due).
            if (slot := shipment.next_progress_at) is not None
        ),
        now=now,
    )


def _when(instant: datetime | None) -> str:
    return f"{timezone.localtime(instant):%m-%d %H:%M}" if instant else "-"
