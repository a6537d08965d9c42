"""Celery glue: each task takes ``now`` once and calls one service.

Services import these tasks to enqueue them, so the task bodies import the
services (the one place function-level imports are the rule).
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


# Well inside CELERY_TASK_SOFT_TIME_LIMIT (60 s): stop between batches instead.
BUDGET_SECONDS = 20


@shared_task(name="clocks.sweep")
def sweep_clocks() -> dict:
    from .holiday_calendar import calendar_check_for_sweep
    from .sweep import clocks_sweep

    now = timezone.now()
    result = clocks_sweep(now=now, budget_seconds=BUDGET_SECONDS)
    calendar_check_for_sweep(now=now)  # the hourly "calendar not loaded" warning
    if result.breached or result.escalated or result.warned:
        log.info("clock sweep: %s", result)
    return vars(result)


@shared_task(name="clocks.deliver_messages")
def deliver_messages() -> int:
    """Deliver due messages batch after batch until none is due or the budget
    (MESSAGE_DELIVERY_BUDGET_SECONDS) is spent; each outcome is stamped when
    it happened, so the task reads the clock, not one ``now``.

    What is left waits for the next run: one follows every commit that writes a
    message, and beat runs one every 15 seconds.
    """
    from . import outbox

    budget = settings.MESSAGE_DELIVERY_BUDGET_SECONDS
    try:
        return outbox.deliver_all(clock=timezone.now, budget_seconds=budget)
    except SoftTimeLimitExceeded:
        # The budget should end the run first; the messages it left are released.
        log.warning("delivery stopped at the soft time limit; the rest waits")
        return 0
