"""Who changed a clock policy (the audit trail of ClockPolicy), and the HQ
export of every trail: customers, their files, progress links, policies."""

from collections.abc import Iterator

from django.db.models import Q
from django.utils.translation import gettext as _

from customers.audit import audited_customer_ids, customers_trail
from lib.audit_trail import Entry, entries, header, history_of
from outlets.models import Staff

from .models import ClockPolicy


def policies_trail(user: Staff) -> Iterator[Entry]:
    """HQ: every policy; an outlet manager: their outlet's and the network's."""
    history = history_of(ClockPolicy).all()
    if not user.is_hq:
        history = history.filter(Q(outlet_id=user.outlet_id) | Q(outlet_id=None))
    return entries(history, kind=_("Clock policy"), subject=_policy_name)


def audit_rows(user: Staff) -> Iterator[list]:
    """The export: a header, then every entry the user may read."""
    yield header()
    for entry in customers_trail(audited_customer_ids(user)):
        yield entry.as_row()
    for entry in policies_trail(user):
        yield entry.as_row()


def _policy_name(row) -> str:
    scope = row.get_tier_display() or row.get_need_display() or _("general")
    where = f"#{row.outlet_id}" if row.outlet_id else _("network")
    return f"{row.get_kind_display()} · {scope} · {where}"
