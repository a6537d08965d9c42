"""The VIP pool's freight discount (key customers), recorded on the customer."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError

from .models import MAX_FREIGHT_DISCOUNT, Customer


@transaction.atomic
def customer_set_freight_discount(*, customer: Customer, percent) -> Customer:
    """Record the customer's discount off the list freight price, 0 to 50 %.

    One decimal place (12.5 %); 0 means the list price.
    """
    value = _percent(percent)
    Customer.objects.filter(pk=customer.pk).update(freight_discount_percent=value)
    customer.freight_discount_percent = value
    return customer


def _percent(percent) -> Decimal:
    try:
        value = Decimal(str(percent))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise _refused(_("Give the discount as a number of percent, such as 12.5."))
    if not 0 <= value <= MAX_FREIGHT_DISCOUNT:
        raise _refused(
            _("A freight discount is 0 to %(max)s %%.") % {"max": MAX_FREIGHT_DISCOUNT}
        )
    if value != value.quantize(Decimal("0.1")):
        raise _refused(_("At most one decimal place, such as 12.5."))
    return value.quantize(Decimal("0.1"))


def _refused(message) -> DomainError:
    return DomainError(
        _("The discount was not saved."),
        fields={"freight_discount_percent": [message]},
    )
