"""The cold-chain excursions API: list, detail, handle, confirm."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clocks.models import Clock, ClockKind, ClockState, SubjectType
from shipments.coldchain.readings import readings_record_bulk
from shipments.models import Excursion, Problem, ProblemKind

from ..conftest import NOON, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db

URL = "/api/v1/excursions/"
SECONDS = timedelta(seconds=1)


def cold_shipment(customer):
    return make_shipment(
        customer,
        cold_chain=True,
        temperature_min_c=Decimal("0"),
        temperature_max_c=Decimal("8"),
    )


def readings(shipment, *pairs):
    rows = [
        {
            "waybill": shipment.waybill,
            "taken_at": NOON + seconds * SECONDS,
            "temperature_c": temperature,
            "unit": "C",
        }
        for seconds, temperature in pairs
    ]
    readings_record_bulk(rows, now=max(r["taken_at"] for r in rows))


def alarmed(customer) -> Excursion:
    shipment = cold_shipment(customer)
    readings(shipment, (0, 9.0), (60, 10.5), (120, 11.0))
    return Excursion.objects.get(shipment=shipment)


def suspected(customer) -> Excursion:
    shipment = cold_shipment(customer)
    readings(shipment, (0, 9.0))
    return Excursion.objects.get(shipment=shipment)


def alarm_clock(excursion) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.EXCURSION,
        subject_id=excursion.pk,
        kind=ClockKind.COLD_CHAIN_ALARM,
    )


def test_list_shows_excursions_with_their_alarm_clock(manager_a, customer_a):
    excursion = alarmed(customer_a)

    body = api_as(manager_a).get(URL).json()

    [row] = body["results"]
    assert row["id"] == excursion.pk
    assert row["waybill"] == excursion.shipment.waybill
    assert row["customer"] == customer_a.pk
    assert row["state"] == "alarmed"
    assert row["worst_temperature_c"] == "11.0"
    assert row["clock"]["kind"] == "cold_chain_alarm"
    assert row["clock"]["state"] == "running"


def test_list_filters_by_state_shipment_and_customer(manager_a, customer_a, outlet_a):
    loud = alarmed(customer_a)
    other = make_customer(outlet_a)
    quiet = suspected(other)
    api = api_as(manager_a)

    def ids(**query):
        return [row["id"] for row in api.get(URL, query).json()["results"]]

    assert ids(state="suspected") == [quiet.pk]
    assert ids(shipment=loud.shipment_id) == [loud.pk]
    assert ids(customer=other.pk) == [quiet.pk]
    assert sorted(ids()) == sorted([loud.pk, quiet.pk])


def test_list_queries_do_not_grow_with_the_number_of_excursions(
    manager_a, customer_a, outlet_a
):
    alarmed(customer_a)
    api = api_as(manager_a)
    with CaptureQueriesContext(connection) as one:
        api.get(URL)
    for _ in range(3):
        alarmed(make_customer(outlet_a))
    with CaptureQueriesContext(connection) as four:
        response = api.get(URL)
    assert len(response.json()["results"]) == 4
    assert len(four) == len(one)


def test_detail_has_the_clock_and_the_readings_around_the_excursion(
    manager_a, customer_a
):
    excursion = alarmed(customer_a)
    readings(excursion.shipment, (-3600, 3.0), (-600, 4.0))

    body = api_as(manager_a).get(f"{URL}{excursion.pk}/").json()

    assert body["clock"]["id"] == alarm_clock(excursion).pk
    assert [(r["temperature_c"], r["outside"]) for r in body["readings"]] == [
        ("4.0", False),
        ("9.0", True),
        ("10.5", True),
        ("11.0", True),
    ]


def test_handle_meets_the_alarm_clock_and_records_the_note_and_who(
    account_manager_a, customer_a
):
    excursion = alarmed(customer_a)

    response = api_as(account_manager_a).post(
        f"{URL}{excursion.pk}/handle/",
        {"note": "Called the driver; door closed."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["handling_note"] == "Called the driver; door closed."
    assert body["handled_by"] == account_manager_a.pk
    assert body["clock"]["state"] == "met"
    assert alarm_clock(excursion).state == ClockState.MET


def test_handle_without_a_note_answers_400_naming_note(manager_a, customer_a):
    excursion = alarmed(customer_a)
    api = api_as(manager_a)

    for body in ({}, {"note": ""}):
        response = api.post(f"{URL}{excursion.pk}/handle/", body, format="json")
        assert response.status_code == 400
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"}
        assert "note" in error["fields"]
    assert alarm_clock(excursion).state == ClockState.RUNNING


def test_handling_twice_answers_409_and_changes_nothing(manager_a, customer_a):
    excursion = alarmed(customer_a)
    api = api_as(manager_a)
    url = f"{URL}{excursion.pk}/handle/"
    api.post(url, {"note": "First"}, format="json")

    response = api.post(url, {"note": "Second"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    excursion.refresh_from_db()
    assert excursion.handling_note == "First"


def test_confirm_opens_a_damage_problem_and_returns_its_id(manager_a, customer_a):
    excursion = alarmed(customer_a)
    api = api_as(manager_a)

    response = api.post(f"{URL}{excursion.pk}/confirm/")

    assert response.status_code == 201
    problem = Problem.objects.get()
    assert response.json() == {"problem": problem.pk}
    assert (problem.kind, problem.shipment) == (ProblemKind.DAMAGE, excursion.shipment)
    assert api.get(f"{URL}{excursion.pk}/").json()["problem"] == problem.pk
    assert api.post(f"{URL}{excursion.pk}/confirm/").status_code == 409
    assert Problem.objects.count() == 1


def test_manager_b_gets_404_for_an_outlet_a_excursion(manager_b, customer_a):
    excursion = alarmed(customer_a)
    api = api_as(manager_b)

    assert api.get(URL).json()["results"] == []
    assert api.get(f"{URL}{excursion.pk}/").status_code == 404
    handle = api.post(f"{URL}{excursion.pk}/handle/", {"note": "x"}, format="json")
    assert handle.status_code == 404
    assert api.post(f"{URL}{excursion.pk}/confirm/").status_code == 404
    excursion.refresh_from_db()
    assert excursion.handled_at is None and excursion.problem is None


def test_couriers_are_refused(courier_a, customer_a):
    excursion = alarmed(customer_a)
    api = api_as(courier_a)

    assert api.get(URL).status_code == 403
    assert api.post(f"{URL}{excursion.pk}/confirm/").status_code == 403
