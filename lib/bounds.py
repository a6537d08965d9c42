"""Plausible windows for dates, instants and time-zone offsets.

A value outside these is an input error, never a row: Python's ``date`` and
``datetime`` overflow near year 9999 (a month added to 9999-12 raises), and
PostgreSQL's integer columns end at 2**31 - 1, so a value that "fits the type"
can still break every page that later reads it.
"""

from datetime import UTC, date, datetime, timedelta

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
FIRST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(2100, 1, 1, tzinfo=UTC)
# Real offsets run from UTC-12:00 to UTC+14:00.
MAX_OFFSET = timedelta(hours=14)


def is_plausible_day(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def is_plausible_offset(offset: timedelta | None) -> bool:
    # Whole minutes too: PostgreSQL refuses an offset such as +00:00:01.000001.
    return offset is None or (
        abs(offset) <= MAX_OFFSET
        and not offset.microseconds
        and not offset.seconds % 60
    )


def is_plausible_instant(instant: datetime) -> bool:
    """An aware instant between 2000 and 2099 with a real UTC offset."""
    if instant.tzinfo is None or not is_plausible_offset(instant.utcoffset()):
        return False
    return FIRST_INSTANT <= instant < LAST_INSTANT
