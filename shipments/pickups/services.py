from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from clocks import outbox
from clocks.models import ClockKind, SubjectType
from clocks.services import clock_for, clock_meet, clock_start
from clocks.texts import render
from customers.models import Customer, Need
from customers.services import progress_link_for, progress_url
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed, StateConflict
from outlets.models import Staff

from ..models import (
    ContactMethod,
    InsuranceAnswer,
    PickupRequest,
    PickupStatus,
    Shipment,
)
from ..plausible import check_plausible
from ..tracking.milestones import add_picked_up_milestone
from ..tracking.promises import promises_start, shipment_defaults


def pickup_create(
    *,
    customer: Customer,
    address: str,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    goods_description: str = "",
    fragile: bool = False,
    valuable: bool = False,
    expected_pieces: int = 1,
) -> PickupRequest:
    check_plausible(
        PickupRequest,
        {
            "window_start": window_start,
            "window_end": window_end,
            "expected_pieces": expected_pieces,
            "goods_description": goods_description,
        },
    )
    if window_end <= window_start:
        raise DomainError(
            _("The pickup window must end after it starts."),
            fields={"window_end": [_("Must be after the start.")]},
        )
    if expected_pieces < 1:
        raise DomainError(
            _("Expect at least one piece."),
            fields={"expected_pieces": [_("Must be at least 1.")]},
        )
    address = (address or customer.address).strip()
    if not address:
        raise DomainError(
            _("Where should the courier go?"),
            fields={"address": [_("Required: the customer has no address on file.")]},
        )
    # The customer file's needs ask the insured-value question at pickup too.
    needs = set(customer.needs.values_list("need", flat=True))
    return PickupRequest.objects.create(
        customer=customer,
        outlet_id=customer.outlet_id,
        address=address,
        window_start=window_start,
        window_end=window_end,
        goods_description=goods_description,
        fragile=fragile or Need.FRAGILE in needs,
        valuable=valuable or Need.VALUABLES in needs,
        expected_pieces=expected_pieces,
        requested_at=now,
    )


def _locked(pickup: PickupRequest, *, expected: str, action) -> PickupRequest:
    """The pickup row, locked, if it is in the state the step starts from."""
    pickup = PickupRequest.objects.select_for_update().get(pk=pickup.pk)
    if pickup.status != expected:
        raise StateConflict(
            _("This pickup is %(status)s; %(action)s needs it %(expected)s.")
            % {
                "status": pickup.get_status_display(),
                "action": action,
                "expected": PickupStatus(expected).label,
            },
            fields={"status": [pickup.get_status_display()]},
        )
    return pickup


def _check_courier(pickup: PickupRequest, courier: Staff) -> None:
    if not may(courier, Capability.TAKE_PICKUP, outlet_id=pickup.outlet_id):
        raise NotAllowed(
            _("Only a courier of this outlet can take this pickup."),
            fields={"courier": [_("Not a courier of this outlet.")]},
        )
    if pickup.courier_id not in (None, courier.pk):
        raise NotAllowed(
            _("This pickup is assigned to another courier."),
            fields={"courier": [_("Assigned to someone else.")]},
        )


def pickup_check_assigner(*, pickup: PickupRequest, by: Staff | None) -> None:
    """Taking a pickup is the courier's step; naming who takes it is the
    outlet manager's."""
    if by is None:
        return
    if not may(by, Capability.ASSIGN_COURIER, outlet_id=pickup.outlet_id):
        raise NotAllowed(
            _("Only the outlet's manager may assign a courier."),
            fields={"courier": [_("Leave this out to take it yourself.")]},
        )


@transaction.atomic
def pickup_accept(
    *, pickup: PickupRequest, courier: Staff, now: datetime, by: Staff | None = None
):
    """The courier takes the pickup: the 30-minute contact clock starts.

    ``by`` is who names ``courier`` to take it; None when the courier takes it.
    """
    pickup = _locked(pickup, expected=PickupStatus.REQUESTED, action=_("accepting"))
    pickup_check_assigner(pickup=pickup, by=by)
    _check_courier(pickup, courier)
    pickup.courier, pickup.status, pickup.accepted_at = (
        courier,
        PickupStatus.ACCEPTED,
        now,
    )
    pickup.save(update_fields=["courier", "status", "accepted_at"])
    clock_start(
        kind=ClockKind.PICKUP_CONTACT,
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        customer=pickup.customer,
        responsible=courier,
        now=now,
    )
    return pickup


@transaction.atomic
def pickup_contact(
    *, pickup: PickupRequest, courier: Staff, method: str, now: datetime
) -> PickupRequest:
    """The courier reached the customer to agree a time: the contact clock is met."""
    if method not in ContactMethod.values:
        raise DomainError(
            _("Unknown contact method."),
            fields={"method": [_("Choose called or messaged.")]},
        )
    pickup = _locked(
        pickup, expected=PickupStatus.ACCEPTED, action=_("recording contact")
    )
    _check_courier(pickup, courier)
    pickup.status, pickup.contacted_at, pickup.contact_method = (
        PickupStatus.CONTACTED,
        now,
        method,
    )
    pickup.save(update_fields=["status", "contacted_at", "contact_method"])
    clock = clock_for(SubjectType.PICKUP, pickup.pk, ClockKind.PICKUP_CONTACT)
    assert clock is not None  # every pickup starts its contact clock
    clock_meet(
        clock=clock,
        now=now,
    )
    return pickup


def _check_insurance(pickup: PickupRequest, insurance: str) -> str:
    if not pickup.needs_insurance_question:
        return InsuranceAnswer.NOT_NEEDED
    if insurance not in (InsuranceAnswer.ACCEPTED, InsuranceAnswer.DECLINED):
        raise DomainError(
            _("Fragile or valuable goods: offer insured value and record the answer."),
            fields={
                "insurance": [_("Record whether the customer accepted insured value.")]
            },
        )
    return insurance


@transaction.atomic
def pickup_pick_up(
    *,
    pickup: PickupRequest,
    courier: Staff,
    pieces: int,
    weight_kg: Decimal,
    insurance: str,
    now: datetime,
) -> PickupRequest:
    """The parcel is in hand, counted and weighed: the entry clock starts."""
    if pieces is None or pieces < 1:
        raise DomainError(
            _("Count at least one piece."),
            fields={"pieces": [_("Must be at least 1.")]},
        )
    if weight_kg is None or weight_kg <= 0:
        raise DomainError(
            _("The weight must be above zero."),
            fields={"weight_kg": [_("Must be above zero.")]},
        )
    check_plausible(
        PickupRequest,
        {"verified_pieces": pieces, "verified_weight_kg": weight_kg},
        names={"verified_pieces": "pieces", "verified_weight_kg": "weight_kg"},
    )
    pickup = _locked(pickup, expected=PickupStatus.CONTACTED, action=_("picking up"))
    _check_courier(pickup, courier)
    pickup.insurance = _check_insurance(pickup, insurance)
    pickup.status, pickup.picked_up_at = PickupStatus.PICKED_UP, now
    pickup.verified_pieces, pickup.verified_weight_kg = pieces, weight_kg
    pickup.save(
        update_fields=[
            "insurance",
            "status",
            "picked_up_at",
            "verified_pieces",
            "verified_weight_kg",
        ]
    )
    clock_start(
        kind=ClockKind.PICKUP_ENTRY,
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        customer=pickup.customer,
        responsible=courier,
        now=now,
    )
    return pickup


@transaction.atomic
def pickup_enter(
    *, pickup: PickupRequest, waybill: str, by: Staff, now: datetime
) -> Shipment:
    """Enter the picked-up parcel as a shipment and tell the customer.

    The entry clock is met when that message is delivered, not when the row is
    written: the promise is that the customer has been told.
    """
    waybill = waybill.strip()
    if not waybill:
        raise DomainError(
            _("A waybill number is required."), fields={"waybill": [_("Required.")]}
        )
    if Shipment.objects.filter(waybill=waybill).exists():
        raise DomainError(
            _("This waybill number is already in use."),
            fields={"waybill": [_("Already in use.")]},
        )
    pickup = _locked(pickup, expected=PickupStatus.PICKED_UP, action=_("entering"))
    if may(by, Capability.TAKE_PICKUP):  # a courier enters only their own
        _check_courier(pickup, by)
    pickup.status, pickup.entered_at = PickupStatus.ENTERED, now
    pickup.save(update_fields=["status", "entered_at"])
    customer = pickup.customer
    needs = list(customer.needs.values_list("need", flat=True))
    shipment = _new_shipment(
        waybill=waybill,
        customer=customer,
        outlet_id=pickup.outlet_id,
        pickup=pickup,
        goods_description=pickup.goods_description,
        fragile=pickup.fragile,
        valuable=pickup.valuable,
        pieces=pickup.verified_pieces,
        weight_kg=pickup.verified_weight_kg,
        created_at=now,
        **shipment_defaults(customer, needs),
    )
    picked_up_at = pickup.picked_up_at
    assert picked_up_at is not None  # set when the courier took it
    add_picked_up_milestone(shipment, occurred_at=picked_up_at, now=now)
    promises_start(
        shipment=shipment, customer=customer, picked_up_at=picked_up_at, now=now
    )
    _tell_customer_entered(pickup, shipment, now)
    return shipment


def _new_shipment(**fields) -> Shipment:
    """Create the shipment; a waybill taken meanwhile is the same field error."""
    try:
        with transaction.atomic():
            return Shipment.objects.create(**fields)
    except IntegrityError as error:
        raise DomainError(
            _("This waybill number is already in use."),
            fields={"waybill": [_("Already in use.")]},
        ) from error


def _tell_customer_entered(pickup: PickupRequest, shipment: Shipment, now) -> None:
    customer = pickup.customer
    texts = render(
        "pickup_entered",
        {
            "customer": customer,
            "waybill": shipment.waybill,
            "pieces": shipment.pieces,
            "weight": shipment.weight_kg,
            "link": progress_url(progress_link_for(customer, now=now).token),
        },
    )
    outbox.to_customer(
        customer=customer,
        template="pickup_entered",
        texts=texts,
        key=f"pickup:{pickup.pk}:entered",
        now=now,
        clock=clock_for(SubjectType.PICKUP, pickup.pk, ClockKind.PICKUP_ENTRY),
    )
