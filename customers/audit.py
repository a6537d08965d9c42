"""The audit trail of customers: who created or changed a customer, their
file (habits, notes, needs, quiet hours) and their progress link.

The rows are django-simple-history's snapshots (customers/models.py
registers the models); lib.audit_trail reads them as entries.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lib.audit_trail import Entry, entries, history_of, newest_first
from outlets.models import Staff

from .models import Customer, CustomerHabits, CustomerNeed, CustomerNote, ProgressLink


def customer_trail(customer: Customer, *, limit: int = 100) -> list[Entry]:
    """What the customer page shows managers, newest first."""
    return newest_first(_streams([customer.pk]), limit)


def customers_trail(customer_ids: QuerySet) -> Iterator[Entry]:
    """Every entry of these customers (an id subquery), for the HQ export."""
    for stream in _streams(customer_ids):
        yield from stream


def _streams(ids) -> list[Iterator[Entry]]:
    names = {
        pk: company or name
        for pk, company, name in Customer.objects.filter(pk__in=ids).values_list(
            "pk", "company", "name"
        )
    }

    def of_customer(row) -> str:
        return names.get(row.customer_id, f"#{row.customer_id}")

    related = [
        (CustomerHabits, _("Habits")),
        (CustomerNote, _("Note")),
        (CustomerNeed, _("Need")),
        (ProgressLink, _("Progress board link")),
    ]
    return [
        entries(
            history_of(Customer).filter(id__in=ids),
            kind=_("Customer"),
            subject=lambda row: row.company or row.name,
        ),
        *(
            entries(
                history_of(model).filter(customer_id__in=ids),
                kind=kind,
                subject=of_customer,
            )
            for model, kind in related
        ),
    ]


def audited_customer_ids(user: Staff) -> QuerySet:
    """The customers whose trail the user may export, deleted ones included:
    HQ every outlet's, an outlet manager their outlet's."""
    history = history_of(Customer).all()
    if not user.is_hq:
        history = history.filter(outlet_id=user.outlet_id)
    return history.values("id")
