"""Celery glue: each task takes ``now`` once and calls one service."""

import logging

from celery import shared_task
from django.utils import timezone

from .tracking.progress import progress_updates_send
from .volumes import tiers_recompute

log = logging.getLogger(__name__)


@shared_task(name="shipments.tasks.send_progress_updates")
def send_progress_updates() -> int:
    """Every minute: the 2-hourly progress updates that fell due."""
    sent = progress_updates_send(now=timezone.now())
    if sent:
        log.info("progress updates: %s", sent)
    return sent


# The name it had in customers/: beat's schedule and queued runs know it by it.
@shared_task(name="customers.tasks.recompute_tiers")
def recompute_tiers() -> int:
    """Nightly: every customer's tier from last month's parcel volume."""
    result = tiers_recompute(now=timezone.now())
    log.info(
        "tiers recomputed: %s customers, %s changed", result.customers, result.changed
    )
    return result.changed
