"""Celery glue: each task takes ``now`` once and calls one service."""

import logging

from celery import shared_task
from django.utils import timezone

from .tracking.progress import progress_updates_send

log = logging.getLogger(__name__)


@shared_task(name="shipments.tasks.send_progress_updates")
def send_progress_updates() -> int:
    """Every minute: the 2-hourly progress updates that fell due."""
    sent = progress_updates_send(now=timezone.now())
    if sent:
        log.info("progress updates: %s", sent)
    return sent
