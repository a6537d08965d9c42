"""The book as rows in the import's columns, so an export imports back."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers.imports.columns import COLUMNS
from customers.models import Customer

BATCH = 2000


def header() -> list[str]:
    """Keys, not labels: a file exported in Chinese imports in English too."""
    return list(COLUMNS)


def export_rows(customers: QuerySet[Customer]) -> Iterator[list]:
    """The header, then one row per customer, read in batches."""
    yield header()
    queryset = customers.select_related(
        "account_manager", "referred_by"
    ).prefetch_related("needs")
    for customer in queryset.iterator(chunk_size=BATCH):
        yield _row(customer)


def _row(customer: Customer) -> list:
    manager, referrer = customer.account_manager, customer.referred_by
    return [
        customer.name,
        customer.company,
        customer.contact_person,
        _phone(customer.phone),
        customer.address,
        manager.username if manager else "",
        customer.cooperation_start,
        _phone(referrer.phone) if referrer else "",
        customer.preferred_channel,
        customer.language,
        customer.tier,
        ", ".join(sorted(row.need for row in customer.needs.all())),
    ]


def _phone(phone) -> str:
    # A Chinese number as office staff write it (13912345678, 02162345678);
    # a foreign one in full, which the safe writer keeps from being a formula.
    if phone.country_code == 86:
        return phone.as_national.replace(" ", "")
    return phone.as_e164


def export_name(extension: str) -> str:
    return _("customers") + "." + extension
