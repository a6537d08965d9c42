"""What a customer's needs promise for each of their shipments.

At entry a shipment takes its defaults from the customer file (a cold-chain
range, so readings are checked against something; the time-sensitive
customer's service level), and its delivery promises start as clocks counted
from pickup: same-day (当日达) by ``SAME_DAY_BY`` on the day of pickup,
next-morning (次晨达) by ``NEXT_MORNING_BY`` the day after, and a cold-chain
customer's 48-hour guarantee. Each is met at signature and otherwise breaches
and escalates through the sweep like any other clock.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from clocks.models import ClockKind, SubjectType
from clocks.services import Deadline, clocks_meet, clocks_start_until
from customers.models import Customer, Need

from ..models import ServiceLevel, Shipment

# Same-day parcels go out on the afternoon run; one picked up after the
# evening cut-off joins the next day's.
SAME_DAY_BY = time(20, 0)
NEXT_MORNING_BY = time(12, 0)
GUARANTEE = timedelta(hours=48)
PROMISES = (ClockKind.SAME_DAY, ClockKind.NEXT_MORNING, ClockKind.GUARANTEE_48H)
LEVEL_CLOCKS: dict[str, str] = {
    ServiceLevel.SAME_DAY: ClockKind.SAME_DAY,
    ServiceLevel.NEXT_MORNING: ClockKind.NEXT_MORNING,
}


def shipment_defaults(customer: Customer, needs: list[str]) -> dict:
    """The fields of a new shipment that the customer's file decides."""
    defaults: dict = {}
    if Need.COLD_CHAIN in needs:
        defaults |= {
            "cold_chain": True,
            "temperature_min_c": customer.cold_temperature_min_c,
            "temperature_max_c": customer.cold_temperature_max_c,
            "humidity_min_pct": customer.cold_humidity_min_pct,
            "humidity_max_pct": customer.cold_humidity_max_pct,
        }
    if Need.TIME_SENSITIVE in needs and customer.promised_delivery:
        defaults["service_level"] = customer.promised_delivery
    return defaults


def promised_by(kind: str, picked_up_at: datetime) -> datetime:
    """When the promise of ``kind`` falls for a parcel picked up then."""
    if kind == ClockKind.GUARANTEE_48H:
        return picked_up_at + GUARANTEE
    local = timezone.localtime(picked_up_at)
    if kind == ClockKind.SAME_DAY:
        day = local.date() + timedelta(days=local.time() >= SAME_DAY_BY)
        return _at(day, SAME_DAY_BY)
    return _at(local.date() + timedelta(days=1), NEXT_MORNING_BY)


def _at(day, when: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, when))


def promises_start(
    *, shipment: Shipment, customer: Customer, picked_up_at: datetime, now
) -> list[str]:
    """Start the shipment's delivery-promise clocks; returns their kinds."""
    kinds: list[str] = (
        [LEVEL_CLOCKS[shipment.service_level]]
        if (shipment.service_level in LEVEL_CLOCKS)
        else []
    )
    if shipment.cold_chain and customer.guarantee_48h:
        kinds.append(ClockKind.GUARANTEE_48H)
    for kind in kinds:
        deadline = Deadline(
            shipment.pk,
            customer,
            customer.account_manager_id,
            promised_by(kind, picked_up_at),
        )
        clocks_start_until(
            kind=kind, subject_type=SubjectType.SHIPMENT, subjects=[deadline], now=now
        )
    return kinds


def promises_kept(*, shipment_ids: set[int], now: datetime) -> int:
    """Signed: the shipments' delivery promises are met (late if breached)."""
    return clocks_meet(
        kinds=PROMISES,
        subject_type=SubjectType.SHIPMENT,
        subject_ids=shipment_ids,
        now=now,
    )
