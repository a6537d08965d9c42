"""The 1530 rule through the services: stages, clocks, pause, delay notices."""

from datetime import timedelta
from decimal import Decimal

import pytest

from clocks import outbox
from clocks.models import Clock, ClockKind, ClockState, Message, SubjectType
from clocks.services import clock_for
from clocks.sweep import clocks_sweep
from outlets.errors import DomainError, StateConflict
from shipments.models import Problem, ProblemStage, ShipmentStatus
from shipments.problems.services import (
    problem_close,
    problem_offer_solution,
    problem_pause,
    problem_remedy,
    problem_report,
    problem_respond,
    problem_resume,
    shipment_report_delay,
)

from ..conftest import NOON, make_shipment

pytestmark = pytest.mark.django_db


def minutes(n: float):
    return NOON + timedelta(minutes=n)


def report(customer, reporter=None, now=NOON, kind="damage"):
    return problem_report(
        customer=customer,
        shipment=make_shipment(customer),
        kind=kind,
        description="Outer box crushed, a teacup broken",
        reported_by=reporter,
        now=now,
    )


def clock(problem, kind) -> Clock:
    return clock_for(SubjectType.PROBLEM, problem.pk, kind)


def test_reporting_a_problem_starts_the_three_1530_clocks(customer_a, courier_a):
    problem = report(customer_a, courier_a)
    due = {
        kind: clock(problem, kind).due_at
        for kind in (
            ClockKind.PROBLEM_RESPONSE,
            ClockKind.PROBLEM_SOLUTION,
            ClockKind.PROBLEM_REMEDY,
        )
    }
    assert due == {
        ClockKind.PROBLEM_RESPONSE: minutes(10),
        ClockKind.PROBLEM_SOLUTION: minutes(50),
        ClockKind.PROBLEM_REMEDY: minutes(180),
    }
    assert problem.owner == customer_a.account_manager


def test_problem_walks_the_stages_in_order_and_meets_every_clock(
    customer_a, courier_a, manager_a
):
    problem = report(customer_a, courier_a)
    problem_respond(problem=problem, note="Called, apologised", now=minutes(9))
    problem_offer_solution(
        problem=problem,
        note="Offered a re-shipment today",
        handling_plan="A new tea set leaves at 15:00",
        now=minutes(45),
    )
    problem_remedy(
        problem=problem, remedy_kind="reshipment", note="Re-sent", now=minutes(170)
    )
    problem_close(
        problem=problem,
        liability="courier",
        compensation=Decimal("80"),
        now=minutes(200),
    )
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.CLOSED
    assert problem.handling_plan == "A new tea set leaves at 15:00"
    assert (problem.liability, problem.compensation) == ("courier", Decimal("80"))
    states = set(
        Clock.objects.filter(subject_id=problem.pk).values_list("state", flat=True)
    )
    assert states == {ClockState.MET}
    assert clocks_sweep(now=minutes(600)).breached == 0
    assert Message.objects.filter(template="problem_response").count() == 1


def test_a_stage_out_of_order_is_refused_and_nothing_changes(customer_a):
    problem = report(customer_a)
    with pytest.raises(StateConflict):
        problem_remedy(
            problem=problem, remedy_kind="claim", note="Paid", now=minutes(5)
        )
    with pytest.raises(StateConflict):
        problem_close(
            problem=problem, liability="outlet", compensation=Decimal(1), now=NOON
        )
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.REPORTED
    assert (problem.remedy_kind, problem.remedied_at) == ("", None)
    assert clock(problem, ClockKind.PROBLEM_REMEDY).state == ClockState.RUNNING


def test_response_clock_breaches_at_10_minutes(customer_a, manager_a):
    problem = report(customer_a)
    assert clocks_sweep(now=minutes(9.99)).breached == 0
    assert clocks_sweep(now=minutes(10)).breached == 1
    assert clock(problem, ClockKind.PROBLEM_RESPONSE).state == ClockState.BREACHED
    assert Message.objects.get(template="clock_breach").staff == manager_a


def test_solution_clock_breaches_at_50_minutes(customer_a, manager_a):
    problem = report(customer_a)
    problem_respond(problem=problem, note="Called", now=minutes(3))
    assert clocks_sweep(now=minutes(49.99)).breached == 0
    assert clocks_sweep(now=minutes(50)).breached == 1
    assert clock(problem, ClockKind.PROBLEM_SOLUTION).state == ClockState.BREACHED


def test_remedy_clock_breaches_at_180_minutes(customer_a, manager_a):
    problem = report(customer_a)
    problem_respond(problem=problem, note="Called", now=minutes(3))
    problem_offer_solution(problem=problem, note="Re-ship", now=minutes(20))
    assert clocks_sweep(now=minutes(179.99)).breached == 0
    assert clocks_sweep(now=minutes(180)).breached == 1
    assert clock(problem, ClockKind.PROBLEM_REMEDY).state == ClockState.BREACHED


def test_a_late_step_still_moves_on_and_the_clock_stays_breached(customer_a):
    problem = report(customer_a)
    clocks_sweep(now=minutes(11))
    problem_respond(problem=problem, note="Sorry for the wait", now=minutes(12))
    response = clock(problem, ClockKind.PROBLEM_RESPONSE)
    assert response.state == ClockState.BREACHED
    assert response.met_at == minutes(12)


def test_pausing_stops_the_clocks_and_resuming_shifts_their_due_times(customer_a):
    problem = report(customer_a)
    problem_pause(problem=problem, now=minutes(5))
    assert clocks_sweep(now=minutes(30)).breached == 0
    problem_resume(problem=problem, now=minutes(35))
    response = clock(problem, ClockKind.PROBLEM_RESPONSE)
    assert response.due_at == minutes(40)
    assert clock(problem, ClockKind.PROBLEM_REMEDY).due_at == minutes(210)
    assert clocks_sweep(now=minutes(39.99)).breached == 0
    assert clocks_sweep(now=minutes(40)).breached == 1


def test_a_paused_problem_must_be_resumed_before_the_next_step(customer_a):
    problem = report(customer_a)
    problem_pause(problem=problem, now=minutes(2))
    with pytest.raises(StateConflict):
        problem_respond(problem=problem, note="Called", now=minutes(3))
    with pytest.raises(StateConflict):
        problem_pause(problem=problem, now=minutes(3))
    problem_resume(problem=problem, now=minutes(4))
    problem_respond(problem=problem, note="Called", now=minutes(5))
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.RESPONDED


def test_offering_a_solution_sets_the_handling_plan_only_when_given(customer_a):
    problem = report(customer_a)
    problem_respond(problem=problem, note="Called", now=minutes(3))
    problem_offer_solution(problem=problem, note="Refund offered", now=minutes(4))
    problem.refresh_from_db()
    assert problem.handling_plan == ""
    assert problem.solution_note == "Refund offered"


def test_delay_report_tells_the_customer_at_once_with_new_time_and_plan(
    customer_a, manager_a
):
    shipment = make_shipment(customer_a, expected_arrival=minutes(60))
    new_time = minutes(60 * 6)
    problem = shipment_report_delay(
        shipment=shipment,
        reason="a 3-hour motorway jam",
        new_expected_at=new_time,
        plan="The driver takes the ring road; video on request",
        reported_by=manager_a,
        now=NOON,
    )
    notice = Message.objects.get(template="delay_notice", customer=customer_a)
    assert notice.next_attempt_at == NOON
    assert "a 3-hour motorway jam" in notice.text_en
    assert "2026-11-18 18:00" in notice.text_en
    assert "ring road" in notice.text_zh
    shipment.refresh_from_db()
    assert shipment.expected_arrival == new_time
    problem.refresh_from_db()
    assert problem.kind == "delay"
    assert problem.handling_plan == "The driver takes the ring road; video on request"
    assert problem.new_expected_at == new_time
    assert problem.stage == ProblemStage.RESPONDED
    # The notice is the response: its clock is met when the channel confirms.
    assert notice.clock == clock(problem, ClockKind.PROBLEM_RESPONSE)


def test_delay_report_and_its_notice_are_one_transaction(
    customer_a, manager_a, monkeypatch
):
    shipment = make_shipment(customer_a, expected_arrival=minutes(60))

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(outbox, "to_customer", broken)
    with pytest.raises(RuntimeError):
        shipment_report_delay(
            shipment=shipment,
            reason="storm",
            new_expected_at=minutes(300),
            plan="Wait it out",
            reported_by=manager_a,
            now=NOON,
        )
    shipment.refresh_from_db()
    assert shipment.expected_arrival == minutes(60)
    assert not Problem.objects.exists()
    assert not Clock.objects.exists()


def test_delay_needs_a_future_time_and_an_unsigned_shipment(customer_a, manager_a):
    shipment = make_shipment(customer_a)
    with pytest.raises(DomainError) as error:
        shipment_report_delay(
            shipment=shipment,
            reason="storm",
            new_expected_at=minutes(-5),
            plan="Wait",
            reported_by=manager_a,
            now=NOON,
        )
    assert "new_expected_at" in error.value.fields
    signed = make_shipment(customer_a, status=ShipmentStatus.SIGNED)
    with pytest.raises(StateConflict):
        shipment_report_delay(
            shipment=signed,
            reason="storm",
            new_expected_at=minutes(60),
            plan="Wait",
            reported_by=manager_a,
            now=NOON,
        )
    assert not Message.objects.filter(template="delay_notice").exists()
