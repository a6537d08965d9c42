"""Milestone scans: one set-based path for one scan or a thousand.

The courier page, the API and the carrier's scanning system all come through
``milestones_record_bulk``; ``milestone_record`` is a batch of one.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.services import progress_urls
from followups import outbox
from followups.clocks import clocks_start
from followups.inserts import insert_new
from followups.models import ClockKind, SubjectType
from followups.texts import renderer
from outlets.errors import DomainError

from ..models import Milestone, MilestoneKind, Shipment
from .progress import next_progress_at

RANK = {kind: rank for rank, kind in enumerate(MilestoneKind.values)}
MAX_LENGTHS = {"waybill": 30, "location": 120, "note": 255}


@dataclass(frozen=True)
class Scan:
    waybill: str
    kind: str
    occurred_at: datetime
    location: str
    note: str


@dataclass(frozen=True)
class Recorded:
    milestone: Milestone | None
    created: bool


def rejected(errors: dict) -> dict:
    return {"status": "rejected", "errors": errors}


def parse_event(raw) -> Scan | dict:
    """A scan from plain input, or the errors per field."""
    if not isinstance(raw, dict):
        return {"non_field_errors": [_("Each event is an object.")]}
    errors = {}
    texts = {}
    for field, limit in MAX_LENGTHS.items():
        value = raw.get(field) or ""
        if not isinstance(value, str):
            errors[field] = [_("Must be text.")]
        elif len(value) > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
        texts[field] = value.strip() if isinstance(value, str) else ""
    if not texts["waybill"] and "waybill" not in errors:
        errors["waybill"] = [_("Required.")]
    kind = raw.get("kind")
    if kind not in RANK:
        errors["kind"] = [_("Unknown milestone: %(kind)s") % {"kind": kind}]
    occurred_at = parse_aware(raw.get("occurred_at"))
    if occurred_at is None:
        errors["occurred_at"] = [_("A date and time with its time zone is required.")]
    if errors:
        return errors
    return Scan(texts["waybill"], kind, occurred_at, texts["location"], texts["note"])


def parse_aware(value) -> datetime | None:
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return None
    return value


@transaction.atomic
def milestones_record_bulk(
    events: list, *, now: datetime, shipments: QuerySet | None = None
) -> list[dict]:
    """Apply many scans; answer each with created, duplicate or rejected.

    ``shipments`` is the caller's scope (what the user may see); a waybill
    outside it is unknown. The number of queries does not grow with the batch:

    1. Validate every event in Python.
    2. Look up all waybills in one query.
    3. Insert every new (shipment, kind) in one statement that skips those
       already recorded and returns the rows it created.
    4. For those: one insert of push clocks, one of customer messages.
    5. Shipment statuses and next progress updates in one UPDATE.
    """
    results: list[dict | None] = [None] * len(events)
    scans = {}
    for index, raw in enumerate(events):
        parsed = parse_event(raw)
        if isinstance(parsed, Scan):
            scans[index] = parsed
        else:
            results[index] = rejected(parsed)
    found = _shipments(shipments, {scan.waybill for scan in scans.values()})
    rows, first_of = [], {}
    for index, scan in scans.items():
        shipment = found.get(scan.waybill)
        if shipment is None:
            results[index] = rejected({"waybill": [_("No shipment has this waybill.")]})
            continue
        pair = (shipment.pk, scan.kind)
        if pair in first_of:
            results[index] = {"status": "duplicate"}
            continue
        first_of[pair] = index
        rows.append((shipment.pk, *_values(scan), now))
    created = insert_new(
        Milestone,
        ["shipment", "kind", "occurred_at", "location", "note", "recorded_at"],
        rows,
        ["id", "shipment", "kind", "occurred_at", "location"],
    )
    for pk, shipment_id, kind, *_rest in created:
        results[first_of.pop((shipment_id, kind))] = {"status": "created", "id": pk}
    for index in first_of.values():
        results[index] = {"status": "duplicate"}
    if created:
        _push(created, {t.pk: t for t in found.values()}, now)
        _refresh({row[1] for row in created}, now)
    return results


def _values(scan: Scan) -> tuple:
    return scan.kind, scan.occurred_at, scan.location, scan.note


class Target(NamedTuple):
    pk: int
    waybill: str
    customer_id: int


def _shipments(scope: QuerySet | None, waybills: set[str]) -> dict[str, Target]:
    """The shipments scanned, as plain values: no model instances per event."""
    if not waybills:
        return {}
    scope = Shipment.objects.all() if scope is None else scope
    found = scope.filter(waybill__in=waybills).order_by()
    return {
        waybill: Target(pk, waybill, customer_id)
        for pk, waybill, customer_id in found.values_list(
            "pk", "waybill", "customer_id"
        )
    }


def _push(created: list[tuple], shipments: dict[int, Target], now) -> None:
    """Start each new milestone's 30-minute push clock and write its message.

    The clock is met when the channel confirms the message (``outbox.deliver``).
    The push clock's owner is the customer's account manager.
    """
    customer_ids = {shipments[row[1]].customer_id for row in created}
    customers = Customer.objects.in_bulk(customer_ids)
    clocks = clocks_start(
        kind=ClockKind.MILESTONE_PUSH,
        subject_type=SubjectType.MILESTONE,
        subjects=[
            (pk, customer, customer.account_manager_id)
            for pk, shipment_id, *_rest in created
            for customer in [customers[shipments[shipment_id].customer_id]]
        ],
        now=now,
    )
    render = renderer("milestone", labels={"milestone": MilestoneKind})
    links = progress_urls(customer_ids, now=now)
    names = {pk: str(customer) for pk, customer in customers.items()}
    outbox.to_customers(
        (
            outbox.ToCustomer(
                customers[target.customer_id],
                "milestone",
                render(
                    {
                        "customer": names[target.customer_id],
                        "waybill": target.waybill,
                        "milestone": kind,
                        "location": location or "-",
                        "when": f"{timezone.localtime(occurred_at):%m-%d %H:%M}",
                        "link": links[target.customer_id],
                    }
                ),
                f"milestone:{pk}",
                clocks[pk].id,
            )
            for pk, shipment_id, kind, occurred_at, location in created
            for target in [shipments[shipment_id]]
        ),
        now=now,
    )


def _refresh(shipment_ids: set[int], now: datetime) -> None:
    """After new milestones: each shipment's status and next progress update.

    A shipment's status is its latest milestone; ties go to the later stage.
    One statement, whatever the number of shipments.
    """
    rank = Case(
        *[When(kind=kind, then=Value(rank)) for kind, rank in RANK.items()],
        output_field=IntegerField(),
    )
    latest = Subquery(
        Milestone.objects.filter(shipment=OuterRef("pk"))
        .annotate(rank=rank)
        .order_by("-occurred_at", "-rank")
        .values("kind")[:1]
    )
    Shipment.objects.filter(pk__in=shipment_ids).update(
        status=latest, next_progress_at=next_progress_at(now=now)
    )


def milestone_record(
    *,
    waybill: str,
    kind: str,
    occurred_at: datetime,
    now: datetime,
    location: str = "",
    note: str = "",
) -> Recorded:
    """Record one scan: a batch of one through ``milestones_record_bulk``.

    A repeated scan of the same kind changes nothing and sends nothing; scans
    arriving out of order are stored by when they happened.
    """
    event = {
        "waybill": waybill,
        "kind": kind,
        "occurred_at": occurred_at,
        "location": location,
        "note": note,
    }
    [result] = milestones_record_bulk([event], now=now)
    if result["status"] == "rejected":
        raise DomainError(_("This scan cannot be recorded."), fields=result["errors"])
    milestone = Milestone.objects.filter(shipment__waybill=waybill, kind=kind).first()
    return Recorded(milestone, result["status"] == "created")


@transaction.atomic
def add_picked_up_milestone(shipment: Shipment, *, occurred_at, now) -> None:
    """The pickup's own milestone; the entry message is its notice, not a push."""
    Milestone.objects.create(
        shipment=shipment,
        kind=MilestoneKind.PICKED_UP,
        occurred_at=occurred_at,
        recorded_at=now,
    )
    _refresh({shipment.pk}, now)
