"""Celery glue for dated care: each task takes ``now`` once and calls a service."""

import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="followups.campaigns_fan_out_due")
def fan_out_due_campaigns() -> int:
    from .campaigns import campaigns_fan_out_due

    reached = campaigns_fan_out_due(now=timezone.now())
    if reached:
        log.info("campaigns fanned out to %s customers", reached)
    return reached


@shared_task(name="followups.plan_dated_care")
def plan_dated_care() -> dict:
    """Nightly: personal-date follow-ups, season planning and warehouse warnings."""
    from .personal_dates import personal_dates_plan
    from .seasons import seasons_plan

    now = timezone.now()
    run = seasons_plan(now=now)
    result = {
        "personal_dates": personal_dates_plan(now=now),
        "planning": run.planning,
        "warehouse_warnings": run.warnings,
    }
    log.info("dated care planned: %s", result)
    return result
