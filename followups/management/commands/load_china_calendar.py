"""Fill CalendarDay from the chinese-calendar package, one year at a time."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as package_holidays
from chinese_calendar.constants import workdays as package_workdays
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import CalendarDay, CalendarDayKind

NAME_LENGTH = CalendarDay._meta.get_field("name").max_length


def holiday_name(english: str) -> str:
    """The Chinese name of a package holiday, as the State Council publishes it."""
    try:
        return Holiday(english).chinese[:NAME_LENGTH]
    except ValueError:  # a name this package version does not list: keep it as is
        return english[:NAME_LENGTH]


def days_of_year(year: int) -> dict[date, tuple[str, str]]:
    """Every special day of ``year``: date -> (kind, name).

    Holidays on a Saturday or Sunday are kept on purpose: many outlets open at
    weekends, and they are closed on, say, a National Day Saturday too.

    The dicts are read directly because ``get_workdays(include_weekends=False)``
    drops exactly the make-up Saturdays and Sundays we need.

    Raises NotImplementedError (from the package) for a year it does not know.
    """
    chinese_calendar.is_workday(date(year, 1, 1))  # the package's own range check
    days = {
        day: (CalendarDayKind.WORKDAY.value, holiday_name(name))
        for day, name in package_workdays.items()
        if day.year == year
    }
    # Written second so a holiday wins, as it does in business_hours.Schedule.
    days.update(
        (day, (CalendarDayKind.HOLIDAY.value, holiday_name(name)))
        for day, name in package_holidays.items()
        if day.year == year
    )
    return days


class Command(BaseCommand):
    # argparse text stays plain: translated at import time it would freeze
    # whichever language happened to be active then.
    help = (
        "Store public holidays and make-up working days (调休) from the "
        "chinese-calendar package as calendar days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            metavar="YEAR",
            help="Year to load; repeat for several (default: this year and next).",
        )

    def handle(self, *args: object, years: list[int] | None, **options: object) -> None:
        this_year = timezone.localdate().year
        for year in sorted(set(years or [this_year, this_year + 1])):
            self.load_year(year)

    def load_year(self, year: int) -> None:
        try:
            days = days_of_year(year)
        except NotImplementedError:
            # Not an error: the State Council publishes next year's calendar in
            # late autumn and the package follows later, so say what to do.
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "The chinese-calendar package has no data for %(year)d. "
                        "Type that year's public holidays and make-up working "
                        "days into the admin (Calendar days), or upgrade the "
                        "package."
                    )
                    % {"year": year}
                )
            )
            return
        changed = self.store(days)
        self.stdout.write(
            _(
                "Stored %(count)d calendar days for %(year)d "
                "(%(changed)d new or changed)."
            )
            % {"count": len(days), "year": year, "changed": changed}
        )

    @staticmethod
    @transaction.atomic
    def store(days: dict[date, tuple[str, str]]) -> int:
        """Upsert the days and return how many rows were new or different.

        Only differing rows are written, so a rerun changes nothing. Rows of the
        year that the package does not list are left alone: they were typed in
        the admin on purpose (a local holiday, say).
        """
        existing = {
            row_date: (kind, name)
            for row_date, kind, name in CalendarDay.objects.filter(
                date__in=days
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
