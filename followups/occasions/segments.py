"""Which customers a campaign reaches: its segment, minus those who opted out."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from customers.models import Customer, CustomerCareTag, CustomerNeed
from customers.tenure import start_bounds


def care_reachable(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers who accept care messages (greetings, campaigns, offers)."""
    return customers.filter(care_opt_out=False)


def in_segment(
    customers: QuerySet[Customer],
    *,
    day: date,
    tiers: Iterable[str] = (),
    needs: Iterable[str] = (),
    tenures: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> QuerySet[Customer]:
    """Narrow ``customers`` to a segment; an empty list means any value.

    Tenure is counted on ``day`` (the send day), as everywhere else.
    """
    if tiers := list(tiers):
        customers = customers.filter(tier__in=tiers)
    if needs := list(needs):
        rows = CustomerNeed.objects.filter(customer=OuterRef("pk"), need__in=needs)
        customers = customers.filter(Exists(rows))
    if tenures := list(tenures):
        either = Q()
        for tenure in tenures:
            either |= Q(**start_bounds(tenure, day))
        customers = customers.filter(either)
    if tags := list(tags):
        tagged = CustomerCareTag.objects.filter(customer=OuterRef("pk"), tag__in=tags)
        customers = customers.filter(Exists(tagged))
    return customers
