"""The service clock's transitions: start, meet, pause, resume and cancel.

Clocks start and stop inside the service functions that cause them, in the
same transaction; the sweep (``sweep.py``) acts on the ones that fall due.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Case, Value, When

from customers.models import Customer, CustomerNeed
from lib.inserts import insert_new
from outlets.models import Staff

from .business_hours import add_business_minutes, business_seconds_between
from .models import Clock, ClockState, Counting
from .policies import policy_chooser
from .schedules import schedule_for_outlet

OPEN = [ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED]


class Started(NamedTuple):
    id: int
    minutes: int


class ClockRow(NamedTuple):
    """A new clock as one INSERT writes it; the field order is the column list."""

    kind: str
    subject_type: str
    subject_id: int
    outlet: int
    customer: int
    responsible: int | None
    policy_minutes: int
    policy_label: str
    counting: str
    escalate_after: timedelta
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    state: str = ClockState.RUNNING
    paused_seconds: int = 0
    escalation_level: int = 0


def clock_start(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    customer: Customer,
    responsible: Staff | None,
    now: datetime,
) -> Clock:
    """Start the clock for a subject; starting it again returns the same clock."""
    clocks_start(
        kind=kind,
        subject_type=subject_type,
        subjects=[(subject_id, customer, responsible.pk if responsible else None)],
        now=now,
    )
    return Clock.objects.get(
        kind=kind, subject_type=subject_type, subject_id=subject_id
    )


def clocks_start(
    *,
    kind: str,
    subject_type: str,
    subjects: list[tuple[int, Customer, int | None]],
    now: datetime,
) -> dict[int, Started]:
    """Start a clock for each ``(subject_id, customer, responsible_id)``.

    A subject that already has this clock keeps it. Returns the clocks started
    now, by subject. A constant number of queries for any number of subjects:
    the customers' needs, the policy rows, the outlets' hours if a policy
    counts business hours, and one INSERT of plain values (building a model
    instance per clock cost more than the insert).
    """
    if not subjects:
        return {}
    customers = [customer for _, customer, _ in subjects]
    needs = _needs_of(c.pk for c in customers)
    choose = policy_chooser(kind, {c.outlet_id for c in customers})
    deadline = _deadlines()
    rows = []
    for subject_id, customer, responsible_id in subjects:
        policy = choose(customer, needs.get(customer.pk, []))
        warn_after = policy.minutes - policy.warn_before_minutes
        rows.append(
            ClockRow(
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                outlet=customer.outlet_id,
                customer=customer.pk,
                responsible=responsible_id,
                policy_minutes=policy.minutes,
                policy_label=policy.label,
                counting=policy.counting,
                escalate_after=timedelta(minutes=policy.escalate_after_minutes),
                started_at=now,
                warn_at=deadline(now, warn_after, policy.counting, customer.outlet_id),
                due_at=deadline(
                    now, policy.minutes, policy.counting, customer.outlet_id
                ),
            )
        )
    return _inserted(rows)


def _inserted(rows: list[ClockRow]) -> dict[int, Started]:
    """Insert new clocks; the clocks started now, by subject."""
    created = insert_new(
        Clock, ClockRow._fields, rows, ["subject_id", "id", "policy_minutes"]
    )
    return {subject_id: Started(pk, minutes) for subject_id, pk, minutes in created}


class Deadline(NamedTuple):
    """A subject whose promise falls at a time agreed with the customer."""

    subject_id: int
    customer: Customer
    responsible_id: int | None
    due_at: datetime


def clocks_start_until(
    *, kind: str, subject_type: str, subjects: list[Deadline], now: datetime
) -> dict[int, Started]:
    """Start a clock per subject whose deadline is given, not counted by policy.

    A follow-up is due when it was planned for. The policy of ``kind`` still
    sets the reminder lead and how soon a breach escalates again. A subject
    that already has this clock keeps it; a deadline already past starts a
    clock the next sweep breaches.
    """
    if not subjects:
        return {}
    customers = [subject.customer for subject in subjects]
    needs = _needs_of(c.pk for c in customers)
    choose = policy_chooser(kind, {c.outlet_id for c in customers})
    rows = []
    for subject_id, customer, responsible_id, due_at in subjects:
        policy = choose(customer, needs.get(customer.pk, []))
        minutes = max(0, int((due_at - now).total_seconds() // 60))
        lead = timedelta(minutes=policy.warn_before_minutes)
        rows.append(
            ClockRow(
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                outlet=customer.outlet_id,
                customer=customer.pk,
                responsible=responsible_id,
                policy_minutes=minutes,
                policy_label=policy.label,
                counting=Counting.CALENDAR,
                escalate_after=timedelta(minutes=policy.escalate_after_minutes),
                started_at=now,
                warn_at=max(now, due_at - lead),
                due_at=due_at,
            )
        )
    return _inserted(rows)


@transaction.atomic
def clock_move_deadline(*, clock: Clock, due_at: datetime, now: datetime) -> bool:
    """Move a running or paused clock's deadline to a newly agreed time.

    The reminder keeps its lead before the new deadline and may fire again. A
    breached clock keeps the deadline it missed (the breach report counts it),
    and its escalation stops: the new time is agreed, the managers were told.
    """
    locked = Clock.objects.select_for_update().filter(pk=clock.pk).first()
    if locked is None or locked.state not in OPEN:
        return False
    clock = locked
    if clock.state == ClockState.BREACHED:
        clock.next_escalation_at = None
        clock.save(update_fields=["next_escalation_at"])
        return False
    lead = max(clock.due_at - clock.warn_at, timedelta(0))
    clock.due_at, clock.warn_at, clock.warned_at = due_at, max(now, due_at - lead), None
    seconds = (due_at - clock.started_at).total_seconds()
    clock.policy_minutes = max(0, int(seconds // 60))
    clock.save(update_fields=["due_at", "warn_at", "warned_at", "policy_minutes"])
    return True


def clock_set_responsible(*, clock: Clock, responsible_id: int | None) -> bool:
    """Hand an open clock to someone else: reminders go to them from now on."""
    return bool(
        Clock.objects.filter(pk=clock.pk, state__in=OPEN).update(
            responsible_id=responsible_id
        )
    )


def _needs_of(customer_ids: Iterable[int]) -> dict[int, list[str]]:
    needs = defaultdict(list)
    for customer_id, need in CustomerNeed.objects.filter(
        customer_id__in=set(customer_ids)
    ).values_list("customer_id", "need"):
        needs[customer_id].append(need)
    return needs


def _deadlines() -> Callable[[datetime, float, str, int], datetime]:
    """When ``minutes`` after a start falls; each outlet's hours loaded once."""
    schedules = {}

    def deadline(start: datetime, minutes: float, counting: str, outlet_id: int):
        if counting == Counting.BUSINESS_HOURS:
            if outlet_id not in schedules:
                schedules[outlet_id] = schedule_for_outlet(outlet_id)
            # An outlet with no hours entered yet still owes its customers the
            # promise: count around the clock rather than never.
            if schedules[outlet_id].weekly:
                return add_business_minutes(start, minutes, schedules[outlet_id])
        return start + timedelta(minutes=minutes)

    return deadline


def clock_meet(*, clock: Clock, now: datetime) -> bool:
    """Stop a clock because its promise was kept (late, if it had breached)."""
    return bool(
        Clock.objects.filter(pk=clock.pk, state__in=OPEN, met_at__isnull=True).update(
            met_at=now,
            state=Case(
                When(state=ClockState.BREACHED, then=Value(ClockState.BREACHED)),
                default=Value(ClockState.MET),
            ),
            paused_at=None,
            next_escalation_at=None,
        )
    )


def clocks_meet(
    *,
    kinds: Iterable[str],
    subject_type: str,
    subject_ids: Iterable[int],
    now: datetime,
) -> int:
    """``clock_meet`` for many subjects in one UPDATE (a batch of signatures)."""
    return Clock.objects.filter(
        kind__in=list(kinds),
        subject_type=subject_type,
        subject_id__in=list(subject_ids),
        state__in=OPEN,
        met_at__isnull=True,
    ).update(
        met_at=now,
        state=Case(
            When(state=ClockState.BREACHED, then=Value(ClockState.BREACHED)),
            default=Value(ClockState.MET),
        ),
        paused_at=None,
        next_escalation_at=None,
    )


def clock_for(subject_type: str, subject_id: int, kind: str) -> Clock | None:
    return Clock.objects.filter(
        subject_type=subject_type, subject_id=subject_id, kind=kind
    ).first()


def clock_cancel(*, clock: Clock) -> bool:
    return bool(
        Clock.objects.filter(
            pk=clock.pk, state__in=[ClockState.RUNNING, ClockState.PAUSED]
        ).update(state=ClockState.CANCELLED, paused_at=None)
    )


def clock_withdraw(*, clock: Clock) -> bool:
    """Stop a clock whose promise no longer stands (a declined follow-up).

    A running or paused clock is cancelled; a breached one stays on record as
    breached and stops escalating.
    """
    if clock_cancel(clock=clock):
        return True
    return bool(
        Clock.objects.filter(pk=clock.pk, state=ClockState.BREACHED).update(
            next_escalation_at=None
        )
    )


def clock_pause(*, clock: Clock, now: datetime) -> bool:
    """Stop the count while the case waits on the customer."""
    return bool(
        Clock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
            state=ClockState.PAUSED, paused_at=now
        )
    )


@transaction.atomic
def clock_resume(*, clock: Clock, now: datetime) -> bool:
    """Restart a paused clock with the time it had left when it was paused."""
    locked = (
        Clock.objects.select_for_update()
        .filter(pk=clock.pk, state=ClockState.PAUSED)
        .first()
    )
    # A paused clock always has paused_at; the second test is for the type.
    if locked is None or locked.paused_at is None:
        return False
    clock, paused_at = locked, locked.paused_at
    clock.due_at = _shift(clock, paused_at, clock.due_at, now)
    clock.warn_at = _shift(clock, paused_at, clock.warn_at, now)
    clock.paused_seconds += int((now - paused_at).total_seconds())
    clock.state, clock.paused_at = ClockState.RUNNING, None
    clock.save(
        update_fields=["due_at", "warn_at", "paused_seconds", "state", "paused_at"]
    )
    return True


def _shift(
    clock: Clock, paused_at: datetime, instant: datetime, now: datetime
) -> datetime:
    if clock.counting == Counting.BUSINESS_HOURS:
        schedule = schedule_for_outlet(clock.outlet_id)
        if schedule.weekly:
            left = business_seconds_between(paused_at, instant, schedule)
            return add_business_minutes(now, left / 60, schedule)
    return instant + (now - paused_at)
