import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState, Message, SubjectType
from clocks.sweep import clocks_sweep
from outlets.errors import StateConflict
from shipments.coldchain.excursions import excursion_confirm, excursion_handle
from shipments.coldchain.readings import reading_record, readings_record_bulk
from shipments.models import (
    ColdChainReading,
    Excursion,
    ExcursionState,
    ProblemKind,
)

from ..conftest import NOON, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db

URL = "/api/v1/shipments/readings/"
SECONDS = timedelta(seconds=1)


@pytest.fixture
def cold(customer_a):
    return make_shipment(
        customer_a,
        cold_chain=True,
        temperature_min_c=Decimal("0"),
        temperature_max_c=Decimal("8"),
        humidity_min_pct=Decimal("80"),
        humidity_max_pct=Decimal("95"),
    )


def reading(shipment, seconds, temperature, humidity=88, unit="C"):
    return {
        "waybill": shipment.waybill,
        "taken_at": NOON + seconds * SECONDS,
        "temperature_c": temperature,
        "humidity_pct": humidity,
        "unit": unit,
    }


def record(*readings, now=None):
    at = now or max(r["taken_at"] for r in readings)
    return readings_record_bulk(list(readings), now=at)


def alarm_clock():
    return Clock.objects.get(kind=ClockKind.COLD_CHAIN_ALARM)


def test_one_noisy_reading_then_back_in_range_never_alarms(cold):
    record(reading(cold, 0, 4.0), reading(cold, 30, 11.5), reading(cold, 60, 4.2))

    excursion = Excursion.objects.get()
    assert excursion.state == ExcursionState.CLOSED
    assert excursion.alarmed_at is None
    assert excursion.ended_at == NOON + 60 * SECONDS
    assert not Clock.objects.filter(kind=ClockKind.COLD_CHAIN_ALARM).exists()
    assert not Message.objects.filter(template="cold_chain_alarm").exists()


def test_out_of_range_shorter_than_the_minimum_stays_suspected(cold):
    record(reading(cold, 0, 9.0), reading(cold, 60, 9.5), reading(cold, 119, 9.8))

    excursion = Excursion.objects.get()
    assert excursion.state == ExcursionState.SUSPECTED
    assert excursion.worst_temperature_c == Decimal("9.8")
    assert not Clock.objects.exists()


def test_out_of_range_for_the_minimum_duration_alarms_with_a_5_minute_clock(
    cold, account_manager_a, manager_a
):
    record(reading(cold, 0, 9.0), reading(cold, 60, 9.5))
    record(reading(cold, 120, 9.1), now=NOON + 125 * SECONDS)

    excursion = Excursion.objects.get()
    assert excursion.state == ExcursionState.ALARMED
    assert excursion.alarmed_at == NOON + 125 * SECONDS
    clock = alarm_clock()
    assert (clock.subject_type, clock.subject_id) == (
        SubjectType.EXCURSION,
        excursion.pk,
    )
    assert clock.due_at == NOON + 125 * SECONDS + timedelta(minutes=5)
    assert clock.responsible == account_manager_a
    alerts = Message.objects.filter(template="cold_chain_alarm")
    assert {m.staff for m in alerts} == {account_manager_a, manager_a}
    assert cold.waybill in alerts.first().text_en


def test_humidity_out_of_range_alarms_too(cold):
    record(*[reading(cold, s, 4.0, humidity=99) for s in (0, 60, 120)])
    assert Excursion.objects.get().state == ExcursionState.ALARMED


def test_the_minimum_duration_is_a_setting(cold, settings):
    settings.COLD_CHAIN_MIN_EXCURSION_SECONDS = 600
    record(*[reading(cold, s, 12.0) for s in (0, 120, 300)])
    assert Excursion.objects.get().state == ExcursionState.SUSPECTED
    record(reading(cold, 600, 12.0))
    assert Excursion.objects.get().state == ExcursionState.ALARMED


def test_without_an_account_manager_the_outlet_manager_is_responsible(
    outlet_a, manager_a
):
    customer = make_customer(outlet_a)
    shipment = make_shipment(customer, cold_chain=True, temperature_max_c=Decimal("8"))
    record(*[reading(shipment, s, 15.0) for s in (0, 60, 120)])
    assert alarm_clock().responsible == manager_a


def test_back_in_range_closes_but_the_alarm_clock_runs_until_handled(cold, manager_a):
    record(*[reading(cold, s, 10.0) for s in (0, 60, 120)])
    record(reading(cold, 180, 5.0))

    excursion = Excursion.objects.get()
    assert excursion.state == ExcursionState.CLOSED
    assert excursion.ended_at == NOON + 180 * SECONDS
    assert alarm_clock().state == ClockState.RUNNING
    assert clocks_sweep(now=NOON + 120 * SECONDS + timedelta(minutes=5)).breached == 1


def test_a_new_excursion_after_closing_is_a_new_case(cold):
    record(reading(cold, 0, 10.0), reading(cold, 30, 5.0), reading(cold, 60, -2.0))

    states = list(
        Excursion.objects.order_by("started_at").values_list("state", flat=True)
    )
    assert states == [ExcursionState.CLOSED, ExcursionState.SUSPECTED]


def test_handling_meets_the_alarm_clock_and_notes_what_was_done(
    cold, account_manager_a
):
    record(*[reading(cold, s, 10.0) for s in (0, 60, 120)])
    excursion = Excursion.objects.get()

    excursion_handle(
        excursion=excursion,
        by=account_manager_a,
        note="Called the driver: door left open, closed now.",
        now=NOON + timedelta(minutes=4),
    )

    clock = alarm_clock()
    assert clock.state == ClockState.MET
    assert clock.met_at == NOON + timedelta(minutes=4)
    assert cold.customer.notes.filter(text__contains="door left open").exists()
    with pytest.raises(StateConflict):
        excursion_handle(
            excursion=excursion,
            by=account_manager_a,
            note="again",
            now=NOON + timedelta(minutes=5),
        )


def test_confirming_opens_a_damage_problem_linked_to_the_excursion(
    cold, account_manager_a
):
    record(*[reading(cold, s, 10.0) for s in (0, 60, 120)])
    excursion = Excursion.objects.get()

    problem = excursion_confirm(
        excursion=excursion, by=account_manager_a, now=NOON + timedelta(minutes=3)
    )

    excursion.refresh_from_db()
    assert excursion.problem == problem
    assert excursion.handled_by == account_manager_a
    assert problem.kind == ProblemKind.DAMAGE
    assert problem.shipment == cold
    assert cold.waybill in problem.description and "10.0" in problem.description
    assert Clock.objects.filter(
        kind=ClockKind.PROBLEM_RESPONSE, subject_id=problem.pk
    ).exists()
    assert alarm_clock().state == ClockState.MET
    with pytest.raises(StateConflict):
        excursion_confirm(excursion=excursion, by=account_manager_a, now=NOON)


def test_bad_readings_are_rejected_one_by_one_while_the_others_are_stored(
    manager_a, cold
):
    # The endpoint takes the real clock as now: readings from an hour ago.
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    body = {
        "readings": [
            {**reading(cold, 0, 4.0), "taken_at": start.isoformat()},
            {
                "waybill": cold.waybill,
                "taken_at": (start + SECONDS).isoformat(),
                "temperature_c": 4.0,
            },
            {**reading(cold, 2, -300), "taken_at": (start + 2 * SECONDS).isoformat()},
            {
                **reading(cold, 3, 4.0, humidity=140),
                "taken_at": (start + 3 * SECONDS).isoformat(),
            },
            {
                **reading(cold, 4, 4.0),
                "waybill": "NOPE",
                "taken_at": (start + 4 * SECONDS).isoformat(),
            },
            {
                **reading(cold, 5, 41.0, unit="F"),
                "taken_at": (start + 5 * SECONDS).isoformat(),
            },
            {**reading(cold, 0, 4.0), "taken_at": start.isoformat()},
        ]
    }

    response = api_as(manager_a).post(
        URL, json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
        "duplicate",
    ]
    assert list(results[1]["errors"]) == ["unit"]
    assert list(results[2]["errors"]) == ["temperature_c"]
    assert list(results[3]["errors"]) == ["humidity_pct"]
    assert list(results[4]["errors"]) == ["waybill"]
    assert list(ColdChainReading.objects.values_list("temperature_c", flat=True)) == [
        Decimal("4.0"),
        Decimal("5.0"),
    ]


def test_readings_endpoint_refuses_a_malformed_body_in_the_one_error_shape(
    manager_a,
):
    response = api_as(manager_a).post(URL, {"readings": {"a": 1}}, format="json")
    assert response.status_code == 400
    assert "readings" in response.json()["error"]["fields"]


def test_reading_record_stores_one_reading_once(cold):
    first = reading_record(
        shipment=cold, taken_at=NOON, temperature_c=Decimal("4"), now=NOON
    )
    again = reading_record(
        shipment=cold, taken_at=NOON, temperature_c=Decimal("4"), now=NOON
    )
    assert first[1] and not again[1]
    assert first[0] == again[0]
