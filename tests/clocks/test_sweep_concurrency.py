"""Two sweeps at once, on two real database connections, never act on one clock twice.

These tests commit for real (``transaction=True``): each thread has its own
connection and closes it when done. Every wait is bounded, so a regression
fails the test instead of hanging it.
"""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction

from clocks.models import (
    Clock,
    ClockKind,
    ClockState,
    Counting,
    Message,
    SubjectType,
)
from clocks.sweep import SweepResult, clocks_sweep
from lib.claim import claim
from outlets.models import Role

from ..conftest import NOON, make_staff

pytestmark = pytest.mark.django_db(transaction=True)

NOW = NOON + timedelta(hours=3)
WAIT_SECONDS = 10


def overdue_clocks(customer, count: int) -> list[int]:
    """``count`` calendar clocks that fell due one second apart after NOON."""
    clocks = Clock.objects.bulk_create(
        Clock(
            kind=ClockKind.MILESTONE_PUSH,
            subject_type=SubjectType.MILESTONE,
            subject_id=n,
            outlet_id=customer.outlet_id,
            customer=customer,
            policy_minutes=30,
            counting=Counting.CALENDAR,
            started_at=NOON + timedelta(seconds=n - 1800),
            warn_at=NOON + timedelta(seconds=n - 300),
            due_at=NOON + timedelta(seconds=n),
        )
        for n in range(count)
    )
    return [clock.pk for clock in clocks]


class Worker(threading.Thread):
    """Runs ``target`` on its own connection; keeps its result or its error."""

    def __init__(self, target: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.target_ = target
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.target_()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            connection.close()

    def finish(self) -> object:
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), "worker did not finish in time"
        if self.error:
            raise self.error
        return self.result


def test_two_sweeps_at_once_breach_every_clock_exactly_once(customer_a, manager_a):
    second_manager = make_staff("manager_a2", Role.OUTLET_MANAGER, customer_a.outlet)
    keys = overdue_clocks(customer_a, 300)
    start = threading.Barrier(2, timeout=WAIT_SECONDS)

    def sweep() -> SweepResult:
        start.wait()
        return clocks_sweep(now=NOW, batch=7)

    workers = [Worker(sweep), Worker(sweep)]
    for worker in workers:
        worker.start()
    results = [worker.finish() for worker in workers]

    assert sum(result.breached for result in results) == 300
    assert Clock.objects.filter(state=ClockState.BREACHED).count() == 300
    breaches = Message.objects.filter(template="clock_breach")
    assert breaches.count() == 300 * 2
    assert set(breaches.values_list("dedupe_key", flat=True)) == {
        f"clock:{pk}:clock_breach:1:staff:{staff.pk}"
        for pk in keys
        for staff in (manager_a, second_manager)
    }
    assert not any(result.warned for result in results)


def test_a_sweep_skips_clocks_another_sweep_holds_instead_of_waiting(
    customer_a, manager_a
):
    overdue_clocks(customer_a, 30)
    holding, release = threading.Event(), threading.Event()

    def hold_first_ten() -> list[int]:
        """A sweep that claims a batch and stalls, then dies (rolls back)."""
        with transaction.atomic():
            keys = claim(
                Clock.objects.filter(state=ClockState.RUNNING, due_at__lte=NOW),
                order_by="due_at",
                batch=10,
                changes={"state": ClockState.BREACHED, "breach_recorded_at": NOW},
            )
            holding.set()
            release.wait(WAIT_SECONDS)
            transaction.set_rollback(True)
        return keys

    def sweep_with_lock_timeout() -> SweepResult:
        with connection.cursor() as cursor:
            # Waiting for the held rows would fail fast here instead of hanging.
            cursor.execute("SET lock_timeout = '3s'")
        return clocks_sweep(now=NOW, batch=4)

    holder = Worker(hold_first_ten)
    holder.start()
    try:
        assert holding.wait(WAIT_SECONDS), "the holder never claimed its batch"
        sweeper = Worker(sweep_with_lock_timeout)
        sweeper.start()
        sweeper.join(WAIT_SECONDS)
        finished_while_held = not sweeper.is_alive()
    finally:
        release.set()
    held = holder.finish()
    result = sweeper.finish()

    assert finished_while_held
    assert result.breached == 20
    first_ten = list(Clock.objects.order_by("due_at").values_list("pk", flat=True))[:10]
    assert sorted(held) == sorted(first_ten)
    # The holder rolled back, so its rows are still there for the next sweep.
    assert set(
        Clock.objects.filter(state=ClockState.RUNNING).values_list("pk", flat=True)
    ) == set(held)
    assert clocks_sweep(now=NOW).breached == 10
    assert Message.objects.filter(template="clock_breach").count() == 30
