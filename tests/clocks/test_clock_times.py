"""Due times on the boards carry their date when they are not today (local time)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string

from clocks.models import Clock
from clocks.templatetags.clock_times import clock_time
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, SHANGHAI, make_pickup

# 19:50 in Shanghai: a 30-minute business-hours clock (08:00-20:00) started now
# runs out at 08:20 tomorrow.
EVENING = NOON.replace(hour=19, minute=50)


def test_a_due_time_later_today_shows_only_the_time():
    assert clock_time(NOON + timedelta(hours=3), NOON) == "15:00"


def test_a_due_time_on_another_local_day_shows_its_date():
    assert clock_time(NOON + timedelta(hours=21), NOON) == "11-19 09:00"
    assert clock_time(NOON - timedelta(hours=15), NOON) == "11-17 21:00"


def test_the_day_is_the_outlets_local_day_not_utcs():
    # 07:30 in Shanghai is still yesterday in UTC; 09:00 is the same local day.
    early = datetime(2026, 11, 18, 7, 30, tzinfo=SHANGHAI)
    assert clock_time(datetime(2026, 11, 18, 1, 0, tzinfo=UTC), early) == ("09:00")
    # 23:30 UTC on the 17th is already the 18th in Shanghai.
    late = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    assert clock_time(late, early) == "07:30"
    assert clock_time(late - timedelta(hours=8), early) == "11-17 23:30"


def test_a_due_time_in_another_year_shows_the_year():
    new_year_eve = datetime(2026, 12, 31, 22, 0, tzinfo=SHANGHAI)
    assert clock_time(new_year_eve + timedelta(hours=11), new_year_eve) == (
        "2027-01-01 09:00"
    )


def _contact_clock_due_tomorrow(customer, courier) -> Clock:
    pickup = make_pickup(customer, now=EVENING)
    pickup_accept(pickup=pickup, courier=courier, now=EVENING)
    clock = Clock.objects.get(subject_id=pickup.pk, kind="pickup_contact")
    assert clock.due_at == datetime(2026, 11, 19, 8, 20, tzinfo=SHANGHAI)
    return clock


@pytest.mark.django_db
def test_the_clock_board_dates_a_clock_due_tomorrow_and_not_one_due_today(
    customer_a, courier_a
):
    tomorrow = _contact_clock_due_tomorrow(customer_a, courier_a)
    today = _contact_clock_due_tomorrow(customer_a, courier_a)
    today.due_at = EVENING + timedelta(minutes=5)

    html = render_to_string(
        "clocks/_clock_table.html", {"clocks": [tomorrow, today], "now": EVENING}
    )

    assert "due 11-19 08:20" in html
    assert "due 19:55" in html


@pytest.mark.django_db
def test_the_courier_countdown_dates_a_clock_due_tomorrow(customer_a, courier_a):
    clock = _contact_clock_due_tomorrow(customer_a, courier_a)
    html = render_to_string(
        "shipments/_countdown.html", {"clock": clock, "now": EVENING}
    )
    assert "due 11-19 08:20" in html
    the_next_morning = EVENING + timedelta(hours=12)
    html = render_to_string(
        "shipments/_countdown.html", {"clock": clock, "now": the_next_morning}
    )
    assert "due 08:20" in html
