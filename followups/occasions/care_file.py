"""The care part of the customer file: opt-out of care messages and care tags."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from customers.models import CareTag, Customer, CustomerCareTag
from outlets.errors import DomainError


@transaction.atomic
def customer_set_care(
    *, customer: Customer, opt_out: bool | None = None, tags: list[str] | None = None
) -> Customer:
    """Change what is given (``None`` leaves it as it is)."""
    if opt_out is not None and opt_out != customer.care_opt_out:
        customer.care_opt_out = opt_out
        customer.save(update_fields=["care_opt_out"])
    if tags is not None:
        unknown = sorted(set(tags) - set(CareTag.values))
        if unknown:
            raise DomainError(
                _("Unknown care tag."),
                fields={"care_tags": [_("Unknown: %(tag)s") % {"tag": unknown[0]}]},
            )
        CustomerCareTag.objects.filter(customer=customer).exclude(tag__in=tags).delete()
        CustomerCareTag.objects.bulk_create(
            [CustomerCareTag(customer=customer, tag=tag) for tag in set(tags)],
            ignore_conflicts=True,
        )
    return customer
