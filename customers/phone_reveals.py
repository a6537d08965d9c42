"""Showing a customer's full phone number, and the record that it was shown.

Everywhere else the number is masked (lib.phones). The office sees it on the
customer page and asks the API for it; a courier sees it on the page of a
pickup they carry. Each showing is a PhoneReveal row that managers read.
"""

from datetime import datetime

from django.db.models import QuerySet

from outlets.access import Capability, may
from outlets.models import Staff

from .models import Customer, PhoneReveal, PhoneRevealVia


def phone_reveal(*, customer: Customer, by: Staff, via: str, now: datetime) -> str:
    """The full number, in E.164; the showing is recorded first."""
    PhoneReveal.objects.create(customer=customer, by=by, via=via, at=now)
    return str(customer.phone)


def phone_for_page(
    user: Staff, customer: Customer, *, now: datetime, carrying: bool = False
) -> str | None:
    """The number to dial on a page, or None where the page shows it masked.

    ``carrying``: the user is the courier of this customer's pickup.
    """
    if carrying:
        via = PhoneRevealVia.PICKUP
    elif may(user, Capability.REVEAL_PHONE):
        via = PhoneRevealVia.PAGE
    else:
        return None
    return phone_reveal(customer=customer, by=user, via=via, now=now)


def phone_reveals_of(customer: Customer, *, limit: int = 50) -> QuerySet[PhoneReveal]:
    return customer.phone_reveals.select_related("by")[:limit]
