"""Celery glue for referrals: take ``now`` once and call one service."""

import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(
    name="followups.referrals.scan_first_shipments", soft_time_limit=60, time_limit=90
)
def scan_first_shipments() -> int:
    """Every few minutes: thank referrers whose referral shipped for the first time."""
    from .services import referral_thanks_scan

    raised = referral_thanks_scan(now=timezone.now())
    if raised:
        log.info("referral thank-yous raised: %s", raised)
    return raised
