"""Promotion seasons (双11, 618, and the outlet's own): planning and warehouse fill.

Nightly, for every active season:
- two weeks ahead, strategic and time-sensitive customers get a peak-season
  planning follow-up (once a season and year: ``season:<id>:<year>:<customer>``);
- exactly 3 days ahead, a customer whose latest fill report in the run-up is
  above 80% is warned (a message offering temporary storage) and their account
  manager gets a warehouse-warning follow-up.
A report above 80% made on the warning day itself warns at once.
"""

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from clocks.outbox import ToCustomer, to_customers
from clocks.texts import render
from customers.models import Customer, CustomerNeed, Need, Tier
from followups.models import FollowUpKind
from followups.services import (
    NewFollowUp,
    default_channel,
    default_owner_ids,
    follow_ups_create,
)
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .dates import local_day, local_instant, next_yearly, yearly_on
from .models import MAX_FILL_PERCENT, PromotionSeason, WarehouseFill

PLANNING_LEAD = timedelta(days=14)
WARNING_LEAD = timedelta(days=3)
# Above this share the customer's warehouse cannot take the sale's stock.
WARNING_ABOVE = 80
WARNING_TEMPLATE = "warehouse_warning"


class Upcoming(NamedTuple):
    season: PromotionSeason
    starts_on: date


def seasons_for(outlet_id: int | None) -> QuerySet[PromotionSeason]:
    """The network's seasons and, with ``outlet_id``, that outlet's own."""
    mine = Q(outlet__isnull=True)
    if outlet_id is not None:
        mine |= Q(outlet_id=outlet_id)
    return PromotionSeason.objects.filter(mine)


def upcoming(season: PromotionSeason, today: date) -> Upcoming:
    """The season's next start on or after ``today``."""
    return Upcoming(season, next_yearly(season.month, season.day, today))


# --- Managing seasons ---------------------------------------------------------


def _check_day(month: int, day: int) -> None:
    try:
        yearly_on(month, 1, 2000)
    except ValueError:
        raise DomainError(
            _("Give a month from 1 to 12."), fields={"month": [_("1 to 12.")]}
        ) from None
    try:
        date(2000, month, day)  # a leap year: 02-29 is a real yearly date
    except ValueError:
        raise DomainError(
            _("That day does not exist in that month."),
            fields={"day": [_("Not a day of this month.")]},
        ) from None


def season_add(
    *, by: Staff, outlet: Outlet | None, name: str, month: int, day: int
) -> PromotionSeason:
    """A new season: HQ adds network defaults, a manager their outlet's own."""
    allowed = (
        may(by, Capability.EDIT_NETWORK_POLICIES)
        if outlet is None
        else may(by, Capability.RUN_CAMPAIGNS, outlet_id=outlet.pk)
    )
    if not allowed:
        raise NotAllowed(
            _("You may add seasons for your own outlet only."),
            fields={"outlet": [_("Not your outlet.")]},
        )
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(
            _("Name the season (at most 60 characters)."),
            fields={"name": [_("Required, at most 60 characters.")]},
        )
    _check_day(month, day)
    outlet_id = outlet.pk if outlet is not None else None
    if seasons_for(outlet_id).filter(name=name).exists():
        raise DomainError(
            _("A season of that name exists."), fields={"name": [_("Taken.")]}
        )
    return PromotionSeason.objects.create(
        outlet=outlet, name=name, month=month, day=day
    )


# --- Warehouse fill -----------------------------------------------------------


def _check_percent(percent) -> int:
    if isinstance(percent, bool) or not isinstance(percent, int):
        raise DomainError(
            _("Give the fill as a whole percentage."),
            fields={"percent": [_("A whole number from 0 to 100.")]},
        )
    if not 0 <= percent <= MAX_FILL_PERCENT:
        raise DomainError(
            _("A warehouse is between 0 and 100 percent full."),
            fields={"percent": [_("From 0 to 100.")]},
        )
    return percent


@transaction.atomic
def warehouse_fill_report(
    *, customer: Customer, percent: int, by: Staff | None, now: datetime
) -> WarehouseFill:
    """Record the fill; on a season's warning day a high fill warns at once."""
    fill = WarehouseFill.objects.create(
        customer=customer,
        percent=_check_percent(percent),
        reported_at=now,
        reported_by=by,
    )
    today = local_day(now)
    for season in seasons_for(customer.outlet_id).filter(active=True):
        starts_on = upcoming(season, today).starts_on
        if starts_on - WARNING_LEAD == today:
            _warn(season, starts_on, Customer.objects.filter(pk=customer.pk), now)
    return fill


def latest_fill(customer: Customer) -> WarehouseFill | None:
    return customer.warehouse_fills.order_by("-reported_at", "-pk").first()


# --- The nightly run ----------------------------------------------------------


class SeasonRun(NamedTuple):
    planning: int
    warnings: int


def seasons_plan(*, now: datetime) -> SeasonRun:
    """Planning follow-ups and warehouse warnings for every active season."""
    today = local_day(now)
    planning = warnings = 0
    for season in PromotionSeason.objects.filter(active=True):
        starts_on = upcoming(season, today).starts_on
        outlets = Customer.objects.all()
        if season.outlet_id is not None:
            outlets = outlets.filter(outlet_id=season.outlet_id)
        with transaction.atomic():
            if starts_on - PLANNING_LEAD <= today:
                planning += _plan(season, starts_on, outlets, now)
            if starts_on - WARNING_LEAD == today:
                warnings += _warn(season, starts_on, outlets, now)
    return SeasonRun(planning, warnings)


def planning_customers(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Strategic customers and time-sensitive senders: they plan peaks with us."""
    urgent = CustomerNeed.objects.filter(
        customer=OuterRef("pk"), need=Need.TIME_SENSITIVE
    )
    return customers.filter(Q(tier=Tier.STRATEGIC) | Exists(urgent))


def _plan(season, starts_on: date, customers: QuerySet, now: datetime) -> int:
    """Due two weeks before the season at 10:00 (or now, for a late catch-up)."""
    due = max(local_instant(starts_on - PLANNING_LEAD), now)
    note = _g("Agree the shipping plan for %(season)s (starts %(day)s).") % {
        "season": season.name,
        "day": starts_on.isoformat(),
    }
    kind = FollowUpKind.PEAK_SEASON_PLANNING
    return _follow_ups(
        planning_customers(customers),
        kind=kind,
        key=f"season:{season.pk}:{starts_on.year}",
        due=due,
        note=note,
        now=now,
    )


def _warn(season, starts_on: date, customers: QuerySet, now: datetime) -> int:
    """Customers above 80% in the run-up: a message and an account-manager call."""
    run_up = local_instant(starts_on - PLANNING_LEAD, time.min)
    rows = list(_overfull(customers, since=run_up))
    if not rows:
        return 0
    key = f"warehouse:{season.pk}:{starts_on.year}"
    messages = [
        ToCustomer(
            customer,
            WARNING_TEMPLATE,
            render(
                WARNING_TEMPLATE,
                {
                    "customer": customer,
                    "season": season.name,
                    "day": starts_on.isoformat(),
                    "fill": customer.fill_percent,  # type: ignore[attr-defined]  # annotated
                },
            ),
            f"{key}:{customer.pk}",
        )
        for customer in rows
        if not customer.care_opt_out
    ]
    to_customers(messages, now=now)
    note = _g(
        "%(season)s starts %(day)s; the warehouse is %(fill)s%% full. "
        "Offer temporary storage."
    )
    for customer in rows:
        customer.note = note % {  # type: ignore[attr-defined]  # for the page
            "season": season.name,
            "day": starts_on.isoformat(),
            "fill": customer.fill_percent,  # type: ignore[attr-defined]  # annotated
        }
    return _follow_ups(
        rows,
        kind=FollowUpKind.WAREHOUSE_WARNING,
        key=key,
        due=now,
        note=None,
        now=now,
    )


def _overfull(customers: QuerySet, since: datetime) -> QuerySet[Customer]:
    """Customers whose latest report since ``since`` is above ``WARNING_ABOVE``."""
    latest = (
        WarehouseFill.objects.filter(customer=OuterRef("pk"), reported_at__gte=since)
        .order_by("-reported_at", "-pk")
        .values("percent")[:1]
    )
    return (
        customers.annotate(fill_percent=Subquery(latest))
        .filter(fill_percent__gt=WARNING_ABOVE)
        .select_related("outlet")
    )


def _follow_ups(customers, *, kind, key, due, note, now) -> int:
    customers = list(customers)
    owners = default_owner_ids(customers)
    rows = [
        NewFollowUp(
            customer_id=c.pk,
            outlet_id=c.outlet_id,
            owner_id=owners[c.pk],
            kind=kind,
            channel=default_channel(c, kind),
            due_at=due,
            source_key=f"{key}:{c.pk}",
            note=note if note is not None else c.note,
        )
        for c in customers
    ]
    return len(follow_ups_create(rows=rows, now=now))
