"""Each customer's monthly parcel volume, and the tier it earns.

Counting parcels reads shipments, so it lives here, a floor above customers;
the tier itself is written by customers' own service.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.utils import timezone

from customers.services import tiers_set_from_volume
from customers.tenure import add_months

from .models import Shipment


@dataclass(frozen=True)
class TierRecount:
    period_start: date
    period_end: date
    customers: int
    changed: int


def volume_period(now: datetime) -> tuple[datetime, datetime]:
    """The last complete calendar month before ``now``, in local time.

    A calendar month rather than a rolling 30 days: it is the month the outlet
    bills and reports by, so a customer's tier matches their invoice, and a
    tier cannot flap from one night to the next on a few days' swing.
    """
    this_month = timezone.localtime(now).date().replace(day=1)
    start = add_months(this_month, -1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tz),
        datetime.combine(this_month, time.min, tz),
    )


@transaction.atomic
def tiers_recompute(*, now: datetime) -> TierRecount:
    """Recompute every customer's tier from last month's parcel volume, in a
    fixed number of queries (a correlated COUNT handed to customers)."""
    start, end = volume_period(now)
    volume = (
        Shipment.objects.filter(
            customer=OuterRef("pk"), created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total, changed = tiers_set_from_volume(
        volume=Subquery(volume, output_field=IntegerField()), now=now
    )
    return TierRecount(start.date(), end.date(), total, changed)
