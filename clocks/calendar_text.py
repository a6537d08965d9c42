"""Read a year's holiday arrangement written the way the State Council publishes it.

The notice lists, per holiday, a range of days off and the weekend days worked
instead (调休). One line each, so a whole year is about ten lines::

    # 2027, State Council notice of November 2026
    2027-01-01 元旦
    2027-02-05..2027-02-11 春节
    workday 2027-02-14 春节
    2027-10-01..2027-10-07 国庆节

A line is ``[holiday|workday] DAY[..LAST_DAY] [name]``: the kind word is
optional (``holiday`` by default; ``休`` and ``班`` work too), ranges include
both ends, and ``#`` starts a comment. Days belong to the year, or to the last
week of the December before it (元旦 off from 31 December, say). The text is
read whole before anything is stored: one bad line rejects all of it.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from lib.bounds import FIRST_DAY, LAST_DAY
from lib.model_fields import max_length

from .models import CalendarDay, CalendarDayKind

KINDS = {
    "holiday": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.WORKDAY,
    "班": CalendarDayKind.WORKDAY,
}
DAYS = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?")
# The longest published holiday is 8 or 9 days; a longer range is a typo.
LONGEST_RANGE = 31
BEFORE_YEAR = 7  # days of the previous December a notice may name
NAME_LENGTH = max_length(CalendarDay, "name")

Days = dict[date, tuple[str, str]]  # date -> (kind, name)


class ArrangementError(ValueError):
    """The text is not a valid arrangement; ``problems`` says why, line by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class _Line:
    kind: str
    days: list[date]
    name: str


def parse_arrangement(text: str, *, year: int) -> Days:
    """The days an arrangement text lists: date -> (kind, name).

    Raises ArrangementError naming every bad line, or when no holiday is listed
    (storing an empty year would mark it loaded with nothing in it).
    """
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise ArrangementError(
            [_("%(year)d is not a plausible year.") % {"year": year}]
        )
    problems: list[str] = []
    days: Days = {}
    first_line: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            line = _parse_line(content, year)
        except ValueError as error:
            problems.append(_at(number, str(error)))
            continue
        if repeated := [day for day in line.days if day in first_line]:
            problems.append(_repeated(number, repeated[0], first_line[repeated[0]]))
            continue
        for day in line.days:
            first_line[day] = number
            days[day] = (line.kind, line.name)
    if not problems and CalendarDayKind.HOLIDAY not in {k for k, _ in days.values()}:
        problems.append(
            _("The text lists no public holiday for %(year)d.") % {"year": year}
        )
    if problems:
        raise ArrangementError(problems)
    return dict(sorted(days.items()))


def _parse_line(content: str, year: int) -> _Line:
    words = content.split()
    kind = KINDS.get(words[0].lower())
    if kind is not None:
        words = words[1:]
    else:
        kind = CalendarDayKind.HOLIDAY
    if not words or not (match := DAYS.fullmatch(words[0])):
        raise ValueError(
            _("expected a day like 2027-02-05 or a range like 2027-02-05..2027-02-11")
        )
    first = _day(match.group(1), year)
    last = _day(match.group(2), year) if match.group(2) else first
    name = " ".join(words[1:])
    if last < first:
        raise ValueError(_("the range ends before it starts"))
    if (last - first).days >= LONGEST_RANGE:
        raise ValueError(
            _("a range of more than %(days)d days") % {"days": LONGEST_RANGE}
        )
    if len(name) > NAME_LENGTH:
        raise ValueError(
            _("a name longer than %(count)d characters") % {"count": NAME_LENGTH}
        )
    span = (last - first).days + 1
    return _Line(kind.value, [first + timedelta(d) for d in range(span)], name)


def _day(text: str, year: int) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("%(value)s is not a date") % {"value": text}) from None
    if not date(year, 1, 1) - timedelta(days=BEFORE_YEAR) <= day <= date(year, 12, 31):
        raise ValueError(
            _("%(day)s is not in %(year)d") % {"day": day.isoformat(), "year": year}
        )
    return day


def _at(number: int, problem: str) -> str:
    return _("Line %(line)d: %(problem)s.") % {"line": number, "problem": problem}


def _repeated(number: int, day: date, first: int) -> str:
    problem = _("%(day)s is already listed on line %(first)d") % {
        "day": day.isoformat(),
        "first": first,
    }
    return _at(number, problem)
