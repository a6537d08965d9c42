"""The service clock: deadlines, business hours, warnings, pauses, policies,
breaches and escalations, driven by ``clocks_sweep`` with ``now`` passed in.

Outlets in these tests are open 08:00–20:00 every day unless a test changes it;
NOON is Wednesday 18 November 2026, 12:00 in Shanghai.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from clocks.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarYear,
    Clock,
    ClockKind,
    ClockPolicy,
    ClockState,
    Counting,
    Message,
    MessageChannel,
    SubjectType,
)
from clocks.services import clock_meet, clock_pause, clock_resume, clock_start
from clocks.sweep import clocks_sweep
from clocks.tasks import sweep_clocks
from outlets.models import BusinessHours, Role
from shipments.models import PickupRequest
from shipments.pickups.services import pickup_accept, pickup_contact
from shipments.problems.services import (
    problem_pause,
    problem_report,
    problem_respond,
    problem_resume,
)

from ..conftest import (
    NOON,
    SHANGHAI,
    make_customer,
    make_outlet,
    make_pickup,
    make_staff,
)

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, second: int = 0, *, on=date(2026, 11, 18)):
    return datetime.combine(on, time(hour, minute, second), tzinfo=SHANGHAI)


def after(minutes: float, seconds: int = 0, *, start: datetime = NOON) -> datetime:
    return start + timedelta(minutes=minutes, seconds=seconds)


def accept(customer, courier, now: datetime = NOON) -> Clock:
    """Accept a new pickup at ``now`` and return its contact clock."""
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def report_problem(customer, now: datetime = NOON):
    return problem_report(
        customer=customer,
        kind="delay",
        description="Late again",
        reported_by=None,
        now=now,
    )


def problem_clock(problem, kind: str) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.PROBLEM, subject_id=problem.pk, kind=kind
    )


def clock_subject(clock: Clock) -> PickupRequest:
    return PickupRequest.objects.get(pk=clock.subject_id)


def state_of(clock: Clock) -> str:
    clock.refresh_from_db()
    return clock.state


def messages(template: str):
    return Message.objects.filter(template=template)


# --- Boundaries --------------------------------------------------------------


def test_pickup_contact_clock_is_not_breached_at_29_59(customer_a, courier_a):
    clock = accept(customer_a, courier_a)

    assert clocks_sweep(now=after(29, 59)).breached == 0

    assert state_of(clock) == ClockState.RUNNING
    assert not messages("clock_breach").exists()


def test_pickup_contact_clock_breaches_at_30_00(customer_a, courier_a, manager_a):
    clock = accept(customer_a, courier_a)

    assert clocks_sweep(now=after(30)).breached == 1

    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == after(30)
    assert clock.breach_recorded_at == after(30)


PROBLEM_LIMITS = [
    (ClockKind.PROBLEM_RESPONSE, 10),
    (ClockKind.PROBLEM_SOLUTION, 50),
    (ClockKind.PROBLEM_REMEDY, 180),
]


@pytest.mark.parametrize(("kind", "limit"), PROBLEM_LIMITS)
def test_problem_clock_is_not_breached_one_second_before_its_limit(
    customer_a, kind, limit
):
    clock = problem_clock(report_problem(customer_a), kind)

    clocks_sweep(now=after(limit - 1, 59))

    assert clock.due_at == after(limit)
    assert state_of(clock) == ClockState.RUNNING


@pytest.mark.parametrize(("kind", "limit"), PROBLEM_LIMITS)
def test_problem_clock_breaches_exactly_at_its_limit(
    customer_a, manager_a, kind, limit
):
    clock = problem_clock(report_problem(customer_a), kind)

    clocks_sweep(now=after(limit))

    assert state_of(clock) == ClockState.BREACHED
    assert clock.breached_at == after(limit)


def test_problem_clocks_count_around_the_clock_past_closing(customer_a):
    problem = report_problem(customer_a, now=at(19, 55))

    response = problem_clock(problem, ClockKind.PROBLEM_RESPONSE)

    assert response.counting == Counting.CALENDAR
    assert response.due_at == at(20, 5)


# --- Business hours ----------------------------------------------------------


def test_contact_clock_started_ten_minutes_before_closing_is_due_at_08_20_next_day(
    customer_a, courier_a, manager_a
):
    clock = accept(customer_a, courier_a, now=at(19, 50))
    thursday = date(2026, 11, 19)

    assert clock.due_at == at(8, 20, on=thursday)
    assert clocks_sweep(now=at(20, 20)).breached == 0
    assert clocks_sweep(now=at(8, 19, 59, on=thursday)).breached == 0
    assert clocks_sweep(now=at(8, 20, on=thursday)).breached == 1


def test_contact_clock_warning_also_counts_business_minutes(customer_a, courier_a):
    clock = accept(customer_a, courier_a, now=at(19, 50))

    assert clock.warn_at == at(8, 15, on=date(2026, 11, 19))


def test_contact_clock_accepted_after_closing_counts_from_next_opening(
    customer_a, courier_a
):
    clock = accept(customer_a, courier_a, now=at(22, 0))

    assert clock.due_at == at(8, 30, on=date(2026, 11, 19))


def test_contact_clock_does_not_count_the_lunch_break(customer_a, courier_a):
    BusinessHours.objects.filter(outlet=customer_a.outlet).update(
        break_starts=time(12, 0), break_ends=time(13, 0)
    )

    clock = accept(customer_a, courier_a, now=at(11, 50))

    assert clock.due_at == at(13, 20)
    assert clocks_sweep(now=at(13, 19, 59)).breached == 0
    assert clocks_sweep(now=at(13, 20)).breached == 1


def test_contact_clock_skips_a_public_holiday(customer_a, courier_a):
    CalendarDay.objects.create(
        date=date(2026, 10, 1), kind=CalendarDayKind.HOLIDAY, name="National Day"
    )
    # The year's arrangement counts as loaded, so no estimate closes 2–3 October.
    CalendarYear.objects.create(year=2026, loaded_at=at(9, 0, on=date(2025, 11, 4)))

    clock = accept(customer_a, courier_a, now=at(19, 50, on=date(2026, 9, 30)))

    assert clock.due_at == at(8, 20, on=date(2026, 10, 2))


def test_contact_clock_counts_a_make_up_saturday_of_an_outlet_closed_on_saturdays(
    customer_a, courier_a
):
    BusinessHours.objects.filter(outlet=customer_a.outlet, weekday__in=[5, 6]).delete()
    CalendarDay.objects.create(
        date=date(2026, 10, 10),
        kind=CalendarDayKind.WORKDAY,
        name="National Day make-up",
    )

    clock = accept(customer_a, courier_a, now=at(19, 50, on=date(2026, 10, 9)))

    assert clock.due_at == at(8, 20, on=date(2026, 10, 10))


def test_an_ordinary_saturday_of_an_outlet_closed_on_saturdays_is_skipped(
    customer_a, courier_a
):
    BusinessHours.objects.filter(outlet=customer_a.outlet, weekday__in=[5, 6]).delete()

    clock = accept(customer_a, courier_a, now=at(19, 50, on=date(2026, 10, 16)))

    assert clock.due_at == at(8, 20, on=date(2026, 10, 19))


# --- Warnings ----------------------------------------------------------------


def test_warning_falls_warn_before_minutes_before_the_deadline(customer_a, courier_a):
    contact = accept(customer_a, courier_a)
    response = problem_clock(report_problem(customer_a), ClockKind.PROBLEM_RESPONSE)

    assert contact.warn_at == contact.due_at - timedelta(minutes=5)
    assert response.warn_at == response.due_at - timedelta(minutes=2)


def test_sweep_warns_the_responsible_courier_once(customer_a, courier_a, manager_a):
    clock = accept(customer_a, courier_a)

    assert clocks_sweep(now=after(24, 59)).warned == 0
    assert clocks_sweep(now=after(25)).warned == 1
    assert clocks_sweep(now=after(26)).warned == 0

    warning = messages("clock_warning").get()
    assert warning.staff == courier_a
    assert warning.channel == MessageChannel.STAFF
    assert warning.next_attempt_at == after(25)
    clock.refresh_from_db()
    assert clock.warned_at == after(25)
    assert clock.state == ClockState.RUNNING


def test_warning_of_a_clock_nobody_is_responsible_for_goes_to_the_managers(
    customer_a, manager_a
):
    clock_start(
        kind=ClockKind.MILESTONE_PUSH,
        subject_type=SubjectType.MILESTONE,
        subject_id=1,
        customer=customer_a,
        responsible=None,
        now=NOON,
    )

    clocks_sweep(now=after(25))

    assert messages("clock_warning").get().staff == manager_a


def test_a_met_clock_is_neither_warned_nor_breached(customer_a, courier_a, manager_a):
    clock = accept(customer_a, courier_a)
    clock_meet(clock=clock, now=after(10))

    result = clocks_sweep(now=after(120))

    assert (result.warned, result.breached) == (0, 0)
    assert state_of(clock) == ClockState.MET
    assert not Message.objects.exists()


# --- Pause and resume --------------------------------------------------------


def test_problem_paused_for_20_minutes_at_minute_5_breaches_response_at_minute_30(
    customer_a, manager_a
):
    problem = report_problem(customer_a)
    problem_pause(problem=problem, now=after(5))
    problem_resume(problem=problem, now=after(25))
    response = problem_clock(problem, ClockKind.PROBLEM_RESPONSE)

    assert response.due_at == after(30)
    assert clocks_sweep(now=after(29, 59)).breached == 0
    assert clocks_sweep(now=after(30)).breached == 1
    assert state_of(response) == ClockState.BREACHED


def test_resume_records_the_time_paused(customer_a):
    problem = report_problem(customer_a)
    problem_pause(problem=problem, now=after(5))
    problem_resume(problem=problem, now=after(25))

    response = problem_clock(problem, ClockKind.PROBLEM_RESPONSE)
    assert response.paused_seconds == 20 * 60
    assert response.paused_at is None
    assert response.state == ClockState.RUNNING
    assert response.warn_at == after(28)


def test_a_paused_clock_is_not_breached_by_the_sweep(customer_a, manager_a):
    problem = report_problem(customer_a)
    problem_pause(problem=problem, now=after(5))

    result = clocks_sweep(now=after(15))

    assert (result.breached, result.warned) == (0, 0)
    assert state_of(problem_clock(problem, ClockKind.PROBLEM_RESPONSE)) == (
        ClockState.PAUSED
    )
    assert not Message.objects.filter(template__startswith="clock_").exists()


def test_pausing_leaves_a_clock_already_met_alone(customer_a):
    problem = report_problem(customer_a)
    problem_respond(problem=problem, note="We are on it", now=after(3))
    problem_pause(problem=problem, now=after(5))

    assert state_of(problem_clock(problem, ClockKind.PROBLEM_RESPONSE)) == (
        ClockState.MET
    )
    assert state_of(problem_clock(problem, ClockKind.PROBLEM_SOLUTION)) == (
        ClockState.PAUSED
    )


def test_business_hours_clock_resumed_near_closing_keeps_its_minutes_for_morning(
    customer_a, courier_a
):
    clock = accept(customer_a, courier_a, now=at(19, 0))
    clock_pause(clock=clock, now=at(19, 20))

    clock_resume(clock=clock, now=at(19, 55))

    clock.refresh_from_db()
    # 10 business minutes were left: 5 before closing, 5 after opening.
    assert clock.due_at == at(8, 5, on=date(2026, 11, 19))
    assert clock.paused_seconds == 35 * 60


# --- Policies ----------------------------------------------------------------


def test_key_customer_gets_a_20_minute_priority_pickup(outlet_a, courier_a):
    key_customer = make_customer(outlet_a, tier="key")

    clock = accept(key_customer, courier_a)

    assert clock.policy_minutes == 20
    assert clock.policy_label == "Priority pickup"
    assert clock.due_at == after(20)


def test_strategic_customer_gets_a_15_minute_pickup(outlet_a, courier_a):
    clock = accept(make_customer(outlet_a, tier="strategic"), courier_a)

    assert clock.due_at == after(15)


def test_outlet_policy_beats_the_network_default(
    customer_a, courier_a, customer_b, courier_b
):
    ClockPolicy.objects.create(
        outlet=customer_a.outlet,
        kind=ClockKind.PICKUP_CONTACT,
        minutes=45,
        counting=Counting.BUSINESS_HOURS,
    )

    assert accept(customer_a, courier_a).due_at == after(45)
    assert accept(customer_b, courier_b).due_at == after(30)


def test_changing_a_policy_does_not_move_a_running_clock(
    customer_a, courier_a, manager_a
):
    clock = accept(customer_a, courier_a)

    ClockPolicy.objects.filter(
        outlet=None, kind=ClockKind.PICKUP_CONTACT, tier=""
    ).update(minutes=60)

    clock.refresh_from_db()
    assert (clock.policy_minutes, clock.due_at) == (30, after(30))
    assert clocks_sweep(now=after(30)).breached == 1
    assert accept(customer_a, courier_a).due_at == after(60)


# --- Escalation --------------------------------------------------------------


@pytest.fixture
def director(db):
    return make_staff("director", Role.HQ_ADMIN, None)


def test_breach_messages_the_outlet_manager_at_level_1(
    customer_a, courier_a, manager_a, hq_admin
):
    clock = accept(customer_a, courier_a)

    clocks_sweep(now=after(31))

    breach = messages("clock_breach").get()
    assert (breach.staff, breach.channel) == (manager_a, MessageChannel.STAFF)
    assert breach.next_attempt_at == after(31)
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    assert clock.next_escalation_at == after(61)


def test_still_open_30_minutes_after_breach_escalates_to_the_managers_manager(
    customer_a, courier_a, manager_a, director, hq_admin
):
    manager_a.manager = director
    manager_a.save(update_fields=["manager"])
    clock = accept(customer_a, courier_a)
    clocks_sweep(now=after(30))

    assert clocks_sweep(now=after(59, 59)).escalated == 0
    assert clocks_sweep(now=after(60)).escalated == 1

    escalation = messages("clock_escalation").get()
    assert escalation.staff == director
    clock.refresh_from_db()
    assert clock.escalation_level == 2


def test_escalates_to_hq_admins_when_the_manager_reports_to_nobody(
    customer_a, courier_a, manager_a, hq_admin
):
    accept(customer_a, courier_a)
    clocks_sweep(now=after(30))
    clocks_sweep(now=after(60))

    assert [m.staff for m in messages("clock_escalation")] == [hq_admin]


def test_escalates_to_hq_admins_when_the_managers_manager_has_left(
    customer_a, courier_a, manager_a, director, hq_admin
):
    manager_a.manager = director
    manager_a.save(update_fields=["manager"])
    director.is_active = False
    director.save(update_fields=["is_active"])
    accept(customer_a, courier_a)
    clocks_sweep(now=after(30))
    clocks_sweep(now=after(60))

    assert [m.staff for m in messages("clock_escalation")] == [hq_admin]


def test_a_clock_met_after_breach_gets_no_further_escalation(
    customer_a, courier_a, manager_a, hq_admin
):
    clock = accept(customer_a, courier_a)
    clocks_sweep(now=after(30))
    pickup_contact(
        pickup=clock_subject(clock), courier=courier_a, method="called", now=after(40)
    )

    assert clocks_sweep(now=after(90)).escalated == 0

    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert clock.met_at == after(40)
    assert clock.escalation_level == 1
    assert not messages("clock_escalation").exists()


def test_escalation_is_sent_once(customer_a, courier_a, manager_a, hq_admin):
    accept(customer_a, courier_a)
    clocks_sweep(now=after(30))
    clocks_sweep(now=after(60))

    assert clocks_sweep(now=after(180)).escalated == 0
    assert messages("clock_escalation").count() == 1


def test_outlet_without_manager_sends_the_breach_to_hq_admins(
    customer_a, courier_a, hq_admin, director, manager_b
):
    accept(customer_a, courier_a)

    clocks_sweep(now=after(30))

    recipients = {m.staff for m in messages("clock_breach")}
    assert recipients == {hq_admin, director}


def test_breach_goes_to_every_manager_of_the_outlet_only(
    customer_a, courier_a, manager_a, manager_b, hq_admin
):
    second = make_staff("manager_a2", Role.OUTLET_MANAGER, customer_a.outlet)
    accept(customer_a, courier_a)

    clocks_sweep(now=after(30))

    assert {m.staff for m in messages("clock_breach")} == {manager_a, second}


# --- Catch-up after downtime -------------------------------------------------


def test_one_sweep_after_three_hours_down_breaches_every_overdue_clock_in_batches(
    customer_a, manager_a
):
    now = after(180)
    for n in range(50):
        # Milestone pushes (30 calendar minutes) fell due from 3 h ago until now.
        clock_start(
            kind=ClockKind.MILESTONE_PUSH,
            subject_type=SubjectType.MILESTONE,
            subject_id=n,
            customer=customer_a,
            responsible=None,
            now=NOON - timedelta(minutes=30) + timedelta(seconds=216 * n),
        )

    result = clocks_sweep(now=now, batch=7)

    assert (result.breached, result.warned) == (50, 0)
    assert not Clock.objects.exclude(state=ClockState.BREACHED).exists()
    breaches = list(messages("clock_breach").values_list("dedupe_key", flat=True))
    assert sorted(breaches) == sorted(
        f"clock:{pk}:clock_breach:1:staff:{manager_a.pk}"
        for pk in Clock.objects.values_list("pk", flat=True)
    )
    assert clocks_sweep(now=now, batch=7).breached == 0


def test_an_outlet_without_hours_counts_business_clocks_around_the_clock(db):
    outlet = make_outlet("C")
    BusinessHours.objects.filter(outlet=outlet).delete()
    courier = make_staff("courier_c", Role.COURIER, outlet)

    clock = accept(make_customer(outlet), courier, now=at(22, 0))

    assert clock.due_at == at(22, 30)


# --- The celery task ---------------------------------------------------------


def test_sweep_clocks_task_breaches_clocks_that_are_due(customer_a, manager_a):
    problem = report_problem(customer_a, now=timezone.now() - timedelta(hours=1))

    result = sweep_clocks.apply().get()

    assert result == {"breached": 2, "escalated": 0, "warned": 0}
    assert state_of(problem_clock(problem, ClockKind.PROBLEM_RESPONSE)) == (
        ClockState.BREACHED
    )
    assert state_of(problem_clock(problem, ClockKind.PROBLEM_REMEDY)) == (
        ClockState.RUNNING
    )


def test_an_outlets_general_override_keeps_key_customers_priority_pickup(
    outlet_a, courier_a, customer_a
):
    from clocks.models import ClockPolicy
    from shipments.pickups.services import pickup_accept

    from ..conftest import make_pickup

    ClockPolicy.objects.create(
        outlet=outlet_a, kind="pickup_contact", minutes=45, counting="calendar"
    )
    customer_a.tier = "key"
    customer_a.save()
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    clock = Clock.objects.get(subject_id=pickup.pk, kind="pickup_contact")
    assert (clock.policy_minutes, clock.policy_label) == (20, "Priority pickup")


def test_breach_message_names_the_clock_in_each_language_whatever_is_active(
    customer_a, courier_a, manager_a
):
    from django.utils import translation

    accept(customer_a, courier_a)
    with translation.override("zh-hans"):
        clocks_sweep(now=after(30))
    message = Message.objects.get(template="clock_breach")
    assert "Pickup contact" in message.text_en
    assert "揽件联系" in message.text_zh


def test_a_sweep_with_a_spent_budget_stops_between_batches_and_the_next_catches_up(
    customer_a, courier_a, manager_a
):
    for _ in range(5):
        accept(customer_a, courier_a)
    first = clocks_sweep(now=after(30), batch=2, budget_seconds=1e-9)
    assert first.breached == 2
    assert clocks_sweep(now=after(30), batch=2).breached == 3
