"""How a clock's instants read on a board: the date only when it is not today.

"09:00" on a board that runs past midnight may mean tomorrow morning, so an
instant on another local day than ``now`` carries its date. Local time is the
outlets' time zone (``TIME_ZONE``), the same one every ``|time`` filter uses.

A tag rather than a filter: a filter's argument must exist, and the courier
pages that share these snippets do not pass ``now``::

    {% clock_time clock.due_at now as due %}
"""

from datetime import datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()


@register.simple_tag
def clock_time(instant: datetime | None, now: datetime | None = None) -> str:
    """``H:i`` on ``now``'s local day, ``m-d H:i`` on another day of its year,
    ``Y-m-d H:i`` in another year. A page without ``now`` reads the clock."""
    if not instant:
        return ""
    local = timezone.localtime(instant)
    today = timezone.localtime(now or timezone.now()).date()
    if local.date() == today:
        shape = "H:i"
    elif local.year == today.year:
        shape = "m-d H:i"
    else:
        shape = "Y-m-d H:i"
    return dateformat.format(local, shape)
