"""The service clock: start, meet, pause and resume clocks, and the sweep.

Clocks start and stop inside the service functions that cause them, in the
same transaction. The sweep (beat, every second) claims due warnings, breaches
and escalations through partial indexes and writes their messages atomically.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from customers.models import Customer, CustomerNeed
from outlets.models import Role, Staff

from . import outbox
from .business_hours import (
    add_business_minutes,
    business_seconds_between,
    schedule_for_outlet,
)
from .claim import claim
from .inserts import insert_new
from .models import Clock, ClockKind, ClockState, Counting
from .policies import policy_chooser
from .texts import renderer

OPEN = [ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED]


class Started(NamedTuple):
    id: int
    minutes: int


CLOCK_FIELDS = [
    "kind",
    "subject_type",
    "subject_id",
    "outlet",
    "customer",
    "responsible",
    "policy_minutes",
    "policy_label",
    "counting",
    "escalate_after",
    "state",
    "started_at",
    "warn_at",
    "due_at",
    "paused_seconds",
    "escalation_level",
]


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
        subjects=[(subject_id, customer, responsible and responsible.pk)],
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
            (
                kind,
                subject_type,
                subject_id,
                customer.outlet_id,
                customer.pk,
                responsible_id,
                policy.minutes,
                policy.label,
                policy.counting,
                timedelta(minutes=policy.escalate_after_minutes),
                ClockState.RUNNING,
                now,
                deadline(now, warn_after, policy.counting, customer.outlet_id),
                deadline(now, policy.minutes, policy.counting, customer.outlet_id),
                0,
                0,
            )
        )
    created = insert_new(
        Clock, CLOCK_FIELDS, rows, ["subject_id", "id", "policy_minutes"]
    )
    return {subject_id: Started(pk, minutes) for subject_id, pk, minutes in created}


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
    clock = (
        Clock.objects.select_for_update()
        .filter(pk=clock.pk, state=ClockState.PAUSED)
        .first()
    )
    if clock is None:
        return False
    clock.due_at = _shift(clock, clock.due_at, now)
    clock.warn_at = _shift(clock, clock.warn_at, now)
    clock.paused_seconds += int((now - clock.paused_at).total_seconds())
    clock.state, clock.paused_at = ClockState.RUNNING, None
    clock.save(
        update_fields=["due_at", "warn_at", "paused_seconds", "state", "paused_at"]
    )
    return True


def _shift(clock: Clock, instant: datetime, now: datetime) -> datetime:
    if clock.counting == Counting.BUSINESS_HOURS:
        schedule = schedule_for_outlet(clock.outlet_id)
        if schedule.weekly:
            left = business_seconds_between(clock.paused_at, instant, schedule)
            return add_business_minutes(now, left / 60, schedule)
    return instant + (now - clock.paused_at)


@dataclass
class SweepResult:
    breached: int = 0
    escalated: int = 0
    warned: int = 0


def clocks_sweep(
    *, now: datetime, batch: int = 1000, budget_seconds: float | None = None
) -> SweepResult:
    """Act on every clock that fell due by ``now``, in bounded batches.

    1. Breaches first, so a clock overdue after downtime is breached, not warned.
    2. Escalations of breached clocks still open after their interval.
    3. Warnings of clocks still running.
    Each batch is one transaction; the loop runs until nothing is due, which is
    how a sweep after downtime catches up. With a budget, it stops between
    batches once the budget is spent: the next beat tick carries on, so a task
    never dies mid-batch at its time limit.
    """
    result = SweepResult()
    started = time.monotonic()
    for step, field in (
        (_breach_batch, "breached"),
        (_escalate_batch, "escalated"),
        (_warn_batch, "warned"),
    ):
        while done := step(now, batch):
            setattr(result, field, getattr(result, field) + done)
            spent = time.monotonic() - started
            if done < batch or (budget_seconds and spent > budget_seconds):
                break
    return result


@transaction.atomic
def _breach_batch(now: datetime, batch: int) -> int:
    keys = claim(
        Clock.objects.filter(state=ClockState.RUNNING, due_at__lte=now),
        order_by="due_at",
        batch=batch,
        changes={
            "state": ClockState.BREACHED,
            "breached_at": F("due_at"),
            "breach_recorded_at": now,
            "escalation_level": 1,
            "next_escalation_at": Value(now) + F("escalate_after"),
        },
    )
    clocks = _loaded(keys)
    recipients = managers_by_outlet({c.outlet_id for c in clocks})
    _notify(clocks, "clock_breach", lambda c: recipients[c.outlet_id], now)
    return len(keys)


@transaction.atomic
def _escalate_batch(now: datetime, batch: int) -> int:
    keys = claim(
        Clock.objects.filter(state=ClockState.BREACHED, next_escalation_at__lte=now),
        order_by="next_escalation_at",
        batch=batch,
        changes={
            "escalation_level": F("escalation_level") + 1,
            "next_escalation_at": None,
        },
    )
    clocks = _loaded(keys)
    above = next_level_by_outlet({c.outlet_id for c in clocks})
    _notify(clocks, "clock_escalation", lambda c: above[c.outlet_id], now)
    return len(keys)


@transaction.atomic
def _warn_batch(now: datetime, batch: int) -> int:
    keys = claim(
        Clock.objects.filter(
            state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now
        ),
        order_by="warn_at",
        batch=batch,
        changes={"warned_at": now},
    )
    clocks = _loaded(keys)
    managers = managers_by_outlet(
        {c.outlet_id for c in clocks if c.responsible is None}
    )
    _notify(
        clocks,
        "clock_warning",
        lambda c: [c.responsible] if c.responsible else managers[c.outlet_id],
        now,
    )
    return len(keys)


class Due(NamedTuple):
    """What a sweep needs of a claimed clock: no model instances, no phone parsing."""

    pk: int
    kind: str
    outlet_id: int
    customer_id: int
    due_at: datetime
    escalation_level: int
    customer: str
    responsible: Staff | None


def _loaded(keys: list[int]) -> list[Due]:
    if not keys:
        return []
    rows = Clock.objects.filter(pk__in=keys).values_list(
        "pk",
        "kind",
        "outlet_id",
        "customer_id",
        "due_at",
        "escalation_level",
        "customer__company",
        "customer__name",
        "responsible_id",
    )
    rows = list(rows)
    staff = Staff.objects.in_bulk({row[-1] for row in rows if row[-1]})
    return [
        Due(*row[:6], company or name, staff.get(responsible_id))
        for *row, company, name, responsible_id in rows
    ]


def _notify(clocks: list[Due], template: str, recipients_of, now: datetime) -> None:
    render = renderer(template, labels={"clock": ClockKind})
    rows = []
    for clock in clocks:
        texts = render(
            {
                "clock": clock.kind,
                "customer": clock.customer,
                "due": f"{timezone.localtime(clock.due_at):%H:%M}",
                "responsible": str(clock.responsible or "-"),
            }
        )
        key = f"clock:{clock.pk}:{template}:{clock.escalation_level}"
        rows += [
            outbox.staff_row(
                staff=staff,
                outlet_id=clock.outlet_id,
                template=template,
                texts=texts,
                key=key,
                now=now,
                customer_id=clock.customer_id,
            )
            for staff in recipients_of(clock)
        ]
    outbox.write_rows(rows)


def managers_by_outlet(outlet_ids: set[int]) -> dict[int, list[Staff]]:
    """Each outlet's managers; HQ admins stand in where an outlet has none."""
    if not outlet_ids:
        return {}
    staff = list(
        Staff.objects.filter(is_active=True).filter(
            role__in=[Role.OUTLET_MANAGER, Role.HQ_ADMIN]
        )
    )
    hq = [s for s in staff if s.role == Role.HQ_ADMIN]
    found = {
        outlet_id: [
            s
            for s in staff
            if s.role == Role.OUTLET_MANAGER and s.outlet_id == outlet_id
        ]
        for outlet_id in outlet_ids
    }
    return {outlet_id: managers or hq for outlet_id, managers in found.items()}


def next_level_by_outlet(outlet_ids: set[int]) -> dict[int, list[Staff]]:
    """Whom the managers report to; HQ admins where nobody is named."""
    managers = managers_by_outlet(outlet_ids)
    hq = list(Staff.objects.filter(is_active=True, role=Role.HQ_ADMIN))
    named = {p.manager_id for people in managers.values() for p in people}
    bosses = {b.pk: b for b in Staff.objects.filter(pk__in=named, is_active=True)}
    # A boss who has left (inactive) must not swallow the escalation: HQ steps in.
    return {
        outlet_id: [bosses[p.manager_id] for p in people if p.manager_id in bosses]
        or hq
        for outlet_id, people in managers.items()
    }
