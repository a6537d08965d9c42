"""Follow-ups: their clock, their transitions, who may close them, who sees them.

NOON is Wednesday 18 November 2026, 12:00 in Shanghai; every test passes it in.
"""

from datetime import timedelta

import pytest

from clocks.models import Clock, ClockKind, ClockState, Message, SubjectType
from clocks.sweep import clocks_sweep
from followups.models import FollowUp, FollowUpKind, FollowUpOutcome, FollowUpState
from followups.services import (
    NewFollowUp,
    default_owner_id,
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    follow_up_decline,
    follow_up_reassign,
    follow_up_reschedule,
    follow_ups_create,
)
from outlets.access import visible
from outlets.errors import DomainError, NotAllowed, StateConflict
from outlets.models import Role
from tests.conftest import NOON, make_customer, make_staff

pytestmark = pytest.mark.django_db

TOMORROW = NOON + timedelta(days=1)


def clock_of(follow_up: FollowUp) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.FOLLOW_UP,
        subject_id=follow_up.pk,
        kind=ClockKind.FOLLOW_UP,
    )


@pytest.fixture
def visit(customer_a, account_manager_a):
    return follow_up_create(
        by=account_manager_a,
        customer=customer_a,
        kind=FollowUpKind.RETURN_VISIT,
        due_at=TOMORROW,
        note="Ask about the spring volume",
        now=NOON,
    )


def test_a_follow_up_starts_a_clock_due_at_its_due_time(visit, account_manager_a):
    clock = clock_of(visit)
    assert clock.state == ClockState.RUNNING
    assert clock.due_at == TOMORROW
    assert clock.responsible == account_manager_a
    assert clock.warn_at == TOMORROW - timedelta(hours=1)
    assert visit.owner == account_manager_a and visit.state == FollowUpState.OPEN


def test_the_clock_breaches_an_overdue_follow_up_and_escalates(visit, manager_a):
    boss = make_staff("area_boss", Role.HQ_ADMIN, None)
    manager_a.manager = boss
    manager_a.save()
    clocks_sweep(now=TOMORROW + timedelta(minutes=1))
    clock = clock_of(visit)
    assert clock.state == ClockState.BREACHED and clock.breached_at == TOMORROW
    assert Message.objects.filter(staff=manager_a, template="clock_breach").exists()
    clocks_sweep(now=TOMORROW + timedelta(days=1, minutes=2))
    assert clock_of(visit).escalation_level == 2
    assert Message.objects.filter(staff=boss, template="clock_escalation").exists()


def test_the_owner_is_reminded_an_hour_before_the_follow_up_is_due(
    visit, account_manager_a
):
    clocks_sweep(now=TOMORROW - timedelta(minutes=59))
    assert Message.objects.filter(
        staff=account_manager_a, template="clock_warning"
    ).exists()


def test_completing_a_follow_up_meets_its_clock_and_records_the_outcome(
    visit, account_manager_a
):
    done = follow_up_complete(
        follow_up=visit,
        by=account_manager_a,
        outcome=FollowUpOutcome.MORE_BUSINESS,
        result_note="Will send 200 more parcels a month",
        now=NOON + timedelta(hours=2),
    )
    assert done.state == FollowUpState.DONE
    assert done.outcome == FollowUpOutcome.MORE_BUSINESS
    assert done.closed_by == account_manager_a
    assert done.closed_at == NOON + timedelta(hours=2)
    clock = clock_of(visit)
    assert clock.state == ClockState.MET and clock.met_at == NOON + timedelta(hours=2)


def test_completing_needs_an_outcome_and_saves_nothing_without_one(
    visit, account_manager_a
):
    with pytest.raises(DomainError) as refused:
        follow_up_complete(follow_up=visit, by=account_manager_a, outcome="", now=NOON)
    assert list(refused.value.fields) == ["outcome"]
    visit.refresh_from_db()
    assert visit.state == FollowUpState.OPEN
    assert clock_of(visit).state == ClockState.RUNNING


def test_rescheduling_moves_the_deadline_and_the_reminder(visit, account_manager_a):
    later = TOMORROW + timedelta(days=2)
    moved = follow_up_reschedule(
        follow_up=visit,
        by=account_manager_a,
        due_at=later,
        result_note="Customer asked to call on Saturday",
        outcome=FollowUpOutcome.NO_ANSWER,
        now=NOON,
    )
    assert moved.due_at == later and moved.state == FollowUpState.OPEN
    clock = clock_of(visit)
    assert clock.due_at == later and clock.warn_at == later - timedelta(hours=1)
    clocks_sweep(now=TOMORROW + timedelta(minutes=1))
    assert clock_of(visit).state == ClockState.RUNNING


def test_rescheduling_into_the_past_is_refused_naming_the_field(
    visit, account_manager_a
):
    with pytest.raises(DomainError) as refused:
        follow_up_reschedule(
            follow_up=visit,
            by=account_manager_a,
            due_at=NOON - timedelta(days=1),
            now=NOON,
        )
    assert list(refused.value.fields) == ["due_at"]
    assert clock_of(visit).due_at == TOMORROW


def test_rescheduling_a_breached_follow_up_keeps_the_breach_and_stops_escalation(
    visit, account_manager_a
):
    clocks_sweep(now=TOMORROW + timedelta(minutes=1))
    follow_up_reschedule(
        follow_up=visit,
        by=account_manager_a,
        due_at=TOMORROW + timedelta(days=3),
        now=TOMORROW + timedelta(minutes=5),
    )
    clock = clock_of(visit)
    assert clock.state == ClockState.BREACHED and clock.next_escalation_at is None
    visit.refresh_from_db()
    assert visit.due_at == TOMORROW + timedelta(days=3)


def test_declining_cancels_the_clock(visit, account_manager_a):
    declined = follow_up_decline(
        follow_up=visit, by=account_manager_a, result_note="Closed for winter", now=NOON
    )
    assert declined.state == FollowUpState.DECLINED
    assert declined.result_note == "Closed for winter"
    assert clock_of(visit).state == ClockState.CANCELLED


def test_cancelling_cancels_the_clock(visit):
    follow_up_cancel(follow_up=visit, by=None, now=NOON)
    assert clock_of(visit).state == ClockState.CANCELLED


def test_a_closed_follow_up_cannot_be_closed_again(visit, account_manager_a):
    follow_up_decline(follow_up=visit, by=account_manager_a, now=NOON)
    with pytest.raises(StateConflict):
        follow_up_complete(
            follow_up=visit,
            by=account_manager_a,
            outcome=FollowUpOutcome.SATISFIED,
            now=NOON,
        )
    visit.refresh_from_db()
    assert visit.state == FollowUpState.DECLINED and visit.outcome == ""


def test_another_account_managers_login_may_not_complete_it(visit, outlet_a):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    with pytest.raises(NotAllowed) as refused:
        follow_up_complete(
            follow_up=visit,
            by=colleague,
            outcome=FollowUpOutcome.SATISFIED,
            now=NOON,
        )
    assert refused.value.status == 403
    assert "am_a" in str(refused.value.message)
    visit.refresh_from_db()
    assert visit.state == FollowUpState.OPEN
    assert clock_of(visit).state == ClockState.RUNNING


def test_a_manager_of_the_outlet_may_complete_it_and_one_of_another_may_not(
    visit, manager_a, manager_b
):
    with pytest.raises(NotAllowed):
        follow_up_complete(
            follow_up=visit, by=manager_b, outcome=FollowUpOutcome.OTHER, now=NOON
        )
    follow_up_complete(
        follow_up=visit, by=manager_a, outcome=FollowUpOutcome.OTHER, now=NOON
    )


def test_a_courier_may_not_plan_a_follow_up(customer_a, courier_a):
    with pytest.raises(NotAllowed):
        follow_up_create(
            by=courier_a,
            customer=customer_a,
            kind=FollowUpKind.MANUAL,
            due_at=TOMORROW,
            now=NOON,
        )
    assert not FollowUp.objects.exists()


def test_a_manager_reassigns_and_the_reminders_follow(visit, manager_a, outlet_a):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    follow_up_reassign(follow_up=visit, by=manager_a, owner=colleague, now=NOON)
    visit.refresh_from_db()
    assert visit.owner == colleague
    assert clock_of(visit).responsible == colleague


def test_an_account_manager_may_not_reassign(visit, account_manager_a, outlet_a):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    with pytest.raises(NotAllowed):
        follow_up_reassign(
            follow_up=visit, by=account_manager_a, owner=colleague, now=NOON
        )


def test_a_follow_up_cannot_go_to_a_courier_or_to_another_outlet(
    visit, manager_a, courier_a, manager_b
):
    for owner in (courier_a, manager_b):
        with pytest.raises(DomainError) as refused:
            follow_up_reassign(follow_up=visit, by=manager_a, owner=owner, now=NOON)
        assert list(refused.value.fields) == ["owner"]


def _row(customer, key, owner_id=None):
    return NewFollowUp(
        customer_id=customer.pk,
        outlet_id=customer.outlet_id,
        owner_id=owner_id,
        kind=FollowUpKind.HOLIDAY_CARE,
        channel="wechat",
        due_at=TOMORROW,
        source_key=key,
        note="Mid-Autumn greeting",
    )


def test_bulk_create_is_idempotent_on_source_key(customer_a, outlet_a):
    other = make_customer(outlet_a)
    rows = [
        _row(customer_a, "holiday:2026-mid:1"),
        _row(other, "holiday:2026-mid:2"),
        _row(other, "holiday:2026-mid:2"),  # repeated in the same batch
    ]
    first = follow_ups_create(rows=rows, now=NOON)
    again = follow_ups_create(rows=rows, now=NOON + timedelta(hours=1))
    assert len(first) == 2 and again == []
    assert FollowUp.objects.count() == 2
    assert Clock.objects.filter(kind=ClockKind.FOLLOW_UP).count() == 2
    assert set(
        Clock.objects.filter(kind=ClockKind.FOLLOW_UP).values_list(
            "subject_id", flat=True
        )
    ) == set(first)


def test_create_with_a_used_source_key_returns_the_same_follow_up(customer_a):
    made = [
        follow_up_create(
            by=None,
            customer=customer_a,
            kind=FollowUpKind.PERSONAL_DATE,
            due_at=TOMORROW,
            source_key="date:7:2026",
            now=NOON,
        )
        for _ in range(2)
    ]
    assert made[0].pk == made[1].pk


def test_default_owner_is_the_account_manager_else_an_outlet_manager(
    customer_a, account_manager_a, manager_a, outlet_a
):
    assert default_owner_id(customer_a) == account_manager_a.pk
    orphan = make_customer(outlet_a)
    assert default_owner_id(orphan) == manager_a.pk
    account_manager_a.is_active = False
    account_manager_a.save()
    assert default_owner_id(customer_a) == manager_a.pk


def test_an_account_manager_sees_theirs_and_their_customers_only(
    visit, customer_a, account_manager_a, manager_a, manager_b, outlet_a
):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    their_customer = make_customer(outlet_a, account_manager=colleague)
    theirs = follow_up_create(
        by=colleague,
        customer=their_customer,
        kind=FollowUpKind.MANUAL,
        due_at=TOMORROW,
        now=NOON,
    )
    # A manager's follow-up about am_a's customer: am_a sees it too.
    about_mine = follow_up_create(
        by=manager_a,
        customer=customer_a,
        kind=FollowUpKind.MANUAL,
        due_at=TOMORROW,
        owner=manager_a,
        now=NOON,
    )
    seen = set(visible(account_manager_a, FollowUp.objects.all()))
    assert seen == {visit, about_mine}
    assert set(visible(colleague, FollowUp.objects.all())) == {theirs}
    assert set(visible(manager_a, FollowUp.objects.all())) == {
        visit,
        theirs,
        about_mine,
    }
    assert not visible(manager_b, FollowUp.objects.all()).exists()
