"""Reads of referrals: who referred whom (as a member of staff may see it),
and the referral share of new customers per month (used by the KPI dashboard).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    CharField,
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat, TruncMonth

from customers.models import Customer
from lib.months import months_between, next_month
from outlets.access import visible
from outlets.models import Staff
from shipments.models import Shipment

from ..models import FollowUp
from .models import Referral


def referrals_for(user: Staff) -> QuerySet[Referral]:
    """Referred customers ``user`` may see, with their referrer, newest first."""
    return visible(user, Referral.objects.all()).select_related(
        "outlet", "account_manager", "referred_by", "referred_by__account_manager"
    )


def referrals_filtered(
    referrals: QuerySet[Referral],
    *,
    outlet_id: int | None = None,
    account_manager_id: int | None = None,
    month: date | None = None,
) -> QuerySet[Referral]:
    """Narrow by outlet, by account manager (of the referred customer or of
    the referrer) and by the month cooperation started."""
    if outlet_id is not None:
        referrals = referrals.filter(outlet_id=outlet_id)
    if account_manager_id is not None:
        referrals = referrals.filter(
            Q(account_manager_id=account_manager_id)
            | Q(referred_by__account_manager_id=account_manager_id)
        )
    if month is not None:
        referrals = referrals.filter(
            cooperation_start__gte=month, cooperation_start__lt=next_month(month)
        )
    return referrals


def with_first_shipment(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Each referral's first shipment instant and whether the referrer was thanked."""
    first = (
        Shipment.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    key = Concat(
        Value("referral-thanks:"), Cast("pk", CharField()), output_field=CharField()
    )
    thanked = FollowUp.objects.filter(source_key=OuterRef("thanks_key"))
    return referrals.annotate(
        first_shipment_at=Subquery(first), thanks_key=key
    ).annotate(thanked=Exists(thanked))


@dataclass(frozen=True)
class ReferralMonth:
    """New customers of a month (cooperation started in it) and how many of them
    came by referral; ``share`` is a percentage, None without new customers."""

    month: date
    new_customers: int
    referred: int

    @property
    def share(self) -> float | None:
        if not self.new_customers:
            return None
        return round(100 * self.referred / self.new_customers, 1)


def referral_share_by_month(
    customers: QuerySet[Customer], *, first: date, last: date
) -> list[ReferralMonth]:
    """Per calendar month from ``first``'s to ``last``'s: one query, every month
    listed (an empty month has 0 new customers and no share)."""
    first, last = first.replace(day=1), last.replace(day=1)
    rows = (
        customers.filter(
            cooperation_start__gte=first, cooperation_start__lt=next_month(last)
        )
        .order_by()
        .annotate(month=TruncMonth("cooperation_start"))
        .values("month")
        .annotate(
            new=Count("pk"), referred=Count("pk", filter=Q(referred_by__isnull=False))
        )
    )
    found = {_day(row["month"]): (row["new"], row["referred"]) for row in rows}
    return [
        ReferralMonth(month, *found.get(month, (0, 0)))
        for month in months_between(first, last)
    ]


def _day(value) -> date:
    return value.date() if hasattr(value, "date") else value


def referral_counts_by_referrer_manager(
    referrals: QuerySet[Referral],
) -> list[tuple[Staff | None, int]]:
    """How many referrals each account manager's customers made, most first."""
    rows = (
        referrals.order_by()
        .values("referred_by__account_manager")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    staff = Staff.objects.in_bulk(
        {r["referred_by__account_manager"] for r in rows} - {None}
    )
    return [(staff.get(r["referred_by__account_manager"]), r["n"]) for r in rows]
