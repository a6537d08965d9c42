"""Reads of customers shared by pages and the API, always through access."""

from django.db.models import Prefetch, QuerySet

from outlets.access import visible
from outlets.models import Staff

from .models import Customer, CustomerNeed


def customers_for(user: Staff) -> QuerySet[Customer]:
    return (
        visible(user, Customer.objects.all())
        .select_related("outlet", "account_manager", "habits")
        .prefetch_related(
            Prefetch("needs", queryset=CustomerNeed.objects.order_by("need"))
        )
    )


def customer_detail(user: Staff, pk: int) -> Customer | None:
    return (
        customers_for(user)
        .select_related("referred_by")
        .prefetch_related("notes__author", "tier_changes")
        .filter(pk=pk)
        .first()
    )
