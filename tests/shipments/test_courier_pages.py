from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clocks.models import Clock, ClockKind, ClockState
from customers.services import customer_add_note
from outlets.models import Role
from shipments.models import InsuranceAnswer, PickupStatus, Shipment
from shipments.pickups.services import pickup_accept, pickup_contact, pickup_pick_up

from ..conftest import NOON, make_customer, make_pickup, make_staff

pytestmark = pytest.mark.django_db

BOARD = reverse("shipments:courier-pickups")


def detail(pickup) -> str:
    return reverse("shipments:courier-pickup", args=[pickup.pk])


def step(name: str, pickup) -> str:
    return reverse(f"shipments:pickup-{name}", args=[pickup.pk])


def contacted(customer, courier, **fields):
    pickup = pickup_accept(
        pickup=make_pickup(customer, **fields), courier=courier, now=NOON
    )
    return pickup_contact(pickup=pickup, courier=courier, method="called", now=NOON)


def test_courier_sees_own_pickups_by_time_left_then_unassigned_requests(
    client, courier_a, customer_a, outlet_a
):
    later = pickup_accept(
        pickup=make_pickup(customer_a),
        courier=courier_a,
        now=NOON + timedelta(minutes=10),
    )
    sooner = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    waiting = make_pickup(customer_a)
    colleague = make_staff("courier_a2", Role.COURIER, outlet_a)
    theirs = pickup_accept(pickup=make_pickup(customer_a), courier=colleague, now=NOON)
    client.force_login(courier_a)

    response = client.get(BOARD)

    board = response.context["board"]
    assert [p.pk for p in board.in_hand] == [sooner.pk, later.pk]
    assert [p.pk for p in board.waiting] == [waiting.pk]
    body = response.content.decode()
    assert f'data-pickup="{theirs.pk}"' not in body
    assert 'data-refresh-seconds="30"' in body
    assert 'data-due="2026-11-18T12:30:00+08:00"' in body
    assert 'data-warn="2026-11-18T12:25:00+08:00"' in body


def test_board_shows_the_priority_pickup_label_of_a_key_customer(
    client, courier_a, outlet_a
):
    key = make_customer(outlet_a, name="Big Shop", tier="key")
    pickup_accept(pickup=make_pickup(key), courier=courier_a, now=NOON)
    client.force_login(courier_a)

    body = client.get(BOARD).content.decode()

    assert "Priority pickup" in body
    assert "Key customer" in body


def test_board_reads_all_clocks_in_one_query_whatever_the_number_of_pickups(
    client, courier_a, outlet_a
):
    client.force_login(courier_a)
    pickup_accept(
        pickup=make_pickup(make_customer(outlet_a)), courier=courier_a, now=NOON
    )
    with CaptureQueriesContext(connection) as one:
        client.get(BOARD)
    for _ in range(3):
        pickup_accept(
            pickup=make_pickup(make_customer(outlet_a)), courier=courier_a, now=NOON
        )
        make_pickup(make_customer(outlet_a))
    with CaptureQueriesContext(connection) as many:
        client.get(BOARD)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_courier_of_another_outlet_gets_404_for_the_pickup_page(
    client, courier_b, customer_a
):
    client.force_login(courier_b)
    assert client.get(detail(make_pickup(customer_a))).status_code == 404


def test_courier_of_another_outlet_cannot_accept_from_the_page(
    client, courier_b, customer_a
):
    pickup = make_pickup(customer_a)
    client.force_login(courier_b)

    response = client.post(step("accept", pickup), follow=True)

    assert response.redirect_chain[-1][0] == BOARD
    assert "no longer available" in response.content.decode()
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.REQUESTED
    assert not Clock.objects.exists()


def test_pickup_page_shows_the_customer_file_and_a_tap_to_call_link(
    client, courier_a, customer_a
):
    customer_a.habits.packaging_preference = "Always the 30 cm carton"
    customer_a.habits.save()
    for day in range(1, 5):
        customer_add_note(
            customer=customer_a,
            author=None,
            text=f"Note of day {day}",
            noted_on=date(2026, 11, day),
        )
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    client.force_login(courier_a)

    body = client.get(detail(pickup)).content.decode()

    assert "Always the 30 cm carton" in body
    assert f'href="tel:{customer_a.phone}"' in body
    assert "Note of day 4" in body
    assert "Note of day 2" in body
    assert "Note of day 1" not in body
    assert 'class="countdown"' in body
    assert 'name="method" value="called"' in body


@pytest.mark.parametrize(
    ("goods", "asks"),
    [({"fragile": True}, True), ({"valuable": True}, True), ({}, False)],
)
def test_insurance_question_appears_only_for_fragile_or_valuable_goods(
    client, courier_a, customer_a, goods, asks
):
    pickup = contacted(customer_a, courier_a, **goods)
    client.force_login(courier_a)

    body = client.get(detail(pickup)).content.decode()

    assert 'name="weight_kg"' in body
    assert ('name="insurance"' in body) is asks


def test_picking_up_fragile_goods_without_an_insurance_answer_shows_the_error(
    client, courier_a, customer_a
):
    pickup = contacted(customer_a, courier_a, fragile=True)
    client.force_login(courier_a)

    response = client.post(step("pick-up", pickup), {"pieces": "1", "weight_kg": "2.5"})

    assert response.status_code == 200
    assert "insurance" in response.context["form"].errors
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.CONTACTED
    assert pickup.verified_weight_kg is None
    assert not Clock.objects.filter(kind=ClockKind.PICKUP_ENTRY).exists()


def test_a_waybill_already_in_use_is_shown_beside_the_input(
    client, courier_a, customer_a
):
    pickup = pickup_pick_up(
        pickup=contacted(customer_a, courier_a),
        courier=courier_a,
        pieces=1,
        weight_kg=2,
        insurance="",
        now=NOON,
    )
    Shipment.objects.create(
        waybill="SF100",
        customer=customer_a,
        outlet_id=customer_a.outlet_id,
        weight_kg=1,
        created_at=NOON,
    )
    client.force_login(courier_a)

    response = client.post(step("enter", pickup), {"waybill": "SF100"})

    assert response.status_code == 200
    assert response.context["form"].errors["waybill"] == ["Already in use."]
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKED_UP


def test_recording_contact_again_from_a_stale_page_shows_a_message_not_an_error(
    client, courier_a, customer_a
):
    pickup = contacted(customer_a, courier_a)
    client.force_login(courier_a)

    response = client.post(step("contact", pickup), {"method": "messaged"}, follow=True)

    assert response.status_code == 200
    assert "needs it Accepted" in response.content.decode()
    pickup.refresh_from_db()
    assert pickup.contact_method == "called"


def test_courier_walks_a_pickup_from_accept_to_entry_through_the_pages(
    client, courier_a, customer_a
):
    pickup = make_pickup(customer_a, valuable=True)
    client.force_login(courier_a)

    walk = [
        ("accept", {}),
        ("contact", {"method": "called"}),
        (
            "pick-up",
            {"pieces": "2", "weight_kg": "3.2", "insurance": InsuranceAnswer.ACCEPTED},
        ),
        ("enter", {"waybill": "SF2026111801"}),
    ]
    for name, data in walk:
        response = client.post(step(name, pickup), data)
        assert response.status_code == 302, (name, response.content)
        assert response.url == detail(pickup)

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.ENTERED
    assert pickup.courier == courier_a
    assert pickup.insurance == InsuranceAnswer.ACCEPTED
    assert pickup.shipment.waybill == "SF2026111801"
    contact = Clock.objects.get(kind=ClockKind.PICKUP_CONTACT, subject_id=pickup.pk)
    assert contact.state == ClockState.MET
    entry = Clock.objects.get(kind=ClockKind.PICKUP_ENTRY, subject_id=pickup.pk)
    assert entry.started_at == pickup.picked_up_at
    assert "Entered." in client.get(detail(pickup)).content.decode()


def test_outlet_manager_reads_the_pages_but_cannot_take_a_pickup(
    client, manager_a, courier_a, customer_a
):
    mine = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    waiting = make_pickup(customer_a)
    client.force_login(manager_a)

    board = client.get(BOARD).context["board"]
    page = client.get(detail(waiting))
    client.post(step("accept", waiting))

    assert [p.pk for p in board.in_hand] == [mine.pk]
    assert page.status_code == 200
    assert 'id="action"' not in page.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == PickupStatus.REQUESTED
