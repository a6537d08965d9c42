"""Milestone scans: one set-based path for one scan or a thousand.

The courier page, the API and the carrier's scanning system all come through
``milestones_record_bulk``; ``milestone_record`` is a batch of one.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple, cast

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clocks import outbox
from clocks.models import ClockKind, SubjectType
from clocks.services import clocks_start
from clocks.texts import renderer
from customers.models import Customer
from customers.services import progress_urls
from lib.inserts import insert_new
from lib.model_fields import max_length
from outlets.errors import DomainError

from ..models import Milestone, MilestoneKind, Shipment
from .ingest import (
    Window,
    are_storable,
    checked_instant,
    parse_aware,
    rejected,
    store_or_isolate,
    text_errors,
)
from .progress import next_progress_at
from .promises import promises_kept

RANK = {kind: rank for rank, kind in enumerate(MilestoneKind.values)}
# The columns' lengths: a longer text would fail the insert for the whole batch.
MAX_LENGTHS = {
    "waybill": max_length(Shipment, "waybill"),
    "location": max_length(Milestone, "location"),
    "note": max_length(Milestone, "note"),
}
_WAYBILL_MAX = MAX_LENGTHS["waybill"]
_LOCATION_MAX = MAX_LENGTHS["location"]
_NOTE_MAX = MAX_LENGTHS["note"]


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


def parse_event(raw, window: Window) -> Scan | dict:
    """A scan from plain input, or the errors per field (see ``.ingest``)."""
    if type(raw) is dict:
        # The common case, a valid scan, without building the error dict; any
        # doubt goes through the full check below, which names every error.
        waybill = _blank(raw.get("waybill"))
        location = _blank(raw.get("location"))
        note = _blank(raw.get("note"))
        kind = raw.get("kind")
        if (
            type(waybill) is str
            and type(location) is str
            and type(note) is str
            and len(waybill) <= _WAYBILL_MAX
            and len(location) <= _LOCATION_MAX
            and len(note) <= _NOTE_MAX
            and are_storable(waybill, location, note)
            and isinstance(kind, str)
            and kind in RANK
        ):
            waybill = waybill.strip()
            occurred_at = parse_aware(raw.get("occurred_at"))
            if waybill and occurred_at is not None and window.holds(occurred_at):
                return Scan(waybill, kind, occurred_at, location.strip(), note.strip())
    return _parse_checked(raw, window)


def _blank(value):
    """A missing or null text is empty; any other non-text stays an error."""
    return "" if value is None else value


def _parse_checked(raw, window: Window) -> Scan | dict:
    if not isinstance(raw, dict):
        return {"non_field_errors": [_("Each event is an object.")]}
    errors = {}
    texts = {}
    for field, limit in MAX_LENGTHS.items():
        value = _blank(raw.get(field))
        if problems := text_errors(value, limit):
            errors[field] = problems
        texts[field] = "" if problems else value.strip()
    if not texts["waybill"] and "waybill" not in errors:
        errors["waybill"] = [_("Required.")]
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in RANK:
        errors["kind"] = [
            _("Unknown milestone; one of: %(kinds)s.") % {"kinds": ", ".join(RANK)}
        ]
    occurred_at, problems = checked_instant(raw.get("occurred_at"), window)
    if problems:
        errors["occurred_at"] = problems
    if errors:
        return errors
    # No errors: the kind is known and the instant was given.
    assert isinstance(kind, str) and occurred_at is not None
    return Scan(texts["waybill"], kind, occurred_at, texts["location"], texts["note"])


def milestones_record_bulk(
    events: list, *, now: datetime, shipments: QuerySet | None = None
) -> list[dict]:
    """Apply many scans; answer each with created, duplicate or rejected.

    ``shipments`` is the caller's scope (what the user may see); a waybill
    outside it is unknown. The number of queries does not grow with the batch:

    1. Validate every event in Python (``parse_event``).
    2. In one transaction (``store_or_isolate``), look up all waybills in one
       query.
    3. Insert every new (shipment, kind) in one statement that skips those
       already recorded and returns the rows it created.
    4. For those: one insert of push clocks, one of customer messages.
    5. Shipment statuses and next progress updates in one UPDATE.
    """
    results: list[dict | None] = [None] * len(events)
    scans, window = {}, Window.around(now)
    for index, raw in enumerate(events):
        parsed = parse_event(raw, window)
        if isinstance(parsed, Scan):
            scans[index] = parsed
        else:
            results[index] = rejected(parsed)
    if scans:
        store_or_isolate(partial(_record, scope=shipments, now=now), scans, results)
    return cast(list[dict], results)  # every index answered by now


def _record(scans: dict[int, Scan], results: list, *, scope, now: datetime) -> None:
    found = _shipments(scope, {scan.waybill for scan in scans.values()})
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
        signed = {row[1] for row in created if row[2] == MilestoneKind.SIGNED}
        if signed:
            promises_kept(shipment_ids=signed, now=now)


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
    found = scope.filter(_any(Shipment, "waybill", waybills)).order_by()
    return {
        waybill: Target(pk, waybill, customer_id)
        for pk, waybill, customer_id in found.values_list(
            "pk", "waybill", "customer_id"
        )
    }


class _Customer(NamedTuple):
    """What the push needs of a customer, read as plain column values.

    Stands in for ``Customer`` in ``clocks_start`` and the outbox: building a
    model instance parses its phone number, which cost more than the rest of
    the customer's messages. ``phone`` is the stored E.164 string, which is
    what ``str(customer.phone)`` gives for a stored number.
    """

    pk: int
    outlet_id: int
    account_manager_id: int | None
    tier: str
    name: str
    company: str
    preferred_channel: str
    wechat_openid: str
    phone: str
    quiet_hours_start: object
    quiet_hours_end: object
    language: str


_CUSTOMER_COLUMNS = [
    "pk",
    "outlet_id",
    "account_manager_id",
    "tier",
    "name",
    "company",
    "preferred_channel",
    "wechat_openid",
    "phone_e164",
    "quiet_hours_start",
    "quiet_hours_end",
    "language",
]


def _customers(customer_ids: set[int]) -> dict[int, _Customer]:
    rows = (
        Customer.objects.filter(_any(Customer, "id", customer_ids))
        .order_by()
        # The column as text: the field itself would parse every number.
        .annotate(phone_e164=Cast("phone", CharField()))
        .values_list(*_CUSTOMER_COLUMNS)
    )
    return {row[0]: _Customer(*row) for row in rows}


def _any(model, field: str, values) -> RawSQL | Q:
    """``field = ANY(%s)``: one array parameter, not a placeholder per value.

    ``__in`` resolves and prepares each of a thousand values one by one.
    """
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": values})
    meta, quote = model._meta, connection.ops.quote_name
    column = f"{quote(meta.db_table)}.{quote(meta.get_field(field).column)}"
    return RawSQL(f"{column} = ANY(%s)", (list(values),), output_field=BooleanField())


def _push(created: list[tuple], shipments: dict[int, Target], now) -> None:
    """Start each new milestone's 30-minute push clock and write its message.

    The clock is met when the channel confirms the message (``outbox.deliver``).
    The push clock's owner is the customer's account manager.
    """
    customer_ids = {shipments[row[1]].customer_id for row in created}
    customers = _customers(customer_ids)
    clocks = clocks_start(
        kind=ClockKind.MILESTONE_PUSH,
        subject_type=SubjectType.MILESTONE,
        subjects=[
            # A _Customer row has what the clocks read.
            (pk, customer, customer.account_manager_id)  # type: ignore[misc]
            for pk, shipment_id, *_rest in created
            for customer in [customers[shipments[shipment_id].customer_id]]
        ],
        now=now,
    )
    render = renderer("milestone", labels={"milestone": MilestoneKind})
    links = progress_urls(customer_ids, now=now)
    names = {
        pk: customer.company or customer.name for pk, customer in customers.items()
    }
    tz = timezone.get_current_timezone()
    whens: dict[datetime, str] = {}
    messages = []
    for pk, shipment_id, kind, occurred_at, location in created:
        target = shipments[shipment_id]
        customer_id = target.customer_id
        when = whens.get(occurred_at)
        if when is None:
            when = whens[occurred_at] = f"{occurred_at.astimezone(tz):%m-%d %H:%M}"
        messages.append(
            outbox.ToCustomer(
                customers[customer_id],  # type: ignore[arg-type]  # the row serves
                "milestone",
                render(
                    {
                        "customer": names[customer_id],
                        "waybill": target.waybill,
                        "milestone": kind,
                        "location": location or "-",
                        "when": when,
                        "link": links[customer_id],
                    }
                ),
                f"milestone:{pk}",
                clocks[pk].id,
            )
        )
    outbox.to_customers(messages, now=now)


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
    Shipment.objects.filter(_any(Shipment, "id", shipment_ids)).update(
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
