"""Celery glue: each task takes ``now`` once and calls one service."""

import logging

from celery import shared_task
from django.utils import timezone

from . import outbox
from .clocks import clocks_sweep

log = logging.getLogger(__name__)


@shared_task
def sweep_clocks() -> dict:
    result = clocks_sweep(now=timezone.now())
    if result.breached or result.escalated or result.warned:
        log.info("clock sweep: %s", result)
    return vars(result)


@shared_task
def deliver_messages() -> int:
    """Deliver every due message, batch after batch, until none is due."""
    total = 0
    while sent := outbox.deliver_due(now=timezone.now()):
        total += sent
    return total
