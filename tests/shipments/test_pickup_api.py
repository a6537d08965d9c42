from decimal import Decimal

import pytest

from clocks.models import Clock, ClockKind, ClockState
from outlets.models import Role
from shipments.models import PickupRequest, PickupStatus, Shipment
from shipments.pickups.services import pickup_accept, pickup_contact, pickup_pick_up

from ..conftest import (
    NOON,
    api_as,
    make_customer,
    make_pickup,
    make_shipment,
    make_staff,
)

pytestmark = pytest.mark.django_db

PICKUPS = "/api/v1/pickups/"
WINDOW = {
    "window_start": "2026-11-18T14:00:00+08:00",
    "window_end": "2026-11-18T16:00:00+08:00",
}


def url(pickup, step: str = "") -> str:
    return f"{PICKUPS}{pickup.pk}/" + (f"{step}/" if step else "")


def picked_up(customer, courier, **fields) -> PickupRequest:
    pickup = pickup_accept(
        pickup=make_pickup(customer, **fields), courier=courier, now=NOON
    )
    pickup_contact(pickup=pickup, courier=courier, method="called", now=NOON)
    return pickup_pick_up(
        pickup=pickup,
        courier=courier,
        pieces=1,
        weight_kg=Decimal("2"),
        insurance="",
        now=NOON,
    )


def test_manager_creates_a_pickup_at_the_customers_address(manager_a, outlet_a):
    customer = make_customer(outlet_a, address="8 Orchard Lane")

    response = api_as(manager_a).post(
        PICKUPS, {"customer": customer.pk, "fragile": True, **WINDOW}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "8 Orchard Lane"
    assert body["status"] == PickupStatus.REQUESTED
    assert body["fragile"] is True
    assert body["clocks"] == []
    assert PickupRequest.objects.get(pk=body["id"]).outlet == outlet_a


def test_creating_a_pickup_for_another_outlets_customer_names_the_customer(
    manager_a, customer_b
):
    response = api_as(manager_a).post(
        PICKUPS, {"customer": customer_b.pk, **WINDOW}, format="json"
    )

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]
    assert not PickupRequest.objects.exists()


def test_a_window_ending_before_it_starts_names_window_end(manager_a, customer_a):
    response = api_as(manager_a).post(
        PICKUPS,
        {
            "customer": customer_a.pk,
            "window_start": WINDOW["window_end"],
            "window_end": WINDOW["window_start"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "window_end" in response.json()["error"]["fields"]


def test_courier_accepts_and_gets_the_pickup_with_its_running_contact_clock(
    courier_a, customer_a
):
    pickup = make_pickup(customer_a)

    response = api_as(courier_a).post(url(pickup, "accept"), format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == PickupStatus.ACCEPTED
    assert body["courier"] == courier_a.pk
    [clock] = body["clocks"]
    assert clock["kind"] == ClockKind.PICKUP_CONTACT
    assert clock["state"] == ClockState.RUNNING
    assert clock["policy_minutes"] == 30
    assert set(clock) >= {"due_at", "warn_at", "met_at", "breached_at", "policy_label"}


def test_manager_assigns_a_courier_of_the_outlet(manager_a, courier_a, customer_a):
    pickup = make_pickup(customer_a)

    response = api_as(manager_a).post(
        url(pickup, "accept"), {"courier": courier_a.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["courier"] == courier_a.pk
    assert Clock.objects.get().responsible == courier_a


def test_manager_cannot_assign_a_courier_of_another_outlet(
    manager_a, courier_b, customer_a
):
    pickup = make_pickup(customer_a)

    response = api_as(manager_a).post(
        url(pickup, "accept"), {"courier": courier_b.pk}, format="json"
    )

    assert response.status_code == 400
    assert "courier" in response.json()["error"]["fields"]
    assert not Clock.objects.exists()


def test_a_manager_cannot_take_a_pickup_as_its_courier(manager_a, customer_a):
    pickup = make_pickup(customer_a)

    response = api_as(manager_a).post(url(pickup, "accept"), format="json")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "courier" in error["fields"]
    assert not Clock.objects.exists()


def test_courier_of_another_outlet_cannot_accept_and_no_clock_starts(
    courier_b, customer_a
):
    pickup = make_pickup(customer_a)

    response = api_as(courier_b).post(url(pickup, "accept"), format="json")

    # The pickup is invisible to them: answered like an id that does not exist.
    assert response.status_code == 404
    assert not Clock.objects.exists()
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.REQUESTED


def test_recording_contact_twice_answers_409_and_changes_nothing(courier_a, customer_a):
    pickup = make_pickup(customer_a)
    client = api_as(courier_a)
    client.post(url(pickup, "accept"), format="json")
    first = client.post(url(pickup, "contact"), {"method": "called"}, format="json")
    assert first.status_code == 200, first.content
    contacted = PickupRequest.objects.get(pk=pickup.pk)

    second = client.post(url(pickup, "contact"), {"method": "messaged"}, format="json")

    assert second.status_code == 409
    error = second.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "conflict"
    assert "status" in error["fields"]
    again = PickupRequest.objects.get(pk=pickup.pk)
    assert (again.contact_method, again.contacted_at) == (
        "called",
        contacted.contacted_at,
    )


def test_an_unknown_contact_method_names_method(courier_a, customer_a):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)

    response = api_as(courier_a).post(
        url(pickup, "contact"), {"method": "pigeon"}, format="json"
    )

    assert response.status_code == 400
    assert "method" in response.json()["error"]["fields"]


def test_picking_up_before_accepting_answers_409(courier_a, customer_a):
    pickup = make_pickup(customer_a)

    response = api_as(courier_a).post(
        url(pickup, "pick-up"), {"pieces": 1, "weight_kg": "2.0"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.REQUESTED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pieces": 1, "weight_kg": "-1"}, "weight_kg"),
        ({"pieces": 1, "weight_kg": "0"}, "weight_kg"),
        ({"pieces": 0, "weight_kg": "2"}, "pieces"),
    ],
)
def test_impossible_counts_answer_400_naming_the_field(
    courier_a, customer_a, body, field
):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=NOON)

    response = api_as(courier_a).post(url(pickup, "pick-up"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.CONTACTED


def test_fragile_goods_need_the_insurance_answer(courier_a, customer_a):
    pickup = pickup_accept(
        pickup=make_pickup(customer_a, fragile=True), courier=courier_a, now=NOON
    )
    pickup_contact(pickup=pickup, courier=courier_a, method="called", now=NOON)
    client = api_as(courier_a)

    refused = client.post(
        url(pickup, "pick-up"), {"pieces": 1, "weight_kg": "2"}, format="json"
    )
    accepted = client.post(
        url(pickup, "pick-up"),
        {"pieces": 1, "weight_kg": "2", "insurance": "accepted"},
        format="json",
    )

    assert refused.status_code == 400
    assert "insurance" in refused.json()["error"]["fields"]
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["insurance"] == "accepted"
    kinds = {c["kind"]: c["state"] for c in accepted.json()["clocks"]}
    assert kinds == {
        ClockKind.PICKUP_CONTACT: ClockState.MET,
        ClockKind.PICKUP_ENTRY: ClockState.RUNNING,
    }


def test_entering_returns_the_pickup_with_its_waybill(courier_a, customer_a):
    pickup = picked_up(customer_a, courier_a)

    response = api_as(courier_a).post(
        url(pickup, "enter"), {"waybill": "SF77"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == PickupStatus.ENTERED
    assert response.json()["waybill"] == "SF77"
    assert Shipment.objects.get(pickup=pickup).waybill == "SF77"


def test_a_waybill_already_in_use_answers_400_naming_waybill(courier_a, customer_a):
    make_shipment(customer_a, waybill="SF77")
    pickup = picked_up(customer_a, courier_a)

    response = api_as(courier_a).post(
        url(pickup, "enter"), {"waybill": "SF77"}, format="json"
    )

    assert response.status_code == 400
    assert "waybill" in response.json()["error"]["fields"]
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKED_UP


def test_manager_of_another_outlet_sees_none_of_outlet_a_pickups(manager_b, customer_a):
    pickup = make_pickup(customer_a)
    client = api_as(manager_b)

    assert client.get(PICKUPS).json()["results"] == []
    assert client.get(url(pickup)).status_code == 404


def test_courier_lists_own_and_unassigned_pickups_but_not_a_colleagues(
    courier_a, customer_a, outlet_a
):
    mine = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    waiting = make_pickup(customer_a)
    colleague = make_staff("courier_a2", Role.COURIER, outlet_a)
    pickup_accept(pickup=make_pickup(customer_a), courier=colleague, now=NOON)

    results = api_as(courier_a).get(PICKUPS).json()["results"]

    assert {row["id"] for row in results} == {mine.pk, waiting.pk}


def test_list_filters_by_status(manager_a, courier_a, customer_a):
    accepted = pickup_accept(
        pickup=make_pickup(customer_a), courier=courier_a, now=NOON
    )
    make_pickup(customer_a)

    response = api_as(manager_a).get(PICKUPS, {"status": "accepted"})

    assert [row["id"] for row in response.json()["results"]] == [accepted.pk]
    assert response.json()["results"][0]["clocks"][0]["kind"] == "pickup_contact"


def test_detail_includes_the_clocks(manager_a, courier_a, customer_a):
    pickup = picked_up(customer_a, courier_a)

    body = api_as(manager_a).get(url(pickup)).json()

    assert [c["kind"] for c in body["clocks"]] == [
        ClockKind.PICKUP_CONTACT,
        ClockKind.PICKUP_ENTRY,
    ]
    assert body["verified_weight_kg"] == "2.00"
