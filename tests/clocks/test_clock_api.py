"""The read-only clocks API: filters, ordering and who sees which clock."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import Clock, ClockKind, SubjectType
from clocks.sweep import clocks_sweep
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db

CLOCKS = "/api/v1/clocks/"


def accept(customer, courier, now=NOON) -> Clock:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_clocks_filter_by_state(manager_a, customer_a, courier_a):
    breached = accept(customer_a, courier_a)
    running = accept(customer_a, courier_a, now=NOON + timedelta(minutes=20))
    clocks_sweep(now=NOON + timedelta(minutes=30))
    client = api_as(manager_a)
    assert ids(client.get(CLOCKS, {"state": "running"})) == [running.pk]
    assert ids(client.get(CLOCKS, {"state": "breached"})) == [breached.pk]
    assert ids(client.get(CLOCKS)) == [breached.pk, running.pk]


def test_clocks_filter_by_due_before_and_due_after(manager_a, customer_a, courier_a):
    early = accept(customer_a, courier_a)
    late = accept(customer_a, courier_a, now=NOON + timedelta(minutes=20))
    client = api_as(manager_a)
    cut = (NOON + timedelta(minutes=40)).isoformat()
    assert ids(client.get(CLOCKS, {"due_before": cut})) == [early.pk]
    assert ids(client.get(CLOCKS, {"due_after": cut})) == [late.pk]


def test_clocks_can_be_ordered_latest_deadline_first(manager_a, customer_a, courier_a):
    early = accept(customer_a, courier_a)
    late = accept(customer_a, courier_a, now=NOON + timedelta(minutes=20))
    response = api_as(manager_a).get(CLOCKS, {"ordering": "-due_at"})
    assert ids(response) == [late.pk, early.pk]


def test_a_bad_filter_value_answers_400_in_the_one_error_shape(manager_a):
    response = api_as(manager_a).get(CLOCKS, {"state": "sleeping"})
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_manager_b_sees_none_of_outlet_a_clocks(manager_b, customer_a, courier_a):
    clock = accept(customer_a, courier_a)
    client = api_as(manager_b)
    assert ids(client.get(CLOCKS)) == []
    assert client.get(f"{CLOCKS}{clock.pk}/").status_code == 404


def test_account_manager_sees_only_their_customers_clocks(
    account_manager_a, customer_a, courier_a
):
    theirs = accept(customer_a, courier_a)
    accept(make_customer(customer_a.outlet), courier_a)
    assert ids(api_as(account_manager_a).get(CLOCKS)) == [theirs.pk]


def test_courier_sees_only_the_clocks_they_are_responsible_for(
    courier_a, customer_a, outlet_a
):
    from ..conftest import make_staff

    other_courier = make_staff("courier_a2", "courier", outlet_a)
    mine = accept(customer_a, courier_a)
    accept(customer_a, other_courier)
    assert ids(api_as(courier_a).get(CLOCKS)) == [mine.pk]


def test_clock_detail_counts_seconds_left_from_now(
    monkeypatch, manager_a, customer_a, courier_a
):
    clock = accept(customer_a, courier_a)
    monkeypatch.setattr(timezone, "now", lambda: NOON + timedelta(minutes=10))
    body = api_as(manager_a).get(f"{CLOCKS}{clock.pk}/").json()
    assert body["seconds_left"] == 20 * 60
    assert body["customer_name"] == "Fresh Fruit Co"
    assert body["responsible"] == courier_a.pk
    assert body["policy_minutes"] == 30
    assert body["state"] == "running"


def test_breached_clock_has_negative_seconds_left(
    monkeypatch, manager_a, customer_a, courier_a
):
    clock = accept(customer_a, courier_a)
    clocks_sweep(now=NOON + timedelta(minutes=30))
    monkeypatch.setattr(timezone, "now", lambda: NOON + timedelta(minutes=35))
    body = api_as(manager_a).get(f"{CLOCKS}{clock.pk}/").json()
    assert body["state"] == "breached"
    assert body["seconds_left"] == -5 * 60
    assert body["escalation_level"] == 1


def test_clocks_are_read_only(manager_a, customer_a, courier_a):
    clock = accept(customer_a, courier_a)
    client = api_as(manager_a)
    assert client.post(CLOCKS, {}, format="json").status_code == 405
    assert client.delete(f"{CLOCKS}{clock.pk}/").status_code == 405
