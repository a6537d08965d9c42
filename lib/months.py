"""Calendar months as the first day of each: parsing ``YYYY-MM`` and ranges.

Domain-free: which clock a month is read on (Shanghai) is the caller's.
"""

import re
from datetime import date

from .bounds import FIRST_DAY, LAST_DAY

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> date | None:
    """``2026-01`` as 2026-01-01; None for anything else or outside 2000..2099."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    month = date(int(match[1]), int(match[2]), 1)
    return month if FIRST_DAY <= month <= LAST_DAY else None


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months_to(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (or before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
