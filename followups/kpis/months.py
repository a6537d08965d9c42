"""KPI months: calendar months in local time, from 2000-01 to the current one."""

import re
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.tenure import add_months
from lib.bounds import FIRST_DAY, LAST_DAY
from outlets.errors import DomainError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(now: datetime) -> date:
    """The first day of the local calendar month ``now`` falls in."""
    return timezone.localtime(now).date().replace(day=1)


def last_complete_month(now: datetime) -> date:
    return add_months(month_of(now), -1)


def bounds(month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) instants at local midnight."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(month, time.min, tz),
        datetime.combine(add_months(month, 1), time.min, tz),
    )


def months_back(month: date, count: int) -> list[date]:
    """``count`` months ending with ``month``, oldest first."""
    return [add_months(month, -n) for n in range(count - 1, -1, -1)]


def parse_month(text: str | None, *, now: datetime) -> date:
    """``YYYY-MM`` as the month's first day; empty means the current month.

    Refused: another shape, a month outside 2000..2099 (``lib.bounds``) and a
    month that has not begun yet (its figures do not exist).
    """
    if not text:
        return month_of(now)
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise _bad(_("Give the month as YYYY-MM, for example 2026-10."))
    month = date(int(found[1]), int(found[2]), 1)
    if not FIRST_DAY <= month <= LAST_DAY:
        raise _bad(_("The month must lie between 2000-01 and 2099-12."))
    if month > month_of(now):
        raise _bad(_("That month has not begun yet: its figures do not exist."))
    return month


def _bad(message) -> DomainError:
    return DomainError(message, fields={"month": [message]}, code="invalid_month")
