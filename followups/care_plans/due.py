"""When a generated follow-up is due: a decent local hour on a business day.

A contact planned for a day is due at 10:00 local time (or at opening, if the
outlet opens later) on that day, or on the outlet's next open day when it is
closed (weekend, public holiday). An outlet without opening hours keeps 10:00
on the day itself. Never due before ``now``: a follow-up raised in the
afternoon is due the next open morning, not overdue at once.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from clocks.business_hours import DayHours, Schedule
from clocks.models import CalendarDay, CalendarDayKind, CalendarYear
from outlets.models import BusinessHours

DECENT_HOUR = time(10, 0)
# Spring Festival closes an outlet for a week at most; beyond two weeks the
# hours are wrong, and the day itself is better than no due time.
LOOK_AHEAD_DAYS = 15


class DueCalendar:
    """Due instants for many outlets, from three queries in all."""

    def __init__(self, outlet_ids=None) -> None:
        self.tz = timezone.get_default_timezone()
        self._schedules = _schedules(outlet_ids, self.tz)
        self._cache: dict[tuple[int, date, datetime], datetime] = {}

    def due(self, outlet_id: int, day: date, *, now: datetime) -> datetime:
        key = (outlet_id, day, now)
        if key not in self._cache:
            self._cache[key] = self._first_after(outlet_id, day, now)
        return self._cache[key]

    def _first_after(self, outlet_id: int, day: date, now: datetime) -> datetime:
        schedule = self._schedules.get(outlet_id)
        for offset in range(2 * LOOK_AHEAD_DAYS):
            at = self._on(schedule, day + timedelta(days=offset))
            if at is not None and at > now:
                return at
        return max(now, datetime.combine(day, DECENT_HOUR, self.tz))

    def _on(self, schedule: Schedule | None, day: date) -> datetime | None:
        if schedule is None or not schedule.weekly:
            return datetime.combine(day, DECENT_HOUR, self.tz)
        hours = schedule.hours_on(day)
        if hours is None:
            return None
        return datetime.combine(day, _decent_time(hours), self.tz)


def _decent_time(hours: DayHours) -> time:
    at = max(hours.opens, DECENT_HOUR)
    ends = hours.break_ends  # set together with break_starts
    if hours.break_starts and ends is not None and hours.break_starts <= at < ends:
        at = ends
    return at if at < hours.closes else hours.opens


def _schedules(outlet_ids, tz) -> dict[int, Schedule]:
    rows = BusinessHours.objects.all()
    if outlet_ids is not None:
        rows = rows.filter(outlet_id__in=list(outlet_ids))
    weekly: dict[int, dict[int, DayHours]] = defaultdict(dict)
    for row in rows:
        weekly[row.outlet_id][row.weekday] = DayHours(
            row.opens, row.closes, row.break_starts, row.break_ends
        )
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == CalendarDayKind.HOLIDAY else workdays).add(day)
    loaded = CalendarYear.objects.filter(loaded_at__isnull=False)
    official = frozenset(loaded.values_list("year", flat=True))
    return {
        outlet_id: Schedule(
            weekly=days,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            tz=tz,
            official_years=official,
        )
        for outlet_id, days in weekly.items()
    }
