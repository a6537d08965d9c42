"""An outlet's ``Schedule`` as stored: its weekly hours and the national calendar.

The arithmetic on a schedule is pure (``business_hours.py``); this is the one
place that reads it from the database.
"""

from datetime import date

from django.utils import timezone

from outlets.models import BusinessHours

from .business_hours import DayHours, Schedule
from .models import CalendarDay, CalendarDayKind, CalendarYear


def schedule_for_outlet(outlet_id: int) -> Schedule:
    """Load an outlet's weekly hours and the national calendar (three queries).

    An outlet without BusinessHours rows gets an empty weekly pattern, and
    ``add_business_minutes`` will refuse it; the caller decides the fallback.
    """
    weekly = {
        row.weekday: DayHours(row.opens, row.closes, row.break_starts, row.break_ends)
        for row in BusinessHours.objects.filter(outlet_id=outlet_id)
    }
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == CalendarDayKind.HOLIDAY else workdays).add(day)
    return Schedule(
        weekly=weekly,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        tz=timezone.get_default_timezone(),
        official_years=frozenset(
            CalendarYear.objects.filter(loaded_at__isnull=False).values_list(
                "year", flat=True
            )
        ),
    )
