"""Segments that change service: a strategic customer needs a dedicated
account manager, and the outlet manager hears at once when one has none.

Pulled from the top floor: the tier recompute (customers) knows nothing of
follow-ups; this scan runs every few minutes and with the nightly plan.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer, Tier

from ..models import FollowUp, FollowUpChannel, FollowUpKind, FollowUpState
from ..services import NewFollowUp, follow_ups_create
from .due import DueCalendar
from .generate import outlet_managers

ASSIGN = FollowUpKind.ASSIGN_ACCOUNT_MANAGER


def strategic_without_manager_scan(*, now: datetime) -> int:
    """Raise one ASSIGN_ACCOUNT_MANAGER follow-up for the outlet manager per
    strategic customer without an active account manager; returns how many.

    1. A customer with an open one is skipped, so the scan can run every minute.
    2. The key counts the customer's earlier ones (``assign-am:<customer>:<n>``):
       a customer who loses their account manager again gets a new follow-up,
       and two scans at once compute the same key, so only one is inserted.
    3. Due on the outlet's next open morning: a decent hour, never overdue at birth.
    """
    rows = list(_unserved().values_list("pk", "outlet_id", "earlier"))
    if not rows:
        return 0
    calendar = DueCalendar({outlet for _pk, outlet, _n in rows})
    managers = outlet_managers()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "A strategic customer is served one to one: choose their dedicated "
            "account manager and introduce them."
        )
    new = [
        NewFollowUp(
            customer_id=pk,
            outlet_id=outlet,
            owner_id=managers.get(outlet),
            kind=ASSIGN,
            channel=FollowUpChannel.VISIT,
            due_at=calendar.due(outlet, tomorrow, now=now),
            source_key=f"assign-am:{pk}:{earlier + 1}",
            note=note,
        )
        for pk, outlet, earlier in rows
    ]
    return len(follow_ups_create(rows=new, now=now))


def _unserved():
    mine = FollowUp.objects.filter(customer=OuterRef("pk"), kind=ASSIGN)
    earlier = mine.order_by().values("customer").annotate(n=Count("pk")).values("n")
    return (
        Customer.objects.filter(tier=Tier.STRATEGIC)
        .filter(Q(account_manager__isnull=True) | Q(account_manager__is_active=False))
        .exclude(Exists(mine.filter(state=FollowUpState.OPEN)))
        .annotate(earlier=Coalesce(Subquery(earlier), 0))
        .order_by()
    )
