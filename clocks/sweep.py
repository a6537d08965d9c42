"""The sweep: breaches, escalations and warnings of clocks that fell due.

Beat runs it every second. It claims due rows through partial indexes
and writes their messages in the same transaction.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.utils import timezone

from lib.claim import claim
from outlets.models import Role, Staff

from . import outbox
from .models import Clock, ClockKind, ClockState
from .texts import renderer

log = logging.getLogger(__name__)

# A row that fails on its own is set aside this long, then tried again.
PARK = timedelta(minutes=5)


@dataclass
class SweepResult:
    breached: int = 0
    escalated: int = 0
    warned: int = 0


class Step(NamedTuple):
    """One kind of due row: which rows, what claiming them changes, what it writes."""

    name: str  # the SweepResult field it counts into
    due: Callable[[datetime], QuerySet[Clock]]
    column: str  # the due column: claim order, and what parking pushes forward
    changes: Callable[[datetime], dict[str, Any]]
    act: Callable[[list[int], datetime], None]


class Ran(NamedTuple):
    done: int  # rows claimed and acted on
    seen: int  # rows taken off the due list: the done and the parked


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
    never dies mid-batch at its time limit. A batch that fails is retried row
    by row (``_batch``), so one bad row never holds back the others.
    """
    result = SweepResult()
    started = time.monotonic()
    for step in STEPS:
        while (ran := _batch(step, now, batch)).seen:
            setattr(result, step.name, getattr(result, step.name) + ran.done)
            spent = time.monotonic() - started
            if ran.seen < batch or (budget_seconds and spent > budget_seconds):
                break
    return result


def _batch(step: Step, now: datetime, batch: int) -> Ran:
    """Claim and act on up to ``batch`` due rows in one transaction.

    As healthchecks does, a batch that fails is rolled back and retried one
    row at a time; a row that fails alone is parked. A batch that succeeds
    costs exactly what it did before the guard: one transaction.
    """
    try:
        with transaction.atomic():
            done = _claim_and_act(step, step.due(now), now, batch)
        return Ran(done, done)
    except SoftTimeLimitExceeded:
        raise  # the task's time is up, not a row's fault
    except Exception as error:  # noqa: BLE001 - one bad row must not stop the sweep
        log.warning(
            "clock sweep: a batch of %s clocks failed (%s); retrying row by row",
            step.name,
            type(error).__name__,
        )
        return _row_by_row(step, now, batch)


def _claim_and_act(step: Step, due: QuerySet[Clock], now: datetime, batch: int) -> int:
    keys = claim(due, order_by=step.column, batch=batch, changes=step.changes(now))
    step.act(keys, now)
    return len(keys)


def _row_by_row(step: Step, now: datetime, batch: int) -> Ran:
    """Each row of the failed batch in its own transaction; park those that fail.

    A row another sweep claimed meanwhile is skipped by ``claim`` as usual.
    """
    due = step.due(now).order_by(step.column)
    keys = list(due.values_list("pk", flat=True)[:batch])
    done = 0
    for pk in keys:
        try:
            with transaction.atomic():
                done += _claim_and_act(step, step.due(now).filter(pk=pk), now, 1)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # noqa: BLE001 - this row alone is at fault
            _park(step, pk, now, error)
    return Ran(done, len(keys))


def _park(step: Step, pk: int, now: datetime, error: Exception) -> None:
    """Push a failing row's due column to ``now + PARK``: the rest go on.

    The log names the clock and the error's type only: an error's text may
    hold a customer's name or phone. A parked breach falls due (and records
    its breach) ``PARK`` later; an ERROR line every ``PARK`` says so.
    """
    try:
        step.due(now).filter(pk=pk).update(**{step.column: now + PARK})
    except Exception as park_error:  # noqa: BLE001 - next batch retries it
        log.error(
            "clock sweep: clock %s could not be parked (%s)",
            pk,
            type(park_error).__name__,
        )
        return
    log.error(
        "clock sweep: clock %s failed to be %s (%s); parked for %s",
        pk,
        step.name,
        type(error).__name__,
        PARK,
    )


def _breach(keys: list[int], now: datetime) -> None:
    clocks = _loaded(keys)
    recipients = managers_by_outlet({c.outlet_id for c in clocks})
    _notify(clocks, "clock_breach", lambda c: recipients[c.outlet_id], now)


def _escalate(keys: list[int], now: datetime) -> None:
    clocks = _loaded(keys)
    above = next_level_by_outlet({c.outlet_id for c in clocks})
    _notify(clocks, "clock_escalation", lambda c: above[c.outlet_id], now)


def _warn(keys: list[int], now: datetime) -> None:
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


STEPS = (
    Step(
        "breached",
        lambda now: Clock.objects.filter(state=ClockState.RUNNING, due_at__lte=now),
        "due_at",
        lambda now: {
            "state": ClockState.BREACHED,
            "breached_at": F("due_at"),
            "breach_recorded_at": now,
            "escalation_level": 1,
            "next_escalation_at": Value(now) + F("escalate_after"),
        },
        _breach,
    ),
    Step(
        "escalated",
        lambda now: Clock.objects.filter(
            state=ClockState.BREACHED, next_escalation_at__lte=now
        ),
        "next_escalation_at",
        lambda now: {
            "escalation_level": F("escalation_level") + 1,
            "next_escalation_at": None,
        },
        _escalate,
    ),
    Step(
        "warned",
        lambda now: Clock.objects.filter(
            state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now
        ),
        "warn_at",
        lambda now: {"warned_at": now},
        _warn,
    ),
)


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
    rows = list(
        Clock.objects.filter(pk__in=keys).values_list(
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
    )
    staff = Staff.objects.in_bulk({row[-1] for row in rows if row[-1]})
    return [
        Due(pk, kind, outlet, customer, due, level, company or name, staff.get(who))
        for pk, kind, outlet, customer, due, level, company, name, who in rows
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
