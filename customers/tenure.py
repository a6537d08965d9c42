"""Tenure (合作周期) from the cooperation start date.

new: under 3 months; stable: 3 to 12 months; loyal: over 12 months. A month
is a calendar month: from 31 January, three months later is 30 April (the day
is clamped to the end of a shorter month).
"""

import calendar
from datetime import date

from .models import Tenure


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def tenure_on(cooperation_start: date, day: date) -> str:
    # A start after ``day`` is new; checked first because a stored start near
    # year 9999 has no date three months later.
    if cooperation_start > day or day < add_months(cooperation_start, 3):
        return Tenure.NEW
    if day <= add_months(cooperation_start, 12):
        return Tenure.STABLE
    return Tenure.LOYAL


def start_bounds(tenure: str, day: date) -> dict:
    """Lookups on ``cooperation_start`` that select one tenure on ``day``.

    Inverts ``tenure_on`` so lists can filter by tenure in the database.
    """
    three_ago, twelve_ago = add_months(day, -3), add_months(day, -12)
    if tenure == Tenure.NEW:
        return {"cooperation_start__gt": three_ago}
    if tenure == Tenure.STABLE:
        return {
            "cooperation_start__lte": three_ago,
            "cooperation_start__gte": twelve_ago,
        }
    return {"cooperation_start__lt": twelve_ago}
