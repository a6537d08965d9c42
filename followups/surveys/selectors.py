"""Reads of surveys: the live survey behind a token, the answers a member of
staff may see, and NPS per month (for lists here and the KPI dashboard)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from lib.months import months_between
from outlets.access import visible
from outlets.models import Staff

from .models import DETRACTOR_AT_MOST, PROMOTER_AT_LEAST, NpsGroup, Survey

GROUPS = {
    NpsGroup.PROMOTER: Q(score__gte=PROMOTER_AT_LEAST),
    NpsGroup.PASSIVE: Q(score__gt=DETRACTOR_AT_MOST, score__lt=PROMOTER_AT_LEAST),
    NpsGroup.DETRACTOR: Q(score__lte=DETRACTOR_AT_MOST),
}


def survey_by_token(token: str, *, now: datetime) -> Survey | None:
    """The survey a link opens at ``now``: its token, not expired. Answered
    ones are found too, so a second visit is thanked rather than refused."""
    if not token or len(token) > 64:
        return None
    return (
        Survey.objects.select_related("customer", "outlet")
        .filter(token=token, expires_at__gt=now)
        .first()
    )


def surveys_for(user: Staff) -> QuerySet[Survey]:
    """Surveys ``user`` may see (their outlet; an account manager's customers)."""
    return visible(user, Survey.objects.all()).select_related(
        "customer", "outlet", "follow_up"
    )


def answered(surveys: QuerySet[Survey]) -> QuerySet[Survey]:
    return surveys.filter(answered_at__isnull=False)


def in_group(surveys: QuerySet[Survey], group: str) -> QuerySet[Survey]:
    return surveys.filter(GROUPS[NpsGroup(group)])


@dataclass(frozen=True)
class NpsCounts:
    """Answers of a set of surveys; ``nps`` is % promoters - % detractors."""

    sent: int
    answered: int
    promoters: int
    passives: int
    detractors: int

    @property
    def nps(self) -> float | None:
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered, 1)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.sent, 1) if self.sent else None


def _counts() -> dict:
    return {
        "sent": Count("pk"),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "promoters": Count("pk", filter=GROUPS[NpsGroup.PROMOTER]),
        "passives": Count("pk", filter=GROUPS[NpsGroup.PASSIVE]),
        "detractors": Count("pk", filter=GROUPS[NpsGroup.DETRACTOR]),
    }


def nps_counts(surveys: QuerySet[Survey]) -> NpsCounts:
    return NpsCounts(**surveys.order_by().aggregate(**_counts()))


def nps_by_month(
    surveys: QuerySet[Survey], *, first: date, last: date
) -> list[tuple[date, NpsCounts]]:
    """Per calendar month (the month each survey was sent, Shanghai) from
    ``first`` to ``last`` (first days of months): one query, empty months too."""
    rows = (
        surveys.filter(month__gte=first, month__lte=last)
        .order_by()
        .values("month")
        .annotate(**_counts())
    )
    found = {row.pop("month"): NpsCounts(**row) for row in rows}
    empty = NpsCounts(0, 0, 0, 0, 0)
    return [(month, found.get(month, empty)) for month in months_between(first, last)]


def surveys_filtered(
    surveys: QuerySet[Survey],
    *,
    outlet_id: int | None = None,
    customer_id: int | None = None,
    account_manager_id: int | None = None,
    reason: str | None = None,
    group: str | None = None,
    answered_only: bool | None = None,
    month: date | None = None,
) -> QuerySet[Survey]:
    """The narrowing both the page and the API offer; None leaves a filter out."""
    exact = {
        "outlet_id": outlet_id,
        "customer_id": customer_id,
        "customer__account_manager_id": account_manager_id,
        "reason": reason,
        "month": month,
    }
    surveys = surveys.filter(**{k: v for k, v in exact.items() if v is not None})
    if group:
        surveys = in_group(surveys, group)
    if answered_only is not None:
        surveys = surveys.filter(answered_at__isnull=not answered_only)
    return surveys
