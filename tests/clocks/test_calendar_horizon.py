"""The calendar horizon: a year whose official holiday arrangement is not loaded.

Its statutory holidays are estimated, every surface says so, and the State
Council's arrangement can be entered as text. Every instant is passed in or
built from ``timezone.now()``, so the tests hold whatever the process clock says.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO

import chinese_calendar
import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from clocks import holiday_calendar
from clocks.calendar_text import ArrangementError, parse_arrangement
from clocks.holiday_calendar import (
    calendar_warn_if_missing,
    calendar_year_load,
    missing_calendar_years,
    years_that_matter,
)
from clocks.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    Clock,
    ClockKind,
    SubjectType,
)
from clocks.tasks import sweep_clocks
from lib.china_holidays import estimated_holidays
from shipments.pickups.services import pickup_accept

from ..conftest import SHANGHAI, make_pickup

pytestmark = pytest.mark.django_db

# The State Council's 2027 arrangement is not published yet; this one is made up
# in its shape (ten lines) for the tests.
ARRANGEMENT_2027 = """\
# 2027 (made up for the tests)
2027-01-01..2027-01-03 元旦
2027-02-05..2027-02-11 春节   # 除夕 to 初六
workday 2027-02-14 春节
2027-04-05 清明
holiday 2027-05-01..2027-05-05 劳动节
班 2027-04-25 劳动节
2027-06-09 端午
2027-09-15 中秋
2027-10-01..2027-10-07 国庆节
workday 2027-10-09 国庆节
"""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def days(first: date, count: int) -> set[date]:
    return {first + timedelta(days=offset) for offset in range(count)}


def accept(customer, courier, now: datetime) -> Clock:
    """Accept a pickup at ``now``; its contact clock counts 30 business minutes."""
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def load_years_that_matter_now() -> list[int]:
    years = years_that_matter(timezone.now())
    for year in years:
        CalendarYear.objects.create(
            year=year, source=CalendarSource.TEXT, loaded_at=timezone.now()
        )
    return years


def admin_as(user) -> Client:
    """``user`` logged into the admin with every clocks permission."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="clocks")
    )
    client = Client()
    client.force_login(user)
    return client


def command(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    with translation.override("en"):
        call_command("load_china_calendar", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


# --- the estimate ------------------------------------------------------------


def test_estimate_closes_each_statutory_holiday_of_2027():
    assert set(estimated_holidays(2027)) == (
        {date(2027, 1, 1)}
        | days(date(2027, 2, 5), 4)  # 除夕 5 February to 正月初三 8 February
        | {date(2027, 4, 5)}  # 清明
        | days(date(2027, 5, 1), 2)
        | {date(2027, 6, 9)}  # 端午, 五月初五
        | {date(2027, 9, 15)}  # 中秋, 八月十五
        | days(date(2027, 10, 1), 3)
    )
    assert estimated_holidays(2027)[date(2027, 2, 8)] == "春节"


def test_estimate_closes_each_statutory_holiday_of_2030():
    assert set(estimated_holidays(2030)) == (
        {date(2030, 1, 1)}
        | days(date(2030, 2, 2), 4)
        | {date(2030, 4, 5)}
        | days(date(2030, 5, 1), 2)
        | {date(2030, 6, 5)}
        | {date(2030, 9, 12)}
        | days(date(2030, 10, 1), 3)
    )


@pytest.mark.parametrize("year", [2025, 2026])
def test_estimate_is_inside_the_published_arrangement_under_the_same_rules(year):
    # 2025 and 2026 follow the 2024 rules; the package holds their arrangement.
    assert all(chinese_calendar.is_holiday(day) for day in estimated_holidays(year))


def test_mid_autumn_on_national_day_is_one_day_named_for_both():
    assert estimated_holidays(2028)[date(2028, 10, 3)] == "中秋、国庆节"
    assert len(estimated_holidays(2028)) == 12


# --- clocks in a year that is not loaded --------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(date(2027, 1, 1), 9), at(date(2027, 1, 2), 8, 30)),  # 元旦
        (at(date(2027, 2, 8), 9), at(date(2027, 2, 9), 8, 30)),  # 正月初三
        (at(date(2027, 10, 1), 9), at(date(2027, 10, 4), 8, 30)),  # 国庆
    ],
)
def test_clock_started_on_an_estimated_holiday_counts_from_the_next_open_day(
    customer_a, courier_a, start, due
):
    clock = accept(customer_a, courier_a, now=start)

    assert clock.due_at == due


def test_days_typed_for_a_year_that_is_not_loaded_still_apply(customer_a, courier_a):
    CalendarDay.objects.create(
        date=date(2027, 1, 2), kind=CalendarDayKind.HOLIDAY, name="元旦"
    )

    clock = accept(customer_a, courier_a, now=at(date(2027, 1, 1), 9))

    assert clock.due_at == at(date(2027, 1, 3), 8, 30)


def test_loaded_arrangement_replaces_the_estimate_for_clocks_started_after(
    customer_a, courier_a
):
    # 9 February is open in the estimate (春节 ends on 初三) and off in the notice.
    before = accept(customer_a, courier_a, now=at(date(2027, 2, 9), 9))
    loaded_at = at(date(2027, 2, 9), 9, 5)

    calendar_year_load(
        year=2027,
        days=parse_arrangement(ARRANGEMENT_2027, year=2027),
        source=CalendarSource.TEXT,
        now=loaded_at,
    )
    after = accept(customer_a, courier_a, now=at(date(2027, 2, 9), 9, 10))

    before.refresh_from_db()
    assert before.due_at == at(date(2027, 2, 9), 9, 30)  # a running clock keeps it
    assert after.due_at == at(date(2027, 2, 12), 8, 30)
    assert missing_calendar_years(now=at(date(2027, 2, 9), 9, 10)) == []


def test_loaded_arrangement_drops_estimated_days_it_does_not_list(
    customer_a, courier_a
):
    # The notice is the law: a day the estimate closes but the notice leaves open
    # (here a made-up notice without 清明) is open once the notice is loaded.
    text = ARRANGEMENT_2027.replace("2027-04-05 清明", "")
    calendar_year_load(
        year=2027,
        days=parse_arrangement(text, year=2027),
        source=CalendarSource.TEXT,
        now=at(date(2026, 11, 20), 10),
    )

    clock = accept(customer_a, courier_a, now=at(date(2027, 4, 5), 9))

    assert clock.due_at == at(date(2027, 4, 5), 9, 30)


# --- which years matter ------------------------------------------------------


def test_next_year_matters_from_the_first_of_november_in_shanghai():
    assert years_that_matter(at(date(2026, 10, 31), 23, 59)) == [2026]
    assert years_that_matter(at(date(2026, 11, 1), 0, 0)) == [2026, 2027]
    # 16:30 UTC on 31 October is already 1 November in Shanghai.
    assert years_that_matter(datetime(2026, 10, 31, 16, 30, tzinfo=UTC)) == [2026, 2027]


def test_missing_years_are_those_that_matter_and_are_not_loaded():
    now = at(date(2026, 12, 1), 10)
    CalendarYear.objects.create(year=2026, loaded_at=now)
    CalendarYear.objects.create(year=2027)  # a row the sweep made for its warning

    assert missing_calendar_years(now=now) == [2027]


# --- the text format ---------------------------------------------------------


def test_arrangement_text_gives_holiday_ranges_and_make_up_days():
    parsed = parse_arrangement(ARRANGEMENT_2027, year=2027)

    assert parsed[date(2027, 2, 11)] == (CalendarDayKind.HOLIDAY, "春节")
    assert parsed[date(2027, 2, 14)] == (CalendarDayKind.WORKDAY, "春节")
    assert parsed[date(2027, 4, 25)] == (CalendarDayKind.WORKDAY, "劳动节")
    assert len(parsed) == 28  # 25 days off, 3 make-up working days


def test_arrangement_may_start_new_year_in_the_last_days_of_december():
    parsed = parse_arrangement("2026-12-31..2027-01-02 元旦", year=2027)

    assert set(parsed) == days(date(2026, 12, 31), 3)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2027-02-30 春节", "is not a date"),
        ("2027/02/05 春节", "expected a day like"),
        ("2027-02-11..2027-02-05 春节", "ends before it starts"),
        ("2027-01-01..2027-12-31 元旦", "more than 31 days"),
        ("2028-01-01 元旦", "is not in 2027"),
        ("workday", "expected a day like"),
        ("2027-02-06 春节", "already listed on line 2"),
    ],
)
def test_a_bad_line_is_rejected_with_its_number(line, reason):
    text = f"# 2027\n2027-02-05..2027-02-11 春节\n{line}\n2027-10-01 国庆节\n"

    with translation.override("en"), pytest.raises(ArrangementError) as error:
        parse_arrangement(text, year=2027)

    assert error.value.problems[0].startswith("Line 3: ")
    assert reason in error.value.problems[0]


def test_a_text_without_holidays_is_rejected():
    with pytest.raises(ArrangementError):
        parse_arrangement("# nothing yet\nworkday 2027-02-14\n", year=2027)


# --- manage.py load_china_calendar -------------------------------------------


def test_command_loads_a_year_from_a_file(tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(ARRANGEMENT_2027, encoding="utf-8")

    stdout, _ = command("--year", "2027", "--file", str(path))

    assert "Stored 28 calendar days for 2027" in stdout
    year = CalendarYear.objects.get(year=2027)
    assert year.loaded_at is not None
    assert year.source == CalendarSource.TEXT
    assert CalendarDay.objects.get(date=date(2027, 2, 14)).kind == "workday"


def test_command_rejects_a_file_with_a_bad_line_and_loads_nothing(tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(ARRANGEMENT_2027 + "2027-13-01 元旦\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Line 12: 2027-13-01 is not a date"):
        command("--year", "2027", "--file", str(path))

    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


def test_command_exits_non_zero_when_it_loaded_nothing_for_the_year():
    # The package knows no year this far out (1.11.0 stops at 2026).
    with pytest.raises(CommandError, match="Nothing loaded for 2099"):
        command("--year", "2099")

    assert not CalendarYear.objects.filter(loaded_at__isnull=False).exists()


def test_command_keeps_a_year_loaded_from_text_that_the_package_does_not_know(
    tmp_path,
):
    calendar_year_load(
        year=2099,
        days={date(2099, 1, 1): (CalendarDayKind.HOLIDAY, "元旦")},
        source=CalendarSource.TEXT,
        now=at(date(2098, 11, 20), 10),
    )

    _, stderr = command("--year", "2099")

    assert "stored earlier stays" in stderr


def test_command_without_a_year_only_warns_about_one_the_package_lacks(monkeypatch):
    # Deploys run it at start: a December deploy must not fail over next year.
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 12, 1))

    stdout, stderr = command()

    assert "for 2026" in stdout
    assert "no data for 2027" in stderr


def test_command_marks_a_package_year_loaded():
    command("--year", "2026")

    assert CalendarYear.objects.get(year=2026).source == CalendarSource.PACKAGE


# --- the banner on the board and the policies page -----------------------------


@pytest.mark.parametrize("page", ["clocks:board", "clocks:policies"])
def test_banner_names_a_year_that_is_not_loaded(client, manager_a, page):
    years = load_years_that_matter_now()
    CalendarYear.objects.filter(year=years[-1]).update(loaded_at=None)
    client.force_login(manager_a)

    body = client.get(reverse(page)).content.decode()

    assert f"{years[-1]} calendar not loaded: deadlines on public holidays" in body


@pytest.mark.parametrize("page", ["clocks:board", "clocks:policies"])
def test_no_banner_once_every_year_that_matters_is_loaded(client, manager_a, page):
    load_years_that_matter_now()
    client.force_login(manager_a)

    body = client.get(reverse(page)).content.decode()

    assert "calendar not loaded" not in body


def test_banner_is_translated(client, manager_a):
    year = years_that_matter(timezone.now())[0]
    client.force_login(manager_a)

    body = client.get(reverse("clocks:board"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert f"{year} 年节假日安排未载入" in body.content.decode()


# --- the admin ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["admin:index", "admin:clocks_calendarday_changelist"])
def test_admin_warns_about_a_year_that_is_not_loaded(hq_admin, page):
    year = years_that_matter(timezone.now())[0]

    body = admin_as(hq_admin).get(reverse(page)).content.decode()

    assert f"{year} calendar not loaded" in body
    assert reverse("admin:clocks_calendarday_load") in body


def test_admin_shows_no_warning_once_loaded(hq_admin):
    load_years_that_matter_now()

    body = admin_as(hq_admin).get(reverse("admin:index")).content.decode()

    assert "calendar not loaded" not in body


def test_hq_loads_a_pasted_arrangement_in_the_admin(hq_admin):
    response = admin_as(hq_admin).post(
        reverse("admin:clocks_calendarday_load"),
        {"year": "2027", "text": ARRANGEMENT_2027},
    )

    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.TEXT
    assert CalendarDay.objects.filter(date__year=2027).count() == 28


def test_load_page_offers_the_year_named_in_the_banner_link(hq_admin):
    url = reverse("admin:clocks_calendarday_load")

    response = admin_as(hq_admin).get(url, {"year": "2027"})

    assert response.status_code == 200
    assert response.context["form"]["year"].value() == 2027


def test_admin_rejects_a_pasted_bad_line_and_stores_nothing(hq_admin):
    response = admin_as(hq_admin).post(
        reverse("admin:clocks_calendarday_load"),
        {"year": "2027", "text": "2027-02-05..2027-02-11 春节\n2027-10-32 国庆节"},
    )

    assert response.status_code == 200
    assert "Line 2: 2027-10-32 is not a date" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_only_hq_may_load_an_arrangement(manager_a):
    # Even with every permission: the calendar is the whole network's.
    response = admin_as(manager_a).post(
        reverse("admin:clocks_calendarday_load"),
        {"year": "2027", "text": ARRANGEMENT_2027},
    )

    assert response.status_code == 403
    assert not CalendarYear.objects.exists()


# --- the sweep's warning ---------------------------------------------------------


def warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
        and record.name == holiday_calendar.__name__
    ]


def test_sweep_warns_about_a_missing_year_at_most_once_an_hour(caplog):
    now = at(date(2026, 12, 1), 10)
    CalendarYear.objects.create(year=2026, loaded_at=now)
    caplog.set_level(logging.WARNING)

    assert calendar_warn_if_missing(now=now) == [2027]
    assert calendar_warn_if_missing(now=now + timedelta(minutes=59)) == []
    assert calendar_warn_if_missing(now=now + timedelta(minutes=60)) == [2027]

    assert len(warnings(caplog)) == 2
    assert "2027" in warnings(caplog)[0]


def test_sweep_says_nothing_when_every_year_that_matters_is_loaded(caplog):
    now = at(date(2026, 12, 1), 10)
    for year in (2026, 2027):
        CalendarYear.objects.create(year=year, loaded_at=now)
    caplog.set_level(logging.WARNING)

    assert calendar_warn_if_missing(now=now) == []
    assert warnings(caplog) == []


def test_sweep_ticks_in_several_processes_warn_once(caplog, monkeypatch):
    caplog.set_level(logging.WARNING)
    for _process in range(3):
        # A fresh process: its own once-a-minute gate, the same database.
        monkeypatch.setattr(
            holiday_calendar, "_sweep_gate", holiday_calendar._Every(60)
        )
        sweep_clocks()
        sweep_clocks()

    assert len(warnings(caplog)) == 1


def test_sweep_tick_queries_the_calendar_once_a_minute_per_process(
    monkeypatch, django_assert_num_queries
):
    gate = holiday_calendar._Every(60)
    monkeypatch.setattr(holiday_calendar, "_sweep_gate", gate)
    holiday_calendar.calendar_check_for_sweep(now=timezone.now())

    with django_assert_num_queries(0):
        holiday_calendar.calendar_check_for_sweep(now=timezone.now())
