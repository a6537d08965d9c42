"""Cold-chain pages: the excursion board, one excursion, handling and confirming."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState, SubjectType
from shipments.coldchain.readings import readings_record_bulk
from shipments.models import Excursion, Problem, ProblemKind
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, make_customer, make_pickup, make_shipment

pytestmark = pytest.mark.django_db

BOARD = "/cold-chain/"
SECONDS = timedelta(seconds=1)


@pytest.fixture
def frozen(monkeypatch):
    """Pages read the clock themselves; tests tell them what time it is."""

    def freeze(at):
        monkeypatch.setattr(timezone, "now", lambda: at)

    return freeze


def cold_shipment(customer):
    return make_shipment(
        customer,
        cold_chain=True,
        temperature_min_c=Decimal("0"),
        temperature_max_c=Decimal("8"),
    )


def readings(shipment, *pairs, now=None):
    """Record (seconds after noon, °C) readings through the ingest service."""
    rows = [
        {
            "waybill": shipment.waybill,
            "taken_at": NOON + seconds * SECONDS,
            "temperature_c": temperature,
            "unit": "C",
        }
        for seconds, temperature in pairs
    ]
    at = now or max(r["taken_at"] for r in rows)
    readings_record_bulk(rows, now=at)


def alarmed(customer) -> Excursion:
    shipment = cold_shipment(customer)
    readings(shipment, (0, 9.0), (60, 10.5), (120, 11.0))
    return Excursion.objects.get(shipment=shipment)


def alarm_clock(excursion) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.EXCURSION,
        subject_id=excursion.pk,
        kind=ClockKind.COLD_CHAIN_ALARM,
    )


def logged_in(client, user):
    client.force_login(user)
    return client


def test_board_lists_an_alarmed_excursion_with_its_countdown_for_its_manager(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    clock = alarm_clock(excursion)
    frozen(NOON + timedelta(minutes=3))

    response = logged_in(client, manager_a).get(BOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert excursion.shipment.waybill in html
    assert f'data-excursion="{excursion.pk}"' in html
    assert f'data-due="{timezone.localtime(clock.due_at).isoformat()}"' in html
    assert reverse("customers:detail", args=[customer_a.pk]) in html
    assert reverse("excursions:detail", args=[excursion.pk]) in html
    assert "11.0" in html and "0.0 … 8.0 °C" in html
    assert 'data-refresh-seconds="15"' in html and 'id="live"' in html


def test_board_does_not_show_outlet_a_excursions_to_manager_b(
    client, frozen, manager_b, customer_a
):
    excursion = alarmed(customer_a)
    frozen(NOON + timedelta(minutes=3))

    response = logged_in(client, manager_b).get(BOARD)

    assert response.status_code == 200
    assert excursion.shipment.waybill not in response.content.decode()
    assert response.context["excursions"] == []


def test_board_forbids_couriers(client, courier_a):
    assert logged_in(client, courier_a).get(BOARD).status_code == 403


def test_board_shows_alarmed_cases_first_then_suspected_and_hides_handled_closed(
    client, frozen, manager_a, customer_a, outlet_a
):
    suspected = cold_shipment(customer_a)
    readings(suspected, (0, 9.0))
    alarm = alarmed(make_customer(outlet_a))
    answered = alarmed(make_customer(outlet_a))
    readings(answered.shipment, (180, 4.0))
    Excursion.objects.filter(pk=answered.pk).update(handled_at=NOON)
    frozen(NOON + timedelta(minutes=4))

    listed = logged_in(client, manager_a).get(BOARD).context["excursions"]

    assert [e.pk for e in listed] == [
        alarm.pk,
        Excursion.objects.get(shipment=suspected).pk,
    ]


def test_an_alarmed_excursion_back_in_range_stays_on_the_board_until_handled(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    readings(excursion.shipment, (180, 4.0))
    frozen(NOON + timedelta(minutes=4))

    listed = logged_in(client, manager_a).get(BOARD).context["excursions"]

    assert [e.pk for e in listed] == [excursion.pk]


def test_board_queries_do_not_grow_with_the_number_of_excursions(
    client, frozen, manager_a, customer_a, outlet_a
):
    alarmed(customer_a)
    frozen(NOON + timedelta(minutes=3))
    logged_in(client, manager_a)
    with CaptureQueriesContext(connection) as one:
        client.get(BOARD)
    for _ in range(3):
        alarmed(make_customer(outlet_a))
    with CaptureQueriesContext(connection) as four:
        response = client.get(BOARD)
    assert len(response.context["excursions"]) == 4
    assert len(four) == len(one)


def test_handling_through_the_page_meets_the_alarm_clock_and_records_who_and_what(
    client, frozen, account_manager_a, customer_a
):
    excursion = alarmed(customer_a)
    frozen(NOON + timedelta(minutes=4))
    url = reverse("excursions:handle", args=[excursion.pk])

    response = logged_in(client, account_manager_a).post(
        url, {"note": "Driver closed the door; back to 5 °C."}
    )

    assert response.status_code == 302
    assert response.url == reverse("excursions:detail", args=[excursion.pk])
    excursion.refresh_from_db()
    assert excursion.handled_at == NOON + timedelta(minutes=4)
    assert excursion.handled_by == account_manager_a
    assert excursion.handling_note == "Driver closed the door; back to 5 °C."
    clock = alarm_clock(excursion)
    assert (clock.state, clock.met_at) == (ClockState.MET, excursion.handled_at)
    page = client.get(response.url).content.decode()
    assert "Driver closed the door" in page and "am_a" in page


def test_handling_without_a_note_is_a_form_error(client, manager_a, customer_a):
    excursion = alarmed(customer_a)

    response = logged_in(client, manager_a).post(
        reverse("excursions:handle", args=[excursion.pk]), {"note": "  "}
    )

    assert response.status_code == 400
    assert response.context["handle_form"].errors["note"]
    excursion.refresh_from_db()
    assert excursion.handled_at is None


def test_handling_twice_shows_a_message_and_changes_nothing(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    url = reverse("excursions:handle", args=[excursion.pk])
    logged_in(client, manager_a)
    frozen(NOON + timedelta(minutes=4))
    client.post(url, {"note": "Called the driver."})
    frozen(NOON + timedelta(minutes=6))

    response = client.post(url, {"note": "Called again."}, follow=True)

    assert response.status_code == 200
    assert "already been handled" in response.content.decode()
    excursion.refresh_from_db()
    assert excursion.handled_at == NOON + timedelta(minutes=4)
    assert excursion.handling_note == "Called the driver."
    assert alarm_clock(excursion).met_at == NOON + timedelta(minutes=4)


def test_confirming_damage_opens_a_problem_and_goes_to_it(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    frozen(NOON + timedelta(minutes=3))

    response = logged_in(client, manager_a).post(
        reverse("excursions:confirm", args=[excursion.pk])
    )

    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("problems:detail", args=[problem.pk])
    assert (problem.kind, problem.shipment) == (ProblemKind.DAMAGE, excursion.shipment)
    excursion.refresh_from_db()
    assert excursion.problem == problem
    assert alarm_clock(excursion).state == ClockState.MET
    again = client.post(reverse("excursions:confirm", args=[excursion.pk]), follow=True)
    assert "already has a problem case" in again.content.decode()
    assert Problem.objects.count() == 1


def test_detail_shows_readings_clock_and_the_linked_problem(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    readings(excursion.shipment, (-3600, 3.0), (-600, 4.0), (180, 5.0))
    frozen(NOON + timedelta(minutes=3))
    logged_in(client, manager_a).post(
        reverse("excursions:confirm", args=[excursion.pk])
    )

    response = client.get(reverse("excursions:detail", args=[excursion.pk]))

    assert response.status_code == 200
    shown = [r.temperature_c for r in response.context["readings"]]
    assert shown == [Decimal(v) for v in ("4.0", "9.0", "10.5", "11.0", "5.0")]
    assert [r.outside for r in response.context["readings"]] == [
        False,
        True,
        True,
        True,
        False,
    ]
    html = response.content.decode()
    problem = Problem.objects.get()
    assert reverse("problems:detail", args=[problem.pk]) in html
    assert f'data-clock="{alarm_clock(excursion).pk}"' in html


def test_manager_b_gets_404_for_an_outlet_a_excursion(client, manager_b, customer_a):
    excursion = alarmed(customer_a)
    logged_in(client, manager_b)

    assert (
        client.get(reverse("excursions:detail", args=[excursion.pk])).status_code == 404
    )
    response = client.post(
        reverse("excursions:handle", args=[excursion.pk]), {"note": "Not mine"}
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("excursions:confirm", args=[excursion.pk])).status_code
        == 404
    )
    excursion.refresh_from_db()
    assert excursion.handled_at is None and excursion.problem is None


def test_clock_board_row_of_a_pickup_clock_links_to_the_pickup(
    client, frozen, manager_a, customer_a, courier_a
):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    clock = Clock.objects.get(
        subject_type=SubjectType.PICKUP, subject_id=pickup.pk, kind="pickup_contact"
    )
    frozen(NOON + timedelta(minutes=5))

    html = logged_in(client, manager_a).get("/service/board/").content.decode()

    row = html.split(f'data-clock="{clock.pk}"')[1].split("</tr>")[0]
    assert f'href="{reverse("shipments:courier-pickup", args=[pickup.pk])}"' in row


def test_clock_board_row_of_an_excursion_alarm_links_to_the_excursion(
    client, frozen, manager_a, customer_a
):
    excursion = alarmed(customer_a)
    clock = alarm_clock(excursion)
    frozen(NOON + timedelta(minutes=3))

    html = logged_in(client, manager_a).get("/service/board/").content.decode()

    row = html.split(f'data-clock="{clock.pk}"')[1].split("</tr>")[0]
    assert f'href="{reverse("excursions:detail", args=[excursion.pk])}"' in row
