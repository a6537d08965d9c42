"""The days care is planned around: festivals, yearly dates, promotion seasons.

Lunar festivals come from ``lunar_python`` through ``lib.china_holidays``; no
date is typed in per year.
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from lib.china_holidays import DRAGON_BOAT, MID_AUTUMN, SPRING_FESTIVAL, lunar_festivals

from .models import DEFAULT_SEND_TIME, Occasion

_LUNAR: dict[str, str] = {
    Occasion.SPRING_FESTIVAL: SPRING_FESTIVAL,
    Occasion.DRAGON_BOAT: DRAGON_BOAT,
    Occasion.MID_AUTUMN: MID_AUTUMN,
}


def festival_day(occasion: str, year: int) -> date | None:
    """The Gregorian day of a festival in ``year``; None for other occasions."""
    if occasion == Occasion.NEW_YEAR:
        return date(year, 1, 1)
    if occasion in _LUNAR:
        return lunar_festivals(year)[_LUNAR[occasion]]
    return None


def yearly_on(month: int, day: int, year: int) -> date:
    """A yearly date in ``year``: 29 February falls on 28 February in other years."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_yearly(month: int, day: int, after: date) -> date:
    """The first occurrence of a yearly date on or after ``after``."""
    this_year = yearly_on(month, day, after.year)
    return this_year if this_year >= after else yearly_on(month, day, after.year + 1)


def local_instant(day: date, at: time = DEFAULT_SEND_TIME) -> datetime:
    """``day`` at ``at`` on the outlet's clock (TIME_ZONE, Shanghai)."""
    return datetime.combine(day, at, timezone.get_current_timezone())


def local_day(now: datetime) -> date:
    return timezone.localtime(now).date()


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
