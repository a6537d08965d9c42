"""What the KPIs read from the surveys and referrals beside this package: the
NPS answers, and the new customers of a month with whether they were
referred. Kept in one place so the formulas rest on one definition of each.
"""

from datetime import date, datetime, timedelta

from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from customers.models import Customer
from lib.months import next_month

from ..surveys.models import Survey

_DAY = timedelta(days=1)


def survey_answers(start: datetime, end: datetime) -> QuerySet:
    """Answered surveys in [start, end): rows with ``customer_id`` and ``score``."""
    return Survey.objects.filter(
        answered_at__gte=start, answered_at__lt=end, score__isnull=False
    )


def referral_rows(month: date, *, now: datetime) -> QuerySet:
    """One row per new customer of the month (cooperation started in it, up to
    today), ``part`` 1 if someone referred them: the referrals' own definition
    (``referrals.selectors.referral_share_by_month``), per customer."""
    until = min(next_month(month), timezone.localdate(now) + _DAY)
    return (
        Customer.objects.filter(
            cooperation_start__gte=month, cooperation_start__lt=until
        )
        .order_by()
        .annotate(
            customer_id=F("pk"),
            part=Case(When(referred_by__isnull=False, then=1), default=0),
            other=Value(0),
            whole=Value(1),
        )
        .values("customer_id", "part", "other", "whole")
    )
