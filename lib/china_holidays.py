"""An estimate of China's statutory public holidays for a year not yet published.

The State Council publishes each year's arrangement (which days are off, which
weekend days are worked instead, 调休) in November of the year before, and the
``chinese-calendar`` package follows later still. Until then a deadline counted
in business hours must not treat Spring Festival as an open day, so this module
computes the days the law itself fixes, by the rules in force since 2025
(国务院《全国年节及纪念日放假办法》, 2024 revision):

| holiday | days | when |
|---|---|---|
| 元旦 | 1 | 1 January |
| 春节 | 4 | lunar New Year's Eve (除夕) to 正月初三 |
| 清明 | 1 | the day of the Qingming solar term |
| 劳动节 | 2 | 1–2 May |
| 端午 | 1 | 五月初五 |
| 中秋 | 1 | 八月十五 |
| 国庆节 | 3 | 1–3 October |

Lunar dates and the solar term come from ``lunar_python``; no date is typed in.
The estimate has no make-up working days and no bridging days: the published
arrangement usually makes a holiday longer, so the estimate closes too little,
never too much.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from lunar_python import Lunar, Solar

# The names the chinese-calendar package gives, so estimated and loaded days read alike.
NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午"
MID_AUTUMN = "中秋"
NATIONAL_DAY = "国庆节"


def _solar(day: Solar) -> date:
    return date(day.getYear(), day.getMonth(), day.getDay())


def _lunar(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of lunar ``year`` (a month that is not leap)."""
    return _solar(Lunar.fromYmd(year, month, day).getSolar())


def lunar_festivals(year: int) -> dict[str, date]:
    """春节 (正月初一), 端午 (五月初五) and 中秋 (八月十五) of ``year``, by name."""
    return {
        SPRING_FESTIVAL: _lunar(year, 1, 1),
        DRAGON_BOAT: _lunar(year, 5, 5),
        MID_AUTUMN: _lunar(year, 8, 15),
    }


def _qingming(year: int) -> date:
    # Qingming falls on 4–6 April; the lunar year around mid-April holds it.
    table = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()
    return _solar(table["清明"])


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


@lru_cache(maxsize=128)
def estimated_holidays(year: int) -> Mapping[date, str]:
    """The statutory public holidays of ``year``: date -> name, read-only.

    Lunar New Year of lunar year ``year`` always falls in late January or
    February of Gregorian ``year``, so its eve does too. Two holidays on one
    day (中秋 on 1 October, say) give one day named after both.
    """
    new_year = _lunar(year, 1, 1)
    ranges = [
        (NEW_YEAR, date(year, 1, 1), 1),
        (SPRING_FESTIVAL, new_year - timedelta(days=1), 4),
        (QINGMING, _qingming(year), 1),
        (LABOUR_DAY, date(year, 5, 1), 2),
        (DRAGON_BOAT, _lunar(year, 5, 5), 1),
        (MID_AUTUMN, _lunar(year, 8, 15), 1),
        (NATIONAL_DAY, date(year, 10, 1), 3),
    ]
    days: dict[date, str] = {}
    for name, first, count in ranges:
        for day in _days(first, count):
            days[day] = f"{days[day]}、{name}" if day in days else name
    return MappingProxyType(dict(sorted(days.items())))
