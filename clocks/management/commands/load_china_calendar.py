"""Load the national holiday calendar, one year at a time.

From the chinese-calendar package, or (``--file``) from the State Council's
published arrangement written as text (format: ``clocks.calendar_text``).
``--year`` that ends with the year still not loaded is an error (exit 1), so
a script or an operator notices; the default run (this year and next, as
deploys do at start) only warns about a year the package does not know.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as package_holidays
from chinese_calendar.constants import workdays as package_workdays
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks.calendar_text import ArrangementError, parse_arrangement
from clocks.holiday_calendar import calendar_year_load
from clocks.models import CalendarDay, CalendarDayKind, CalendarSource, CalendarYear
from lib.bounds import FIRST_DAY, LAST_DAY

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
        "Store public holidays and make-up working days (调休) as calendar days, "
        "from the chinese-calendar package or from the State Council's published "
        "arrangement in a text file (see docs/calendar.md)."
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
        parser.add_argument(
            "--file",
            metavar="PATH",
            help="Load the one --year from this arrangement text instead of the "
            "package: lines like '2027-02-05..2027-02-11 春节' and "
            "'workday 2027-02-14'; '#' starts a comment.",
        )

    def handle(
        self, *args: object, years: list[int] | None, file: str | None, **options
    ) -> None:
        for year in years or []:
            if not FIRST_DAY.year <= year <= LAST_DAY.year:
                raise CommandError(
                    _("%(year)d is not a plausible year.") % {"year": year}
                )
        if file is not None:
            if not years or len(set(years)) != 1:
                raise CommandError(_("--file needs exactly one --year."))
            self.load_file(years[0], file)
            return
        this_year = timezone.localdate().year
        missing = [
            year
            for year in sorted(set(years or [this_year, this_year + 1]))
            if not self.load_year(year)
        ]
        if years and missing:
            raise CommandError(
                _(
                    "Nothing loaded for %(years)s, and no arrangement is stored: "
                    "enter the State Council's arrangement with --file or in the "
                    "admin (Calendar days). Until then deadlines on public "
                    "holidays are estimates."
                )
                % {"years": ", ".join(str(year) for year in missing)}
            )

    def load_file(self, year: int, path: str) -> None:
        try:
            # utf-8-sig: a file saved by Windows Notepad starts with a BOM.
            with open(path, encoding="utf-8-sig") as text:
                days = parse_arrangement(text.read(), year=year)
        except OSError as error:
            raise CommandError(str(error)) from error
        except UnicodeDecodeError as error:
            raise CommandError(_("The file is not UTF-8 text.")) from error
        except ArrangementError as error:
            raise CommandError(
                _("Nothing loaded from %(path)s:") % {"path": path}
                + "\n"
                + "\n".join(error.problems)
            ) from error
        self.report(year, days, source=CalendarSource.TEXT)

    def load_year(self, year: int) -> bool:
        """Load ``year`` from the package; False when it stays not loaded."""
        try:
            days = days_of_year(year)
        except NotImplementedError:
            return self.package_lacks(year)
        if not days:  # a year in the package's range with nothing in it
            return self.package_lacks(year)
        self.report(year, days, source=CalendarSource.PACKAGE)
        return True

    def package_lacks(self, year: int) -> bool:
        """Say what to do; True when the year was loaded before (from a text)."""
        loaded = CalendarYear.objects.filter(
            year=year, loaded_at__isnull=False
        ).exists()
        if loaded:
            message = _(
                "The chinese-calendar package has no data for %(year)d; the "
                "arrangement stored earlier stays."
            )
        else:
            # The State Council publishes next year's arrangement in November
            # and the package follows later, so say what to do meanwhile.
            message = _(
                "The chinese-calendar package has no data for %(year)d. Enter "
                "the State Council's arrangement with --year %(year)d --file "
                "FILE or in the admin (Calendar days); until then deadlines on "
                "public holidays are estimates."
            )
        self.stderr.write(self.style.WARNING(message % {"year": year}))
        return loaded

    def report(self, year: int, days: dict[date, tuple[str, str]], source: str) -> None:
        changed = calendar_year_load(
            year=year, days=days, source=source, now=timezone.now()
        )
        self.stdout.write(
            _(
                "Stored %(count)d calendar days for %(year)d "
                "(%(changed)d new or changed)."
            )
            % {"count": len(days), "year": year, "changed": changed}
        )
