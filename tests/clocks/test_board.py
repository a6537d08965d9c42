"""The outlet manager's clock board: what it shows, to whom, in which order."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clocks.channels import DeliveryError
from clocks.models import Clock, ClockKind, MessageStatus, SubjectType
from clocks.outbox import deliver_due
from clocks.selectors import clock_board
from clocks.sweep import clocks_sweep
from shipments.models import PickupRequest
from shipments.pickups.services import pickup_accept, pickup_contact

from ..conftest import NOON, make_customer, make_pickup

pytestmark = pytest.mark.django_db

BOARD = "/service/board/"


@pytest.fixture
def frozen(monkeypatch):
    """Pages read the clock themselves; tests tell them what time it is."""

    def freeze(at):
        monkeypatch.setattr(timezone, "now", lambda: at)

    return freeze


def accept(customer, courier, now=NOON) -> Clock:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def pickup_of(clock: Clock) -> PickupRequest:
    return PickupRequest.objects.get(pk=clock.subject_id)


def board_page(client, user):
    client.force_login(user)
    return client.get(BOARD)


def test_board_shows_a_running_clock_to_its_outlet_manager(
    client, frozen, manager_a, customer_a, courier_a
):
    clock = accept(customer_a, courier_a)
    frozen(NOON + timedelta(minutes=5))
    response = board_page(client, manager_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-clock="{clock.pk}"' in html
    assert f'data-due="{timezone.localtime(clock.due_at).isoformat()}"' in html
    assert f"/customers/{customer_a.pk}/" in html
    assert 'data-refresh-seconds="15"' in html and 'id="live"' in html
    assert response.context["board"].counts["running"] == 1


def test_board_does_not_show_outlet_a_clocks_to_manager_b(
    client, frozen, manager_b, customer_a, courier_a
):
    clock = accept(customer_a, courier_a)
    frozen(NOON + timedelta(minutes=5))
    response = board_page(client, manager_b)
    assert response.status_code == 200
    assert f'data-clock="{clock.pk}"' not in response.content.decode()
    assert response.context["board"].counts["running"] == 0


def test_board_forbids_couriers_and_account_managers(
    client, courier_a, account_manager_a
):
    assert board_page(client, courier_a).status_code == 403
    assert board_page(client, account_manager_a).status_code == 403


def test_board_sends_anonymous_visitors_to_log_in(client):
    assert client.get(BOARD).status_code == 302


def test_clock_past_its_warning_is_highlighted(
    client, frozen, manager_a, customer_a, courier_a
):
    clock = accept(customer_a, courier_a)
    clocks_sweep(now=clock.warn_at)
    frozen(clock.warn_at + timedelta(seconds=1))
    response = board_page(client, manager_a)
    row = response.content.decode().split(f'data-clock="{clock.pk}"')[0]
    assert row.rstrip().endswith('class="table-warning"')
    assert response.context["board"].counts["warning"] == 1


def test_breached_clock_appears_in_breached_today_open_ones_first(
    client, frozen, manager_a, customer_a, courier_a
):
    met_late = accept(customer_a, courier_a)
    still_open = accept(customer_a, courier_a, now=NOON + timedelta(minutes=1))
    clocks_sweep(now=NOON + timedelta(minutes=31))
    pickup_contact(
        pickup=pickup_of(met_late),
        courier=courier_a,
        method="called",
        now=NOON + timedelta(minutes=40),
    )
    frozen(NOON + timedelta(minutes=45))
    response = board_page(client, manager_a)
    board = response.context["board"]
    assert [c.pk for c in board.breached] == [still_open.pk, met_late.pk]
    assert board.waiting == []
    assert board.counts["breached_open"] == 1
    assert board.counts["breached_today"] == 2
    assert "table-danger" in response.content.decode()


def test_a_clock_met_in_the_last_hour_shows_as_met(manager_a, customer_a, courier_a):
    clock = accept(customer_a, courier_a)
    pickup_contact(
        pickup=pickup_of(clock),
        courier=courier_a,
        method="called",
        now=NOON + timedelta(minutes=10),
    )
    board = clock_board(manager_a, now=NOON + timedelta(minutes=69))
    assert [c.pk for c in board.met] == [clock.pk]
    later = clock_board(manager_a, now=NOON + timedelta(minutes=71))
    assert later.met == []


def test_board_lists_a_dead_message_with_its_last_error(
    client, frozen, monkeypatch, manager_a, customer_a, courier_a
):
    class RefusingGateway:
        def send(self, outgoing):
            raise DeliveryError("gateway refused the number", permanent=True)

    monkeypatch.setattr("clocks.outbox.get_channel", lambda name: RefusingGateway())
    accept(customer_a, courier_a)
    clocks_sweep(now=NOON + timedelta(minutes=30))
    deliver_due(now=NOON + timedelta(minutes=30))
    frozen(NOON + timedelta(minutes=31))
    response = board_page(client, manager_a)
    [dead] = response.context["board"].dead
    assert dead.status == MessageStatus.DEAD
    assert "gateway refused the number" in response.content.decode()
    assert response.context["board"].counts["dead"] == 1


def test_hq_sees_every_outlet_and_can_narrow_to_one(
    client, frozen, hq_admin, customer_a, courier_a, customer_b, courier_b
):
    in_a = accept(customer_a, courier_a)
    in_b = accept(customer_b, courier_b)
    frozen(NOON + timedelta(minutes=5))
    client.force_login(hq_admin)
    everything = client.get(BOARD).context["board"].waiting
    assert {c.pk for c in everything} == {in_a.pk, in_b.pk}
    only_b = client.get(BOARD, {"outlet": customer_b.outlet_id}).context["board"]
    assert [c.pk for c in only_b.waiting] == [in_b.pk]


def test_board_queries_do_not_grow_with_the_number_of_clocks(
    client, frozen, manager_a, customer_a, courier_a
):
    accept(customer_a, courier_a)
    frozen(NOON + timedelta(minutes=5))
    client.force_login(manager_a)
    with CaptureQueriesContext(connection) as one:
        client.get(BOARD)
    for minute in range(1, 5):
        other = make_customer(customer_a.outlet)
        accept(other, courier_a, now=NOON + timedelta(minutes=minute))
    with CaptureQueriesContext(connection) as five:
        response = client.get(BOARD)
    assert len(response.context["board"].waiting) == 5
    assert len(five) == len(one)
