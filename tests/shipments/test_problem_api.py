"""The problems, shipments and progress-link API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clocks.models import ClockKind, Message, SubjectType
from clocks.services import clock_start
from customers.services import progress_link_for
from shipments.models import Milestone, Problem, ProblemStage
from shipments.problems.services import (
    problem_close,
    problem_offer_solution,
    problem_remedy,
    problem_report,
    problem_respond,
)

from ..conftest import NOON, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db


def reported(customer, *, kind="damage", now=None):
    return problem_report(
        customer=customer,
        shipment=make_shipment(customer),
        kind=kind,
        description="Box crushed",
        reported_by=None,
        now=now or timezone.now(),
    )


def closed(customer, *, liability, compensation, at):
    problem = reported(customer, now=at - timedelta(hours=1))
    problem_respond(problem=problem, note="Called", now=at)
    problem_offer_solution(problem=problem, note="Refund", now=at)
    problem_remedy(problem=problem, remedy_kind="refund", note="Refunded", now=at)
    return problem_close(
        problem=problem, liability=liability, compensation=compensation, now=at
    )


def test_api_walks_the_1530_stages_and_shows_clocks_and_timeline(customer_a, manager_a):
    api = api_as(manager_a)
    problem = reported(customer_a)
    url = f"/api/v1/problems/{problem.pk}/"
    steps = [
        ("respond", {"note": "Called the customer"}),
        ("offer-solution", {"note": "Re-ship", "handling_plan": "New box at 15:00"}),
        ("remedy", {"remedy_kind": "reshipment", "note": "Sent SF123"}),
        ("close", {"liability": "courier", "compensation": "25.50"}),
    ]
    for step, body in steps:
        response = api.post(url + step + "/", body, format="json")
        assert response.status_code == 200, response.json()
    body = api.get(url).json()
    assert body["stage"] == "closed"
    assert body["handling_plan"] == "New box at 15:00"
    assert body["compensation"] == "25.50"
    assert {c["kind"]: c["state"] for c in body["clocks"]} == {
        "problem_response": "met",
        "problem_solution": "met",
        "problem_remedy": "met",
    }
    assert [entry["stage"] for entry in body["timeline"]] == [
        "reported",
        "responded",
        "solution_offered",
        "remedied",
        "closed",
    ]


def test_a_stage_out_of_order_answers_409_in_the_error_shape_and_changes_nothing(
    customer_a, manager_a
):
    problem = reported(customer_a)
    response = api_as(manager_a).post(
        f"/api/v1/problems/{problem.pk}/close/",
        {"liability": "outlet", "compensation": "10"},
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"]
    assert "stage" in error["fields"]
    problem.refresh_from_db()
    assert (problem.stage, problem.liability) == (ProblemStage.REPORTED, "")


def test_bad_step_input_answers_400_in_the_error_shape(customer_a, manager_a):
    problem = reported(customer_a)
    response = api_as(manager_a).post(
        f"/api/v1/problems/{problem.pk}/respond/", {"note": ""}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]


def test_pause_and_resume_through_the_api(customer_a, manager_a):
    api = api_as(manager_a)
    problem = reported(customer_a)
    paused = api.post(f"/api/v1/problems/{problem.pk}/pause/").json()
    assert paused["paused_at"]
    assert {c["state"] for c in paused["clocks"]} == {"paused"}
    assert api.post(f"/api/v1/problems/{problem.pk}/pause/").status_code == 409
    resumed = api.post(f"/api/v1/problems/{problem.pk}/resume/").json()
    assert resumed["paused_at"] is None
    assert {c["state"] for c in resumed["clocks"]} == {"running"}


def test_manager_b_cannot_see_outlet_a_problems(customer_a, manager_b):
    problem = reported(customer_a)
    api = api_as(manager_b)
    assert api.get("/api/v1/problems/").json()["results"] == []
    assert api.get(f"/api/v1/problems/{problem.pk}/").status_code == 404
    response = api.post(f"/api/v1/problems/{problem.pk}/respond/", {"note": "x"})
    assert response.status_code == 404
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.REPORTED


def test_problems_filter_by_stage_kind_and_customer(customer_a, manager_a):
    other = make_customer(customer_a.outlet)
    damage = reported(customer_a)
    reported(other, kind="loss")
    problem_respond(problem=damage, note="Called", now=timezone.now())
    api = api_as(manager_a)

    def ids(query: str) -> list[int]:
        body = api.get(f"/api/v1/problems/?{query}").json()
        return [problem["id"] for problem in body["results"]]

    assert ids("stage=responded") == [damage.pk]
    assert ids("kind=damage") == [damage.pk]
    assert ids(f"customer={customer_a.pk}") == [damage.pk]
    assert len(ids("")) == 2


def test_problem_list_loads_clocks_in_one_query_whatever_the_page_size(
    customer_a, manager_a
):
    api = api_as(manager_a)
    reported(customer_a)
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/problems/")
    for _ in range(4):
        reported(customer_a)
    with CaptureQueriesContext(connection) as five:
        body = api.get("/api/v1/problems/").json()
    assert len(body["results"]) == 5
    assert all(len(p["clocks"]) == 3 for p in body["results"])
    assert len(five) == len(one)


def test_courier_reports_by_waybill_but_does_not_walk_the_stages(customer_a, courier_a):
    shipment = make_shipment(customer_a)
    api = api_as(courier_a)
    response = api.post(
        "/api/v1/problems/",
        {"waybill": shipment.waybill, "kind": "damage", "description": "Wet box"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    problem_id = response.json()["id"]
    assert Problem.objects.get(pk=problem_id).reported_by == courier_a
    step = api.post(f"/api/v1/problems/{problem_id}/respond/", {"note": "x"})
    assert step.status_code == 403


def test_reporting_on_another_outlets_waybill_is_a_field_error(customer_b, courier_a):
    shipment = make_shipment(customer_b)
    response = api_as(courier_a).post(
        "/api/v1/problems/",
        {"waybill": shipment.waybill, "kind": "damage", "description": "Wet box"},
        format="json",
    )
    assert response.status_code == 400
    assert "waybill" in response.json()["error"]["fields"]
    assert not Problem.objects.exists()


def test_delay_endpoint_tells_the_customer_and_moves_the_expected_time(
    customer_a, manager_a
):
    shipment = make_shipment(customer_a)
    new_time = timezone.now() + timedelta(hours=5)
    response = api_as(manager_a).post(
        f"/api/v1/shipments/{shipment.pk}/delay/",
        {
            "reason": "storm",
            "new_expected_at": new_time.isoformat(),
            "plan": "Held at the depot until the road opens",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["handling_plan"] == "Held at the depot until the road opens"
    assert Message.objects.filter(template="delay_notice", customer=customer_a).exists()
    shipment.refresh_from_db()
    assert shipment.expected_arrival == new_time


def test_delay_in_the_past_is_a_400_with_the_field(customer_a, manager_a):
    shipment = make_shipment(customer_a)
    response = api_as(manager_a).post(
        f"/api/v1/shipments/{shipment.pk}/delay/",
        {"reason": "storm", "new_expected_at": NOON.isoformat(), "plan": "Wait"},
        format="json",
    )
    assert response.status_code == 400
    assert "new_expected_at" in response.json()["error"]["fields"]


def test_shipments_come_with_milestones_and_clocks(customer_a, manager_a):
    shipment = make_shipment(customer_a)
    milestone = Milestone.objects.create(
        shipment=shipment,
        kind="picked_up",
        occurred_at=NOON,
        recorded_at=NOON,
        location="Outlet A",
    )
    clock_start(
        kind=ClockKind.MILESTONE_PUSH,
        subject_type=SubjectType.MILESTONE,
        subject_id=milestone.pk,
        customer=customer_a,
        responsible=None,
        now=NOON,
    )
    problem_report(
        customer=customer_a,
        shipment=shipment,
        kind="delay",
        description="Jam",
        reported_by=None,
        now=NOON,
    )
    api = api_as(manager_a)
    body = api.get(f"/api/v1/shipments/{shipment.pk}/").json()
    assert [m["kind"] for m in body["milestones"]] == ["picked_up"]
    assert sorted(c["kind"] for c in body["clocks"]) == [
        "milestone_push",
        "problem_remedy",
        "problem_response",
        "problem_solution",
    ]
    listed = api.get(f"/api/v1/shipments/?waybill={shipment.waybill}").json()
    assert len(listed["results"][0]["clocks"]) == 4


def test_shipments_are_scoped_to_the_outlet(customer_a, manager_b):
    shipment = make_shipment(customer_a)
    api = api_as(manager_b)
    assert api.get("/api/v1/shipments/").json()["results"] == []
    assert api.get(f"/api/v1/shipments/{shipment.pk}/").status_code == 404
    response = api.post(
        f"/api/v1/shipments/{shipment.pk}/delay/",
        {"reason": "x", "new_expected_at": NOON.isoformat(), "plan": "y"},
        format="json",
    )
    assert response.status_code == 404


def test_summary_adds_up_liability_and_compensation_per_outlet_and_month(
    customer_a, customer_b, manager_a, hq_admin
):
    november = NOON
    closed(customer_a, liability="courier", compensation=Decimal("50"), at=november)
    closed(customer_a, liability="courier", compensation=Decimal("20.5"), at=november)
    closed(customer_a, liability="linehaul", compensation=Decimal("30"), at=november)
    closed(customer_b, liability="outlet", compensation=Decimal("7"), at=november)
    closed(
        customer_a,
        liability="courier",
        compensation=Decimal("999"),
        at=NOON + timedelta(days=30),
    )
    reported(customer_a, now=november)  # open: not in the money yet

    body = api_as(hq_admin).get("/api/v1/problems/summary/?month=2026-11").json()
    assert body["month"] == "2026-11"
    by_code = {row["outlet_code"]: row for row in body["outlets"]}
    assert by_code["A"]["problems"] == 3
    assert by_code["A"]["compensation"] == "100.50"
    assert {
        p["liability"]: p["compensation"] for p in by_code["A"]["by_liability"]
    } == {
        "courier": "70.50",
        "linehaul": "30.00",
    }
    assert by_code["B"]["compensation"] == "7.00"

    mine = api_as(manager_a).get("/api/v1/problems/summary/?month=2026-11").json()
    assert [row["outlet_code"] for row in mine["outlets"]] == ["A"]
    december = api_as(manager_a).get("/api/v1/problems/summary/?month=2026-12").json()
    assert december["outlets"][0]["compensation"] == "999.00"


def test_summary_is_for_managers_and_checks_the_month(
    customer_a, account_manager_a, manager_a
):
    assert api_as(account_manager_a).get("/api/v1/problems/summary/").status_code == 403
    response = api_as(manager_a).get("/api/v1/problems/summary/?month=2026-13")
    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_rotating_a_progress_link_through_the_api(client, customer_a, manager_a):
    old = progress_link_for(customer_a, now=NOON)
    response = api_as(manager_a).post(
        "/api/v1/progress-links/rotate/", {"customer": customer_a.pk}, format="json"
    )
    assert response.status_code == 200
    new_url = response.json()["url"]
    assert old.token not in new_url
    assert client.get(f"/p/{old.token}/").status_code == 404
    assert client.get("/p/" + new_url.rsplit("/p/", 1)[1]).status_code == 200


def test_progress_link_rotation_is_scoped_and_not_for_couriers(
    customer_a, manager_b, courier_a
):
    body = {"customer": customer_a.pk}
    url = "/api/v1/progress-links/rotate/"
    response = api_as(manager_b).post(url, body, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]
    assert api_as(courier_a).post(url, body, format="json").status_code == 403
