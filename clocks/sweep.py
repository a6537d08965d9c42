"""The sweep: breaches, escalations and warnings of clocks that fell due.

Beat runs it every second. It claims due rows through partial indexes
and writes their messages in the same transaction.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone

from lib.claim import claim
from outlets.models import Role, Staff

from . import outbox
from .models import Clock, ClockKind, ClockState
from .texts import renderer


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
