"""Reads of pickups shared by the courier pages and the API, always through access."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from clocks.models import ClockKind, SubjectType
from clocks.selectors import clocks_of
from customers.models import CustomerNote
from outlets.access import Capability, may, visible
from outlets.models import Staff

from ..models import PickupRequest, PickupStatus

# The work a courier still owes on a pickup they hold.
IN_HAND = [PickupStatus.ACCEPTED, PickupStatus.CONTACTED, PickupStatus.PICKED_UP]

# Which clock is counting down while a pickup waits in each status; a contacted
# pickup has met its contact clock and its entry clock has not started yet.
OPEN_CLOCK: dict[str, str] = {
    PickupStatus.ACCEPTED: ClockKind.PICKUP_CONTACT,
    PickupStatus.PICKED_UP: ClockKind.PICKUP_ENTRY,
}


def pickups_for(user: Staff) -> QuerySet[PickupRequest]:
    """The pickups ``user`` may see and act on.

    ``visible()`` narrows a courier to the pickups assigned to them; a request
    nobody has accepted yet belongs to no courier, so it is added explicitly,
    scoped to the courier's own outlet, because they are the ones to take it.
    """
    pickups = visible(user, PickupRequest.objects.all())
    if may(user, Capability.TAKE_PICKUP):
        pickups = pickups | PickupRequest.objects.filter(
            outlet=user.outlet_id,
            status=PickupStatus.REQUESTED,
            courier__isnull=True,
        )
    return pickups.select_related("customer", "courier", "shipment")


def with_clocks(pickups: Iterable[PickupRequest]) -> list[PickupRequest]:
    """Attach ``clocks`` and ``open_clock`` to each pickup, in one query."""
    pickups = list(pickups)
    by_pickup = defaultdict(list)
    for clock in clocks_of(SubjectType.PICKUP, [p.pk for p in pickups]).order_by(
        "started_at", "pk"
    ):
        by_pickup[clock.subject_id].append(clock)
    for pickup in pickups:
        pickup.clocks = by_pickup[pickup.pk]  # type: ignore[attr-defined]  # set for display
        kind = OPEN_CLOCK.get(pickup.status)
        pickup.open_clock = next((c for c in pickup.clocks if c.kind == kind), None)  # type: ignore[attr-defined]  # set for display
    return pickups


@dataclass(frozen=True)
class CourierBoard:
    in_hand: list[PickupRequest]
    waiting: list[PickupRequest]


def courier_board(user: Staff) -> CourierBoard:
    """Pickups in hand, the least time left first, and requests waiting for a taker.

    For a courier "in hand" is their own work; a manager sees the whole outlet's.
    Pickups with no clock counting (contacted) follow, earliest window first.
    """
    pickups = with_clocks(
        pickups_for(user).filter(status__in=[*IN_HAND, PickupStatus.REQUESTED])
    )
    in_hand = sorted((p for p in pickups if p.status in IN_HAND), key=_time_left)
    waiting = sorted(
        (p for p in pickups if p.status == PickupStatus.REQUESTED),
        key=lambda p: (p.window_start, p.pk),
    )
    return CourierBoard(in_hand=in_hand, waiting=waiting)


def _time_left(pickup: PickupRequest) -> tuple:
    clock = pickup.open_clock  # type: ignore[attr-defined]  # set for display
    if clock is None:
        return (1, pickup.window_start, pickup.pk)
    return (0, clock.due_at, pickup.pk)


def pickup_detail(user: Staff, pk: int) -> PickupRequest | None:
    """One visible pickup with its clocks and the customer's file at hand.

    The latest notes come with the pickup even before a courier accepts it: the
    customer file must be in front of the courier at the moment they decide.
    """
    pickup = pickups_for(user).select_related("customer__habits").filter(pk=pk).first()
    if pickup is None:
        return None
    pickup.latest_notes = list(  # type: ignore[attr-defined]  # set for display
        CustomerNote.objects.filter(customer=pickup.customer_id).select_related(
            "author"
        )[:3]
    )
    return with_clocks([pickup])[0]
