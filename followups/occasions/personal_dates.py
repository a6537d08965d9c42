"""Personal dates from the customer file: birthdays, a child's exam, the
company's anniversary, and the cooperation anniversary (from cooperation_start).

A yearly date recurs every year; one with a year happens once. A yearly
29 February (and a cooperation that started on one) falls on 28 February in
other years. Nightly, each date gets a follow-up ``LEAD`` days before it, once
(``date:<id>:<year>``, ``date:coop:<customer>:<year>``), its note naming the date.
"""

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from customers.models import Customer, PersonalDate, PersonalDateKind
from followups.models import FollowUpKind
from followups.services import (
    NewFollowUp,
    default_channel,
    default_owner_ids,
    follow_ups_create,
)
from lib.bounds import FIRST_DAY, LAST_DAY
from outlets.access import Capability, may, visible
from outlets.errors import DomainError, NotAllowed
from outlets.models import Staff

from .dates import days_between, local_day, local_instant, yearly_on

# "A few days before": time to buy a card or call ahead of the exam.
LEAD = timedelta(days=3)
COOPERATION = "cooperation_anniversary"
LABEL_LENGTH = 100


class PersonalDay(NamedTuple):
    """One occurrence of a personal date, as the day page shows it."""

    customer: Customer
    kind: str
    what: str
    on: date
    source: str  # the idempotence key of its follow-up


# --- The customer file --------------------------------------------------------


def _check_day(month, day, year) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise DomainError(
            _("Give a month from 1 to 12."), fields={"month": [_("1 to 12.")]}
        )
    if year is not None and not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise DomainError(
            _("Give a year between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.year, "last": LAST_DAY.year},
            fields={"year": [_("Out of range.")]},
        )
    # A yearly date is checked against a leap year: 29 February is a real
    # birthday (it falls on 28 February in other years); 30 February is not.
    longest = calendar.monthrange(year or 2000, month)[1]
    if not isinstance(day, int) or not 1 <= day <= longest:
        raise DomainError(
            _("%(month)s has no day %(day)s.")
            % {"month": _month_name(month), "day": day},
            fields={
                "day": [_("From 1 to %(last)s for this month.") % {"last": longest}]
            },
        )


def _month_name(month: int) -> StrOrPromise:
    return _MONTHS[month - 1]


_MONTHS = [
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
]


def personal_date_add(
    *,
    by: Staff | None,
    customer: Customer,
    kind: str,
    month: int,
    day: int,
    now: datetime,
    year: int | None = None,
    label: str = "",
) -> PersonalDate:
    """Add a date to the customer file (office staff: the file's editors)."""
    _check_may_edit(by, customer.outlet_id)
    if kind not in PersonalDateKind.values:
        raise DomainError(_("Unknown kind of date."), fields={"kind": [_("Unknown.")]})
    label = (label or "").strip()
    if len(label) > LABEL_LENGTH:
        raise DomainError(
            _("The description is too long."),
            fields={"label": [_("At most %(n)s characters.") % {"n": LABEL_LENGTH}]},
        )
    _check_day(month, day, year)
    return PersonalDate.objects.create(
        customer=customer,
        kind=kind,
        label=label,
        month=month,
        day=day,
        year=year,
        created_at=now,
    )


def personal_date_delete(*, by: Staff | None, personal_date: PersonalDate) -> None:
    _check_may_edit(by, personal_date.customer.outlet_id)
    personal_date.delete()


def _check_may_edit(by: Staff | None, outlet_id: int) -> None:
    if by is not None and not may(
        by, Capability.EDIT_CUSTOMER_FILE, outlet_id=outlet_id
    ):
        raise NotAllowed(_("Your role may not change the customer file."))


# --- Occurrences --------------------------------------------------------------


def occurrences(row: PersonalDate, start: date, end: date) -> list[date]:
    """The days ``row`` falls on from ``start`` to ``end``, both included."""
    if row.year is not None:
        once = date(row.year, row.month, row.day)
        return [once] if start <= once <= end else []
    days = (yearly_on(row.month, row.day, y) for y in range(start.year, end.year + 1))
    return [day for day in days if start <= day <= end]


def _pairs(start: date, end: date) -> list[tuple[int, int]]:
    """The (month, day) pairs of the range; 29 February counts on a 28th of
    a year without one."""
    pairs = {(d.month, d.day) for d in days_between(start, end)}
    for d in days_between(start, end):
        if (d.month, d.day) == (2, 28) and not calendar.isleap(d.year):
            pairs.add((2, 29))
    return sorted(pairs)


def _what(row: PersonalDate) -> str:
    kind = str(PersonalDateKind(row.kind).label)
    return f"{kind} · {row.label}" if row.label else kind


def _dates_in(
    dates: QuerySet[PersonalDate], customers: QuerySet[Customer], start, end
) -> list[PersonalDay]:
    found = []
    pairs = _pairs(start, end)
    on_days = Q(pk__in=[])
    for month, day in pairs:
        on_days |= Q(month=month, day=day)
    for row in dates.filter(on_days).select_related("customer"):
        for on in occurrences(row, start, end):
            key = f"date:{row.pk}:{on.year}"
            found.append(PersonalDay(row.customer, row.kind, _what(row), on, key))
    coop = Q(pk__in=[])
    for month, day in pairs:
        coop |= Q(cooperation_start__month=month, cooperation_start__day=day)
    for customer in customers.filter(coop):
        found.extend(_anniversaries(customer, start, end))
    return sorted(found, key=lambda d: (d.on, d.customer.pk, d.kind))


def _anniversaries(customer: Customer, start: date, end: date) -> Iterable[PersonalDay]:
    began = customer.cooperation_start
    for year in range(max(start.year, began.year + 1), end.year + 1):
        on = yearly_on(began.month, began.day, year)
        if start <= on <= end:
            what = _g("%(years)s years of cooperation") % {"years": year - began.year}
            key = f"date:coop:{customer.pk}:{year}"
            yield PersonalDay(customer, COOPERATION, what, on, key)


def personal_dates_between(user: Staff, start: date, end: date) -> list[PersonalDay]:
    """The personal dates of the customers ``user`` may see, ``start``..``end``.

    For the account manager's day page ("personal dates this week").
    """
    return _dates_in(
        visible(user, PersonalDate.objects.all()),
        visible(user, Customer.objects.all()),
        start,
        end,
    )


# --- The nightly run ----------------------------------------------------------


def personal_dates_plan(*, now: datetime) -> int:
    """A PERSONAL_DATE follow-up ``LEAD`` days before each date; idempotent.

    Dates from today to ``LEAD`` days ahead are looked at, so a missed night
    is caught up; a follow-up is due at 10:00 ``LEAD`` days before the date
    (or now, when found later).
    """
    today = local_day(now)
    days = _dates_in(
        PersonalDate.objects.all(), Customer.objects.all(), today, today + LEAD
    )
    customers = [d.customer for d in days]
    owners = default_owner_ids(customers)
    kind = FollowUpKind.PERSONAL_DATE
    rows = [
        NewFollowUp(
            customer_id=d.customer.pk,
            outlet_id=d.customer.outlet_id,
            owner_id=owners[d.customer.pk],
            kind=kind,
            channel=default_channel(d.customer, kind),
            due_at=max(local_instant(d.on - LEAD), now),
            source_key=d.source,
            note=_g("%(what)s on %(day)s: %(customer)s.")
            % {"what": d.what, "day": d.on.isoformat(), "customer": d.customer},
        )
        for d in days
    ]
    return len(follow_ups_create(rows=rows, now=now))
