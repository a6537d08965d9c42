"""``{% missing_calendar_years as years %}``: the years whose calendar is not loaded.

A tag rather than view context, so every page that shows the banner (board,
policies, admin) asks in one place, and only when the banner is rendered.
"""

from django import template
from django.utils import timezone

from clocks.holiday_calendar import missing_calendar_years as missing

register = template.Library()


@register.simple_tag
def missing_calendar_years() -> list[int]:
    return missing(now=timezone.now())
