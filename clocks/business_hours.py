"""Business-hours arithmetic for SLA clocks that only tick while an outlet is open.

Everything here is pure (no database, no "now") so the SLA engine can be tested
with explicit datetimes; ``clocks.schedules`` loads a ``Schedule`` from the
database.

Semantics:

* A working interval is half-open ``[opens, closes)``: the outlet is open at
  ``opens`` and closed at ``closes``; with a break, ``[opens, break_starts)``
  and ``[break_ends, closes)``.
* A holiday is closed whatever its weekday; a make-up working day (调休) is open
  with the *usual working day's* hours (see ``Schedule.make_up_hours``). A date
  that is both is a holiday: closing by mistake is safer than promising
  customers a deadline nobody is there to meet.
* A year whose official arrangement is not loaded (not in
  ``Schedule.official_years``) is closed on its estimated statutory holidays
  (``lib.china_holidays``), with no make-up days: better an estimate than
  counting Spring Festival as an open day. Days stored for that year still
  apply, and come first.
* ``add_business_minutes`` returns the *earliest* instant by which the minutes
  have elapsed, so a deadline that ends exactly at closing time is the closing
  instant, not the next opening.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from lib.china_holidays import estimated_holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class DayHours:
    """Opening hours of one day, with an optional break (e.g. lunch)."""

    opens: time
    closes: time
    break_starts: time | None = None
    break_ends: time | None = None

    def __post_init__(self) -> None:
        # Mirror the database constraints on BusinessHours so that a schedule
        # built by hand (tests, fixtures) cannot hold hours the DB would refuse.
        if not self.opens < self.closes:
            raise ValueError("opens must be before closes")
        if (self.break_starts is None) != (self.break_ends is None):
            raise ValueError("a break needs both a start and an end")
        starts, ends = self.break_starts, self.break_ends
        if (
            starts is not None
            and ends is not None
            and not (self.opens < starts < ends < self.closes)
        ):
            raise ValueError("the break must lie strictly inside opening hours")

    def intervals(self) -> tuple[tuple[time, time], ...]:
        """The day's working intervals, each half-open ``[start, end)``."""
        if self.break_starts is None or self.break_ends is None:
            return ((self.opens, self.closes),)
        return ((self.opens, self.break_starts), (self.break_ends, self.closes))


@dataclass(frozen=True)
class Schedule:
    """When an outlet is open: a weekly pattern plus the national calendar."""

    weekly: Mapping[int, DayHours]  # weekday (0 = Monday) -> hours; missing = closed
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # make-up working days (调休)
    tz: ZoneInfo = SHANGHAI
    # Years whose official arrangement is in holidays/workdays; other years get
    # the estimate. None: holidays and workdays are complete as given.
    official_years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if any(day not in range(7) for day in self.weekly):
            raise ValueError("weekly keys must be weekdays 0 (Monday) to 6 (Sunday)")
        # Freeze our own copies: the dataclass is frozen, its contents should be
        # too, or a caller mutating its dict would silently change deadlines.
        object.__setattr__(self, "weekly", MappingProxyType(dict(self.weekly)))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if self.official_years is not None:
            object.__setattr__(self, "official_years", frozenset(self.official_years))

    @property
    def make_up_hours(self) -> DayHours | None:
        """Hours of a make-up working day.

        A make-up day replaces an ordinary working day, so it gets Monday's
        hours, the most typical working day; an outlet closed on Mondays gets
        the hours of its first open day of the week (Tuesday, then Wednesday…).
        """
        if not self.weekly:
            return None
        return self.weekly.get(0) or self.weekly[min(self.weekly)]

    def hours_on(self, day: date) -> DayHours | None:
        """The hours of a calendar date in ``tz``, or None when closed all day."""
        if day in self.holidays:
            return None
        if day in self.workdays:
            return self.make_up_hours
        if self.is_estimated_holiday(day):
            return None
        return self.weekly.get(day.weekday())

    def is_estimated_holiday(self, day: date) -> bool:
        """A statutory holiday of a year whose official arrangement is not loaded."""
        if self.official_years is None or day.year in self.official_years:
            return False
        return day in estimated_holidays(day.year)


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime has no defined instant; guessing a zone here would hide
    # bugs in callers, so refuse it.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _intervals_on(day: date, schedule: Schedule) -> list[Interval]:
    """Working intervals of one local date as UTC instants.

    Arithmetic between aware datetimes sharing a ZoneInfo ignores UTC offset
    changes, so all sums and differences are done in UTC.
    """
    hours = schedule.hours_on(day)
    if hours is None:
        return []
    return [
        (
            datetime.combine(day, begin, tzinfo=schedule.tz).astimezone(UTC),
            datetime.combine(day, end, tzinfo=schedule.tz).astimezone(UTC),
        )
        for begin, end in hours.intervals()
    ]


def _intervals_from(start: datetime, schedule: Schedule) -> Iterator[Interval]:
    """Endless working intervals, day by day, from the local date of ``start``.

    Opening hours never cross midnight (opens < closes), so nothing from the
    previous day can still be running at ``start``.
    """
    day = start.astimezone(schedule.tz).date()
    while True:
        yield from _intervals_on(day, schedule)
        day += timedelta(days=1)


def add_business_minutes(
    start: datetime, minutes: float, schedule: Schedule
) -> datetime:
    """The instant at which ``minutes`` of business time have elapsed after ``start``.

    Counting starts at ``start`` if open, otherwise at the next opening. Zero
    minutes returns ``start`` itself. The result is in ``schedule.tz``.
    """
    _require_aware(start, "start")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    # Without any open weekday (and holidays being finite) no time ever
    # elapses; fail instead of walking the calendar forever.
    if not schedule.weekly:
        raise ValueError("the schedule has no open day")
    remaining = timedelta(minutes=minutes)
    cursor = start.astimezone(UTC)
    if not remaining:
        return cursor.astimezone(schedule.tz)
    for begin, end in _intervals_from(start, schedule):
        if end <= cursor:
            continue
        begin = max(begin, cursor)
        # "<=" so that a deadline ending exactly at closing is the closing instant.
        if remaining <= end - begin:
            return (begin + remaining).astimezone(schedule.tz)
        remaining -= end - begin
    raise AssertionError("unreachable: the interval generator is endless")


def business_seconds_between(
    start: datetime, end: datetime, schedule: Schedule
) -> float:
    """Seconds of business time in ``[start, end)``; 0 if ``end <= start``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    # Bounded by the end's date rather than by the next opening, so a schedule
    # that never opens gives 0 instead of walking the calendar forever.
    day = start.astimezone(schedule.tz).date()
    last_day = end.astimezone(schedule.tz).date()
    total = timedelta()
    while day <= last_day:
        for begin, close in _intervals_on(day, schedule):
            overlap = min(close, end) - max(begin, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds()


def is_open(at: datetime, schedule: Schedule) -> bool:
    """Whether the outlet is open at the instant ``at`` (closing instant = closed)."""
    _require_aware(at, "at")
    day = at.astimezone(schedule.tz).date()
    return any(begin <= at < end for begin, end in _intervals_on(day, schedule))
