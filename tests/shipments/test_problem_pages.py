"""Problem pages: the courier's report, the manager's board, detail and summary."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clocks.models import Clock, Message
from shipments.models import Problem, ProblemStage
from shipments.problems.services import (
    problem_close,
    problem_offer_solution,
    problem_remedy,
    problem_report,
    problem_respond,
)

from ..conftest import NOON, make_shipment

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def reported(customer, *, now=None, description="Box crushed"):
    return problem_report(
        customer=customer,
        shipment=make_shipment(customer),
        kind="damage",
        description=description,
        reported_by=None,
        now=now or timezone.now(),
    )


def test_courier_reports_damage_from_the_phone_page(client, customer_a, courier_a):
    shipment = make_shipment(customer_a)
    page = logged_in(client, courier_a).get(reverse("problems:report"))
    assert page.status_code == 200
    assert b"btn-tap" in page.content
    response = client.post(
        reverse("problems:report"),
        {
            "form": "report",
            "waybill": shipment.waybill,
            "kind": "damage",
            "description": "Outer box soaked, corner crushed",
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert (problem.shipment, problem.kind, problem.reported_by) == (
        shipment,
        "damage",
        courier_a,
    )
    assert Clock.objects.filter(subject_id=problem.pk).count() == 3
    assert b"reported on waybill" in client.get(response.url).content


def test_an_unknown_waybill_is_a_form_error_not_a_problem(
    client, customer_b, courier_a
):
    elsewhere = make_shipment(customer_b)
    response = logged_in(client, courier_a).post(
        reverse("problems:report"),
        {
            "form": "report",
            "waybill": elsewhere.waybill,
            "kind": "loss",
            "description": "Gone",
        },
    )
    assert response.status_code == 200
    assert b"No shipment with this waybill here." in response.content
    assert not Problem.objects.exists()


def test_a_delay_reported_on_the_page_tells_the_customer_at_once(
    client, customer_a, manager_a
):
    shipment = make_shipment(customer_a)
    new_time = timezone.localtime() + timedelta(hours=4)
    response = logged_in(client, manager_a).post(
        reverse("problems:report"),
        {
            "form": "delay",
            "waybill": shipment.waybill,
            "reason": "storm on the G15",
            "new_expected_at": new_time.strftime("%Y-%m-%dT%H:%M"),
            "plan": "Held at Jiaxing depot; leaves when the road opens",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("problems:detail", args=[problem.pk])
    assert problem.handling_plan == "Held at Jiaxing depot; leaves when the road opens"
    assert Message.objects.filter(template="delay_notice").count() == 1


def test_board_lists_open_problems_by_stage_with_countdowns_and_owner(
    client, customer_a, manager_a, account_manager_a
):
    now = timezone.now()
    newer = reported(customer_a, now=now, description="newer")
    older = reported(customer_a, now=now - timedelta(minutes=5), description="older")
    answered = reported(customer_a, now=now, description="answered")
    problem_respond(problem=answered, note="Called", now=now)
    done = reported(customer_a, now=now, description="done")
    _walk_to_closed(done, now)

    page = logged_in(client, manager_a).get(reverse("problems:board"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-refresh-seconds="15"' in html
    assert 'id="live"' in html
    assert html.count('class="countdown"') == 3
    assert "data-warn=" in html
    assert html.index(f"#{older.pk} ") < html.index(f"#{newer.pk} ")
    assert html.index(f"#{newer.pk} ") < html.index(f"#{answered.pk} ")
    assert f"#{done.pk} " not in html
    assert str(account_manager_a) in html


def test_board_loads_clocks_in_one_query_whatever_the_number_of_problems(
    client, customer_a, manager_a
):
    logged_in(client, manager_a)
    reported(customer_a)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("problems:board"))
    for _ in range(5):
        reported(customer_a)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("problems:board"))
    assert len(six) == len(one)


def test_couriers_do_not_get_the_board(client, courier_a):
    assert (
        logged_in(client, courier_a).get(reverse("problems:board")).status_code == 403
    )


def test_detail_shows_the_one_next_step_and_records_the_response(
    client, customer_a, manager_a
):
    problem = reported(customer_a)
    url = reverse("problems:detail", args=[problem.pk])
    page = logged_in(client, manager_a).get(url)
    assert b"Record the response" in page.content
    assert b"Record the remedy" not in page.content
    response = client.post(
        reverse("problems:act", args=[problem.pk, "respond"]),
        {"note": "Called, a new set goes out today"},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.RESPONDED
    page = client.get(url)
    assert b"Offer a first solution" in page.content
    assert b"Called, a new set goes out today" in page.content


def test_a_step_out_of_order_on_the_page_is_a_message_not_a_server_error(
    client, customer_a, manager_a
):
    problem = reported(customer_a)
    response = logged_in(client, manager_a).post(
        reverse("problems:act", args=[problem.pk, "remedy"]),
        {"remedy_kind": "claim", "note": "Paid"},
        follow=True,
    )
    assert response.status_code == 200
    assert "this step needs" in response.content.decode()
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.REPORTED


def test_closing_with_negative_compensation_shows_the_form_error(
    client, customer_a, manager_a
):
    problem = reported(customer_a)
    now = timezone.now()
    problem_respond(problem=problem, note="Called", now=now)
    problem_offer_solution(problem=problem, note="Refund", now=now)
    problem_remedy(problem=problem, remedy_kind="refund", note="Refunded", now=now)
    response = logged_in(client, manager_a).post(
        reverse("problems:act", args=[problem.pk, "close"]),
        {"liability": "outlet", "compensation": "-5"},
    )
    assert response.status_code == 200
    assert b"is-invalid" in response.content or b"invalid-feedback" in response.content
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.REMEDIED


def test_pause_and_resume_buttons(client, customer_a, manager_a):
    problem = reported(customer_a)
    logged_in(client, manager_a)
    client.post(reverse("problems:act", args=[problem.pk, "pause"]))
    problem.refresh_from_db()
    assert problem.paused_at is not None
    page = client.get(reverse("problems:detail", args=[problem.pk]))
    assert b"Resume: the customer answered" in page.content
    client.post(reverse("problems:act", args=[problem.pk, "resume"]))
    problem.refresh_from_db()
    assert problem.paused_at is None


def test_manager_b_cannot_see_outlet_a_problems_on_pages(client, customer_a, manager_b):
    problem = reported(customer_a, description="secret of outlet A")
    logged_in(client, manager_b)
    assert client.get(reverse("problems:detail", args=[problem.pk])).status_code == 404
    response = client.post(
        reverse("problems:act", args=[problem.pk, "respond"]), {"note": "x"}
    )
    assert response.status_code == 404
    assert b"secret of outlet A" not in client.get(reverse("problems:board")).content


def test_summary_page_shows_liability_and_compensation_per_outlet(
    client, customer_a, manager_a
):
    problem = reported(customer_a, now=NOON)
    problem_respond(problem=problem, note="Called", now=NOON)
    problem_offer_solution(problem=problem, note="Refund", now=NOON)
    problem_remedy(problem=problem, remedy_kind="refund", note="Refunded", now=NOON)
    problem_close(
        problem=problem, liability="linehaul", compensation=Decimal("42"), now=NOON
    )
    page = logged_in(client, manager_a).get(
        reverse("problems:summary") + "?month=2026-11"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Linehaul" in html
    assert "42.00" in html


def _walk_to_closed(problem, now):
    problem_respond(problem=problem, note="Called", now=now)
    problem_offer_solution(problem=problem, note="Refund", now=now)
    problem_remedy(problem=problem, remedy_kind="refund", note="Refunded", now=now)
    problem_close(problem=problem, liability="outlet", compensation=Decimal(0), now=now)
