"""Celery glue for surveys: take ``now`` once and call one service."""

import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="followups.surveys.send_due", soft_time_limit=60, time_limit=90)
def send_due() -> dict:
    """Every few minutes: surveys after new signed deliveries and remedies."""
    from .services import surveys_send_due

    sent = surveys_send_due(now=timezone.now())
    if any(sent.values()):
        log.info("surveys sent: %s", sent)
    return sent
