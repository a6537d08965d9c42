"""Business-hours arithmetic behind SLA clocks that only tick while open."""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from clocks.business_hours import (
    DayHours,
    Schedule,
    add_business_minutes,
    business_seconds_between,
    is_open,
)
from clocks.models import CalendarDay, CalendarDayKind
from clocks.schedules import schedule_for_outlet
from outlets.models import BusinessHours, Outlet

SH = ZoneInfo("Asia/Shanghai")

WEEKDAY_HOURS = DayHours(time(8, 30), time(18, 0))
LUNCH_HOURS = DayHours(time(8, 30), time(18, 0), time(12, 0), time(13, 30))
# 2026 National Day: Thu 1 – Wed 7 October off, Saturday 10 October worked.
NATIONAL_DAY = frozenset(date(2026, 10, day) for day in range(1, 8))
MAKE_UP_SATURDAY = date(2026, 10, 10)

MON_FRI = Schedule(weekly=dict.fromkeys(range(5), WEEKDAY_HOURS))
MON_FRI_LUNCH = Schedule(weekly=dict.fromkeys(range(5), LUNCH_HOURS))
NATIONAL_CALENDAR = Schedule(
    weekly=dict.fromkeys(range(5), WEEKDAY_HOURS),
    holidays=NATIONAL_DAY,
    workdays=frozenset({MAKE_UP_SATURDAY}),
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


# --- add_business_minutes ----------------------------------------------------


def test_thirty_minutes_inside_a_day_is_thirty_minutes_later():
    # Wednesday 2026-03-04
    assert add_business_minutes(at(2026, 3, 4, 10), 30, MON_FRI) == at(
        2026, 3, 4, 10, 30
    )


def test_start_before_opening_counts_from_opening():
    assert add_business_minutes(at(2026, 3, 4, 7), 30, MON_FRI) == at(2026, 3, 4, 9)


def test_start_after_closing_counts_from_next_days_opening():
    assert add_business_minutes(at(2026, 3, 4, 19), 30, MON_FRI) == at(2026, 3, 5, 9)


def test_minutes_spill_over_closing_into_next_day():
    assert add_business_minutes(at(2026, 3, 4, 17, 50), 30, MON_FRI) == at(
        2026, 3, 5, 8, 50
    )


def test_lunch_break_does_not_count():
    assert add_business_minutes(at(2026, 3, 4, 11, 50), 30, MON_FRI_LUNCH) == at(
        2026, 3, 4, 13, 50
    )


def test_start_during_lunch_break_counts_from_break_end():
    assert add_business_minutes(at(2026, 3, 4, 12, 15), 30, MON_FRI_LUNCH) == at(
        2026, 3, 4, 14
    )


def test_friday_evening_continues_on_monday_morning():
    # Friday 2026-03-06 17:50 -> Monday 2026-03-09
    assert add_business_minutes(at(2026, 3, 6, 17, 50), 30, MON_FRI) == at(
        2026, 3, 9, 8, 50
    )


def test_national_day_holidays_are_skipped():
    # Wednesday 30 September 17:50; 1–7 October closed; Thursday 8 October opens.
    assert add_business_minutes(at(2026, 9, 30, 17, 50), 30, NATIONAL_CALENDAR) == at(
        2026, 10, 8, 8, 50
    )


def test_make_up_saturday_counts_as_a_working_day():
    # Friday 9 October 17:50 -> make-up Saturday 10 October, not Monday the 12th.
    assert add_business_minutes(at(2026, 10, 9, 17, 50), 30, NATIONAL_CALENDAR) == at(
        2026, 10, 10, 8, 50
    )


def test_start_exactly_at_opening_counts_from_that_instant():
    assert add_business_minutes(at(2026, 3, 4, 8, 30), 30, MON_FRI) == at(2026, 3, 4, 9)


def test_minutes_ending_exactly_at_closing_return_the_closing_instant():
    assert add_business_minutes(at(2026, 3, 4, 17, 30), 30, MON_FRI) == at(
        2026, 3, 4, 18
    )


def test_minutes_ending_exactly_at_break_start_return_the_break_start():
    assert add_business_minutes(at(2026, 3, 4, 11, 30), 30, MON_FRI_LUNCH) == at(
        2026, 3, 4, 12
    )


def test_start_exactly_at_closing_counts_from_next_opening():
    assert add_business_minutes(at(2026, 3, 4, 18), 30, MON_FRI) == at(2026, 3, 5, 9)


def test_zero_minutes_is_the_start_itself_even_when_closed():
    assert add_business_minutes(at(2026, 3, 7, 3), 0, MON_FRI) == at(2026, 3, 7, 3)


def test_fractional_minutes_are_kept_to_the_second():
    assert add_business_minutes(at(2026, 3, 4, 10), 1.5, MON_FRI) == datetime(
        2026, 3, 4, 10, 1, 30, tzinfo=SH
    )


def test_result_is_in_the_schedule_time_zone_whatever_the_start_zone():
    start = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    result = add_business_minutes(start, 30, MON_FRI)
    assert result == at(2026, 3, 4, 10, 30)
    assert result.tzinfo == SH


def test_ten_thousand_minutes_walk_whole_days():
    # 570 minutes a weekday: 17 full days (3.4 weeks) plus 310 minutes.
    result = add_business_minutes(at(2026, 3, 2, 8, 30), 10_000, MON_FRI)
    assert result == at(2026, 3, 25, 13, 40)


def test_schedule_without_open_days_raises_value_error():
    with pytest.raises(ValueError, match="no open day"):
        add_business_minutes(at(2026, 3, 4, 10), 30, Schedule(weekly={}))


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(datetime(2026, 3, 4, 10), 30, MON_FRI)


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(at(2026, 3, 4, 10), -1, MON_FRI)


# --- business_seconds_between ------------------------------------------------


def test_seconds_between_skip_lunch_night_and_weekend():
    # Friday 11:00 -> Monday 09:00: 1h + 4.5h on Friday, 0.5h on Monday.
    seconds = business_seconds_between(
        at(2026, 3, 6, 11), at(2026, 3, 9, 9), MON_FRI_LUNCH
    )
    assert seconds == 6 * 3600


def test_seconds_between_is_zero_when_end_is_not_after_start():
    assert (
        business_seconds_between(at(2026, 3, 4, 11), at(2026, 3, 4, 10), MON_FRI) == 0
    )
    assert (
        business_seconds_between(at(2026, 3, 4, 11), at(2026, 3, 4, 11), MON_FRI) == 0
    )


def test_seconds_between_outside_hours_is_zero():
    assert business_seconds_between(at(2026, 3, 7, 9), at(2026, 3, 8, 20), MON_FRI) == 0


def test_seconds_between_on_a_schedule_that_never_opens_is_zero():
    never = Schedule(weekly={})
    assert business_seconds_between(at(2026, 3, 4, 0), at(2026, 4, 4, 0), never) == 0


def test_seconds_between_agrees_with_add_business_minutes():
    # Starts every 37 minutes over the National Day fortnight, lunch breaks
    # included: the deadline holds exactly the minutes asked for, and is the
    # earliest such instant (a second earlier falls short).
    schedule = Schedule(
        weekly=dict.fromkeys(range(5), LUNCH_HOURS),
        holidays=NATIONAL_DAY,
        workdays=frozenset({MAKE_UP_SATURDAY}),
    )
    start = at(2026, 9, 28, 0)
    while start < at(2026, 10, 12, 0):
        for minutes in (1, 30, 90, 570, 2000):
            due = add_business_minutes(start, minutes, schedule)
            assert business_seconds_between(start, due, schedule) == minutes * 60
            before = due - timedelta(seconds=1)
            assert business_seconds_between(start, before, schedule) < minutes * 60
        start += timedelta(minutes=37)


# --- is_open and Schedule ----------------------------------------------------


def test_open_from_opening_instant_until_just_before_closing():
    assert not is_open(at(2026, 3, 4, 8, 29), MON_FRI)
    assert is_open(at(2026, 3, 4, 8, 30), MON_FRI)
    assert is_open(at(2026, 3, 4, 17, 59), MON_FRI)
    assert not is_open(at(2026, 3, 4, 18), MON_FRI)


def test_closed_during_lunch_break():
    assert is_open(at(2026, 3, 4, 11, 59), MON_FRI_LUNCH)
    assert not is_open(at(2026, 3, 4, 12), MON_FRI_LUNCH)
    assert not is_open(at(2026, 3, 4, 13, 29), MON_FRI_LUNCH)
    assert is_open(at(2026, 3, 4, 13, 30), MON_FRI_LUNCH)


def test_closed_on_weekend_and_public_holiday_open_on_make_up_saturday():
    assert not is_open(at(2026, 10, 17, 10), NATIONAL_CALENDAR)  # ordinary Saturday
    assert not is_open(at(2026, 10, 1, 10), NATIONAL_CALENDAR)  # Thursday, holiday
    assert is_open(at(2026, 10, 10, 10), NATIONAL_CALENDAR)  # make-up Saturday


def test_outlet_open_at_weekends_is_closed_on_a_holiday_saturday():
    every_day = Schedule(
        weekly=dict.fromkeys(range(7), WEEKDAY_HOURS), holidays=NATIONAL_DAY
    )
    assert not is_open(at(2026, 10, 3, 10), every_day)  # Saturday of National Day
    assert is_open(at(2026, 10, 17, 10), every_day)


def test_make_up_day_uses_monday_hours():
    schedule = Schedule(
        weekly={0: DayHours(time(9), time(17)), 5: DayHours(time(10), time(12))},
        workdays=frozenset({MAKE_UP_SATURDAY}),
    )
    assert is_open(at(2026, 10, 10, 16), schedule)


def test_make_up_day_without_monday_hours_uses_first_open_weekday():
    schedule = Schedule(
        weekly={2: DayHours(time(9), time(12)), 3: DayHours(time(14), time(18))},
        workdays=frozenset({MAKE_UP_SATURDAY}),
    )
    assert schedule.hours_on(MAKE_UP_SATURDAY) == DayHours(time(9), time(12))


def test_date_both_holiday_and_make_up_day_is_a_holiday():
    schedule = Schedule(
        weekly=dict.fromkeys(range(5), WEEKDAY_HOURS),
        holidays=frozenset({MAKE_UP_SATURDAY}),
        workdays=frozenset({MAKE_UP_SATURDAY}),
    )
    assert not is_open(at(2026, 10, 10, 10), schedule)


def test_day_hours_list_intervals_around_the_break():
    assert LUNCH_HOURS.intervals() == (
        (time(8, 30), time(12)),
        (time(13, 30), time(18)),
    )
    assert WEEKDAY_HOURS.intervals() == ((time(8, 30), time(18)),)


@pytest.mark.parametrize(
    "hours",
    [
        (time(18), time(8, 30), None, None),
        (time(8, 30), time(18), time(12), None),
        (time(8, 30), time(18), time(13, 30), time(12)),
        (time(8, 30), time(18), time(8, 30), time(9)),
    ],
    ids=["closes-before-opening", "half-a-break", "break-reversed", "break-at-opening"],
)
def test_day_hours_the_database_would_refuse_are_refused(hours):
    with pytest.raises(ValueError):
        DayHours(*hours)


def test_weekday_outside_monday_to_sunday_is_refused():
    with pytest.raises(ValueError, match="weekday"):
        Schedule(weekly={7: WEEKDAY_HOURS})


def test_schedule_does_not_follow_later_changes_to_the_callers_dict():
    weekly = {0: WEEKDAY_HOURS}
    schedule = Schedule(weekly=weekly)
    weekly[5] = WEEKDAY_HOURS
    assert 5 not in schedule.weekly


# --- loading from the database -----------------------------------------------


@pytest.mark.django_db
def test_schedule_for_outlet_loads_its_hours_and_the_calendar(
    django_assert_num_queries,
):
    outlet = Outlet.objects.create(code="SH001", name="Xuhui")
    other = Outlet.objects.create(code="SH002", name="Minhang")
    BusinessHours.objects.create(
        outlet=outlet,
        weekday=0,
        opens=time(8, 30),
        closes=time(18),
        break_starts=time(12),
        break_ends=time(13, 30),
    )
    BusinessHours.objects.create(
        outlet=outlet, weekday=5, opens=time(9), closes=time(12)
    )
    BusinessHours.objects.create(outlet=other, weekday=1, opens=time(7), closes=time(9))
    CalendarDay.objects.create(date=date(2026, 10, 1), kind=CalendarDayKind.HOLIDAY)
    CalendarDay.objects.create(date=MAKE_UP_SATURDAY, kind=CalendarDayKind.WORKDAY)

    with django_assert_num_queries(3):
        schedule = schedule_for_outlet(outlet.pk)

    assert dict(schedule.weekly) == {
        0: LUNCH_HOURS,
        5: DayHours(time(9), time(12)),
    }
    assert schedule.holidays == {date(2026, 10, 1)}
    assert schedule.workdays == {MAKE_UP_SATURDAY}
    assert schedule.official_years == frozenset()  # nothing loaded: all estimated
    assert schedule.tz == SH


# --- manage.py load_china_calendar -------------------------------------------


def load_china_calendar(*years: int) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    args = [arg for year in years for arg in ("--year", str(year))]
    # English so the assertions hold once Chinese translations exist.
    with translation.override("en"):
        call_command("load_china_calendar", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_load_china_calendar_stores_holidays_and_make_up_days():
    stdout, stderr = load_china_calendar(2026)

    assert (
        CalendarDay.objects.get(date=date(2026, 10, 1)).kind == CalendarDayKind.HOLIDAY
    )
    make_up = CalendarDay.objects.get(date=MAKE_UP_SATURDAY)
    assert make_up.kind == CalendarDayKind.WORKDAY
    assert make_up.name == "国庆节"
    # Saturday 3 October is kept: outlets open at weekends close on it too.
    assert CalendarDay.objects.filter(date=date(2026, 10, 3)).exists()
    count = CalendarDay.objects.count()
    assert f"Stored {count} calendar days for 2026 ({count} new or changed)" in stdout
    assert stderr == ""


@pytest.mark.django_db
def test_load_china_calendar_twice_changes_nothing():
    load_china_calendar(2026)
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name"))

    stdout, _ = load_china_calendar(2026)

    assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name")) == before
    assert "(0 new or changed)" in stdout


@pytest.mark.django_db
def test_load_china_calendar_repairs_a_day_edited_wrongly():
    load_china_calendar(2026)
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(
        kind=CalendarDayKind.WORKDAY
    )

    stdout, _ = load_china_calendar(2026)

    assert (
        CalendarDay.objects.get(date=date(2026, 10, 1)).kind == CalendarDayKind.HOLIDAY
    )
    assert "(1 new or changed)" in stdout


@pytest.mark.django_db
def test_load_china_calendar_keeps_days_typed_into_the_admin():
    local = CalendarDay.objects.create(
        date=date(2026, 11, 11), kind=CalendarDayKind.HOLIDAY, name="Outlet anniversary"
    )

    load_china_calendar(2026)

    assert CalendarDay.objects.filter(pk=local.pk).exists()


@pytest.mark.django_db
def test_load_china_calendar_fails_for_an_unknown_year_after_loading_the_others():
    with pytest.raises(CommandError, match="2099") as failure:
        load_china_calendar(2026, 2099)

    assert "admin" in str(failure.value)
    assert not CalendarDay.objects.filter(date__year=2099).exists()
    assert CalendarDay.objects.filter(date__year=2026).exists()


@pytest.mark.django_db
def test_load_china_calendar_defaults_to_this_year_and_next(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: date(2025, 6, 1))

    stdout, _ = load_china_calendar()

    assert "for 2025" in stdout
    assert "for 2026" in stdout
