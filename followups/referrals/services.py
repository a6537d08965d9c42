"""Thanking a referrer: when a customer they referred ships for the first time,
their account manager gets a follow-up to say thank you.

Pulled from the top floor: new shipments are read by key from the scan mark
(``followups.watermarks``); the follow-up's key is the referred customer
(``referral-thanks:<id>``), so each referral is thanked once, whatever runs
twice or at once.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from shipments.models import Shipment

from ..care_plans.due import DueCalendar
from ..models import FollowUpKind
from ..services import (
    NewFollowUp,
    default_channel,
    default_owner_ids,
    follow_ups_create,
)
from ..watermarks import scan_from_mark

THANKS_MARK = "referrals:shipments"
# A first shipment older than this (a first run, an import of history) is
# not thanked for now: the moment has passed.
FRESH = timedelta(days=7)
THANKS = FollowUpKind.REFERRAL_THANKS


def thanks_key(referred_id: int) -> str:
    return f"referral-thanks:{referred_id}"


def referral_thanks_scan(*, now: datetime) -> int:
    """Raise a thank-you for each referred customer's first shipment since the
    last run; returns how many were raised.

    1. New shipments (by key, from the scan mark) of referred customers,
       created within ``FRESH``.
    2. Keep those with no earlier shipment of the same customer.
    3. One REFERRAL_THANKS follow-up about the referrer, for the referrer's
       account manager (else an outlet manager), due the outlet's next open
       morning.
    """
    shipments = Shipment.objects.filter(
        created_at__gte=now - FRESH,
        created_at__lte=now,
        customer__referred_by__isnull=False,
    ).only("pk")

    def handle(batch: Sequence[Shipment]) -> int:
        return _thank([shipment.pk for shipment in batch], now=now)

    return scan_from_mark(THANKS_MARK, shipments, handle, now=now)


def _thank(shipment_ids: list[int], *, now: datetime) -> int:
    earlier = Shipment.objects.filter(
        customer=OuterRef("customer"), created_at__lt=OuterRef("created_at")
    )
    shipments = (
        Shipment.objects.filter(pk__in=shipment_ids)
        .exclude(Exists(earlier))
        .select_related("customer__referred_by")
        .order_by("pk")
    )
    firsts = [(s, referrer) for s in shipments if (referrer := s.customer.referred_by)]
    if not firsts:
        return 0
    referrers = {referrer.pk: referrer for _s, referrer in firsts}
    owners = default_owner_ids(referrers.values())
    calendar = DueCalendar({r.outlet_id for r in referrers.values()})
    today = timezone.localdate(now)
    rows = [
        _row(
            shipment,
            referrer,
            owners,
            calendar.due(referrer.outlet_id, today, now=now),
        )
        for shipment, referrer in firsts
    ]
    return len(follow_ups_create(rows=rows, now=now))


def _row(
    shipment: Shipment, referrer: Customer, owners: dict, due_at: datetime
) -> NewFollowUp:
    referred = shipment.customer
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "%(referred)s, whom they referred, sent their first parcel "
            "(%(waybill)s). Thank them."
        ) % {"referred": referred, "waybill": shipment.waybill}
    return NewFollowUp(
        customer_id=referrer.pk,
        outlet_id=referrer.outlet_id,
        owner_id=owners[referrer.pk],
        kind=THANKS,
        channel=default_channel(referrer, THANKS),
        due_at=due_at,
        source_key=thanks_key(referred.pk),
        note=note,
    )
