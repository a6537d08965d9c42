"""Celery glue: each task takes ``now`` once and calls one service."""

import logging
import time

from celery import shared_task
from django.utils import timezone

from . import outbox
from .clocks import clocks_sweep
from .holiday_calendar import calendar_check_for_sweep

log = logging.getLogger(__name__)


# Well inside CELERY_TASK_SOFT_TIME_LIMIT (60 s): stop between batches instead.
BUDGET_SECONDS = 20


@shared_task
def sweep_clocks() -> dict:
    now = timezone.now()
    result = clocks_sweep(now=now, budget_seconds=BUDGET_SECONDS)
    calendar_check_for_sweep(now=now)  # the hourly "calendar not loaded" warning
    if result.breached or result.escalated or result.warned:
        log.info("clock sweep: %s", result)
    return vars(result)


@shared_task
def deliver_messages() -> int:
    """Deliver due messages batch after batch until none is due or time is up.

    What is left waits for the next run: one follows every commit that writes a
    message, and beat runs one every 15 seconds.
    """
    total, started = 0, time.monotonic()
    while sent := outbox.deliver_due(now=timezone.now()):
        total += sent
        if time.monotonic() - started > BUDGET_SECONDS:
            break
    return total
