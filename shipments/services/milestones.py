from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.services import progress_link_for
from followups import outbox
from followups.clocks import clock_start
from followups.models import ClockKind, SubjectType
from followups.texts import render
from outlets.errors import DomainError

from ..models import Milestone, MilestoneKind, Shipment

RANK = {kind: rank for rank, kind in enumerate(MilestoneKind.values)}


def progress_link(customer: Customer) -> str:
    link = progress_link_for(customer, now=timezone.now())
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/p/{link.token}/"


def _status_from(milestones) -> str:
    """A shipment's status is its latest milestone; ties go to the later stage."""
    latest = max(milestones, key=lambda m: (m.occurred_at, RANK[m.kind]))
    return latest.kind


def _refresh_status(shipment: Shipment) -> None:
    shipment.status = _status_from(shipment.milestones.all())
    Shipment.objects.filter(pk=shipment.pk).update(status=shipment.status)


def add_picked_up_milestone(shipment: Shipment, *, occurred_at, now) -> None:
    """The pickup's own milestone; the entry message is its notice."""
    Milestone.objects.create(shipment=shipment, kind=MilestoneKind.PICKED_UP,
                             occurred_at=occurred_at, recorded_at=now)
    _refresh_status(shipment)


@dataclass(frozen=True)
class Recorded:
    milestone: Milestone | None
    created: bool


@transaction.atomic
def milestone_record(
    *, waybill: str, kind: str, occurred_at: datetime, now: datetime,
    location: str = "", note: str = "",
) -> Recorded:
    """Record a milestone scan; tell the customer and start the 30-minute push clock.

    A repeated scan of the same kind changes nothing and sends nothing. Scans
    arriving out of order are stored by when they happened.
    """
    if kind not in MilestoneKind.values:
        raise DomainError(_("Unknown milestone kind."),
                          fields={"kind": [_("Unknown milestone: %(kind)s")
                                           % {"kind": kind}]})
    shipment = Shipment.objects.select_related("customer").filter(
        waybill=waybill).first()
    if shipment is None:
        raise DomainError(_("Unknown waybill."),
                          fields={"waybill": [_("No shipment has this waybill.")]})
    milestone, created = Milestone.objects.get_or_create(
        shipment=shipment, kind=kind,
        defaults={"occurred_at": occurred_at, "location": location, "note": note,
                  "recorded_at": now},
    )
    if created:
        _refresh_status(shipment)
        _push(shipment, milestone, now)
    return Recorded(milestone, created)


def _push(shipment: Shipment, milestone: Milestone, now: datetime) -> None:
    customer = shipment.customer
    clock = clock_start(
        kind=ClockKind.MILESTONE_PUSH, subject_type=SubjectType.MILESTONE,
        subject_id=milestone.pk, customer=customer,
        responsible=customer.account_manager, now=now,
    )
    texts = render("milestone", {
        "customer": customer, "waybill": shipment.waybill,
        "milestone": milestone.get_kind_display(),
        "location": milestone.location or "-",
        "when": f"{timezone.localtime(milestone.occurred_at):%m-%d %H:%M}",
        "link": progress_link(customer),
    })
    outbox.to_customer(customer=customer, template="milestone", texts=texts,
                       key=f"milestone:{milestone.pk}", now=now, clock=clock)


def milestones_record_bulk(events: list[dict], *, now: datetime) -> list[dict]:
    """Apply many scans, each on its own; one bad event never rejects the others."""
    results = []
    for event in events:
        try:
            recorded = milestone_record(now=now, **event)
        except DomainError as error:
            results.append({"status": "rejected", "errors": error.fields})
        else:
            results.append({"status": "created" if recorded.created else "duplicate",
                            "id": recorded.milestone.pk})
    return results
