"""Monthly KPI snapshots: a complete month's counts written once, so last
month's figure does not move when its data is corrected later."""

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lib.inserts import insert_new
from outlets.errors import DomainError

from .figures import month_grid
from .models import KpiMonth, KpiSnapshot
from .months import last_complete_month, month_of, months_back

# The first run also freezes the year before, so the trend has a history.
BACKFILL_MONTHS = 12


@transaction.atomic
def kpi_month_freeze(*, month: date, now: datetime) -> bool:
    """Freeze ``month``'s counts; False if it was frozen already.

    The month's marker row is inserted first (``ON CONFLICT DO NOTHING``), so
    two runs at once freeze it once and a frozen month is never rewritten.
    """
    if month >= month_of(now):
        raise DomainError(_("Only a complete month can be frozen."))
    if not insert_new(KpiMonth, ["month", "taken_at"], [(month, now)], ["id"]):
        return False
    KpiSnapshot.objects.bulk_create(
        (
            KpiSnapshot(
                month=month,
                outlet_id=outlet,
                tier=tier,
                metric=key,
                part=counts.part,
                other=counts.other,
                whole=counts.whole,
            )
            for (outlet, tier, key), counts in month_grid(month, now=now).items()
        ),
        batch_size=2_000,
    )
    return True


def kpi_snapshots_take(*, now: datetime) -> list[date]:
    """The last complete month and, on a first run, the year before it: each
    month not frozen yet is frozen now. Returns the months frozen."""
    months = months_back(last_complete_month(now), BACKFILL_MONTHS + 1)
    frozen = set(
        KpiMonth.objects.filter(month__in=months).values_list("month", flat=True)
    )
    return [
        month
        for month in months
        if month not in frozen and kpi_month_freeze(month=month, now=now)
    ]
