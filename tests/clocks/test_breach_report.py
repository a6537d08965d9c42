"""The breach report: compliance per clock, per responsible and per day."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.selectors import ReportRow, breach_report
from clocks.sweep import clocks_sweep
from outlets.models import Role
from shipments.pickups.services import pickup_accept, pickup_contact

from ..conftest import NOON, make_pickup, make_staff

pytestmark = pytest.mark.django_db

REPORT = "/service/report/"
ON_THE_DAY = {"from": "2026-11-18", "to": "2026-11-18"}


@pytest.fixture
def courier_a2(outlet_a):
    return make_staff("courier_a2", Role.COURIER, outlet_a, last_name="Second")


@pytest.fixture
def known_mix(customer_a, courier_a, courier_a2):
    """Courier A meets one contact clock in 10 minutes and has one still
    running; the second courier lets one breach."""
    met = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    pickup_contact(
        pickup=met, courier=courier_a, method="called", now=NOON + timedelta(minutes=10)
    )
    pickup_accept(pickup=make_pickup(customer_a), courier=courier_a2, now=NOON)
    clocks_sweep(now=NOON + timedelta(minutes=30))
    later = NOON + timedelta(minutes=40)
    pickup_accept(
        pickup=make_pickup(customer_a, now=later), courier=courier_a, now=later
    )


def report_page(client, user, params):
    client.force_login(user)
    return client.get(REPORT, params)


def test_report_computes_compliance_per_kind_courier_and_day(
    client, manager_a, known_mix
):
    response = report_page(client, manager_a, ON_THE_DAY)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.by_kind == [
        ReportRow(
            "Pickup contact",
            total=3,
            met_on_time=1,
            breached=1,
            still_open=1,
            compliance=50.0,
        )
    ]
    assert report.by_responsible == [
        ReportRow(
            "courier_a",
            total=2,
            met_on_time=1,
            breached=0,
            still_open=1,
            compliance=100.0,
        ),
        ReportRow(
            "courier_a2 Second",
            total=1,
            met_on_time=0,
            breached=1,
            still_open=0,
            compliance=0.0,
        ),
    ]
    assert report.by_day == [
        ReportRow(
            "2026-11-18",
            total=3,
            met_on_time=1,
            breached=1,
            still_open=1,
            compliance=50.0,
        )
    ]


def test_report_aggregates_in_the_database_one_query_per_table(
    manager_a, known_mix, django_assert_num_queries
):
    with django_assert_num_queries(3):
        breach_report(manager_a, start=NOON.date(), end=NOON.date())


def test_a_clock_met_late_before_the_sweep_still_counts_as_breached(
    manager_a, customer_a, courier_a
):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    pickup_contact(
        pickup=pickup,
        courier=courier_a,
        method="called",
        now=NOON + timedelta(minutes=31),
    )
    [row] = breach_report(manager_a, start=NOON.date(), end=NOON.date()).by_kind
    assert (row.met_on_time, row.breached, row.compliance) == (0, 1, 0.0)


def test_report_csv_has_a_header_and_the_same_rows(client, manager_a, known_mix):
    response = report_page(client, manager_a, {**ON_THE_DAY, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Grouped by",
        "Group",
        "Total",
        "Met on time",
        "Breached",
        "Still open",
        "Compliance %",
    ]
    assert rows[1:] == [
        ["Clock", "Pickup contact", "3", "1", "1", "1", "50.0"],
        ["Responsible", "courier_a", "2", "1", "0", "1", "100.0"],
        ["Responsible", "courier_a2 Second", "1", "0", "1", "0", "0.0"],
        ["Day", "2026-11-18", "3", "1", "1", "1", "50.0"],
    ]


def test_report_defaults_to_the_last_seven_days(
    client, monkeypatch, manager_a, known_mix
):
    monkeypatch.setattr(timezone, "now", lambda: NOON + timedelta(days=6))
    report = report_page(client, manager_a, {}).context["report"]
    assert report.by_kind[0].total == 3
    monkeypatch.setattr(timezone, "now", lambda: NOON + timedelta(days=7))
    assert report_page(client, manager_a, {}).context["report"].by_kind == []


def test_report_with_start_after_end_shows_a_form_error(client, manager_a):
    response = report_page(
        client, manager_a, {"from": "2026-11-19", "to": "2026-11-18"}
    )
    assert response.status_code == 200
    assert "to" in response.context["form"].errors
    assert "report" not in response.context


def test_report_with_an_invalid_date_shows_a_form_error(client, manager_a):
    response = report_page(
        client, manager_a, {"from": "2026-13-45", "to": "2026-11-18", "format": "csv"}
    )
    assert response.status_code == 200
    assert "from" in response.context["form"].errors
    assert response["Content-Type"].startswith("text/html")


def test_report_of_manager_b_does_not_count_outlet_a(client, manager_b, known_mix):
    report = report_page(client, manager_b, ON_THE_DAY).context["report"]
    assert report.by_kind == [] and report.by_responsible == []


def test_report_is_for_managers_only(client, courier_a, account_manager_a):
    assert report_page(client, courier_a, ON_THE_DAY).status_code == 403
    assert report_page(client, account_manager_a, ON_THE_DAY).status_code == 403


def test_hq_report_can_narrow_to_one_outlet(client, hq_admin, outlet_b, known_mix):
    everywhere = report_page(client, hq_admin, ON_THE_DAY).context["report"]
    assert everywhere.by_kind[0].total == 3
    only_b = report_page(client, hq_admin, {**ON_THE_DAY, "outlet": outlet_b.pk})
    assert only_b.context["report"].by_kind == []
