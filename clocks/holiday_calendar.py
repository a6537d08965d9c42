"""The national holiday calendar: loading a year's arrangement, and which are missing.

A year is *loaded* once its official arrangement (holidays and make-up working
days) is stored, from the chinese-calendar package or from the State Council's
notice entered as text (``calendar_text``). Until then business-hours clocks
count that year's estimated statutory holidays (``lib.china_holidays``), and
the board, the policies page, the admin and the sweep say so.

Which years matter at ``now`` (Asia/Shanghai): the current year, and from
1 November also the next one. The State Council publishes the next year's
arrangement in November, and from then on a business-hours clock (or a long
policy over a quiet weekend) can run into January.
"""

import logging
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import CalendarDay, CalendarYear

log = logging.getLogger(__name__)

NEXT_YEAR_FROM = (11, 1)  # (month, day) from which next year matters too
WARN_EVERY = timedelta(hours=1)
SWEEP_CHECK_SECONDS = 60.0  # per process; the hourly limit itself is in the DB


def years_that_matter(now: datetime) -> list[int]:
    today = timezone.localtime(now).date()
    if (today.month, today.day) >= NEXT_YEAR_FROM:
        return [today.year, today.year + 1]
    return [today.year]


def missing_calendar_years(*, now: datetime) -> list[int]:
    """The years that matter at ``now`` whose arrangement is not loaded (one query)."""
    years = years_that_matter(now)
    loaded = set(
        CalendarYear.objects.filter(
            year__in=years, loaded_at__isnull=False
        ).values_list("year", flat=True)
    )
    return [year for year in years if year not in loaded]


@transaction.atomic
def calendar_year_load(
    *, year: int, days: Mapping[date, tuple[str, str]], source: str, now: datetime
) -> int:
    """Store a year's official arrangement and mark the year loaded.

    Returns how many calendar days were new or changed. From the commit on,
    clocks started use the arrangement instead of the estimate; running clocks
    keep the deadlines they have. Days already stored that the arrangement does
    not list are left alone: they were entered on purpose (a local holiday).
    """
    if not days:
        raise ValueError("an arrangement without days would mark the year loaded")
    changed = _store_days(days)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source=source, loaded_at=now)],
        update_conflicts=True,
        unique_fields=["year"],
        update_fields=["source", "loaded_at"],
    )
    return changed


def _store_days(days: Mapping[date, tuple[str, str]]) -> int:
    """Upsert the days, writing only those that differ, so a rerun changes nothing."""
    existing = {
        row_date: (kind, name)
        for row_date, kind, name in CalendarDay.objects.filter(
            date__in=list(days)
        ).values_list("date", "kind", "name")
    }
    rows = [
        CalendarDay(date=day, kind=kind, name=name)
        for day, (kind, name) in days.items()
        if existing.get(day) != (kind, name)
    ]
    CalendarDay.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["kind", "name"],
    )
    return len(rows)


def calendar_warn_if_missing(*, now: datetime) -> list[int]:
    """Log a WARNING for missing years, at most once per WARN_EVERY in all processes.

    1. Find the missing years; none: done.
    2. Make sure the first missing year has a row (insert, ignoring a conflict).
    3. Claim the warning with a compare-and-set on that row's ``warned_at``: only
       the process whose UPDATE changed the row logs.
    Returns the years warned about, or [] when there was nothing to say yet.
    """
    missing = missing_calendar_years(now=now)
    if not missing:
        return []
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=missing[0])], ignore_conflicts=True
    )
    claimed = (
        CalendarYear.objects.filter(year=missing[0])
        .filter(Q(warned_at__isnull=True) | Q(warned_at__lte=now - WARN_EVERY))
        .update(warned_at=now)
    )
    if not claimed:
        return []
    log.warning(
        "Holiday calendar not loaded for %s: business-hours deadlines on public "
        "holidays are estimates. Enter the State Council's arrangement with "
        "manage.py load_china_calendar --year YEAR --file FILE or in the admin "
        "(Calendar days); see docs/calendar.md.",
        ", ".join(str(year) for year in missing),
    )
    return missing


class _Every:
    """Lets a call through at most once per ``seconds`` within this process."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.next_at = float("-inf")

    def due(self, at: float) -> bool:
        if at < self.next_at:
            return False
        self.next_at = at + self.seconds
        return True


_sweep_gate = _Every(SWEEP_CHECK_SECONDS)


def calendar_check_for_sweep(*, now: datetime) -> None:
    """Run by every sweep tick (each second): queries once a minute per process."""
    if _sweep_gate.due(time.monotonic()):
        calendar_warn_if_missing(now=now)
