"""Celery glue for care plans: each task takes ``now`` once and calls one service."""

import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


# 100,000 customers take seconds; the limits leave room, inside the broker's
# visibility timeout (300 s), so a slow night is not taken for a lost task.
@shared_task(
    name="followups.care_plans.plan_nightly", soft_time_limit=240, time_limit=270
)
def plan_nightly() -> dict:
    """Tonight's planned follow-ups, then the strategic scan (after the tiers)."""
    from .generate import followups_plan
    from .segments import strategic_without_manager_scan

    now = timezone.now()
    result = followups_plan(now=now)
    raised = strategic_without_manager_scan(now=now)
    log.info("care plan: %s; account managers to assign: %s", result, raised)
    return {**vars(result), "assign_account_manager": raised}


@shared_task(name="followups.care_plans.scan_strategic")
def scan_strategic() -> int:
    """Every few minutes: a customer who became strategic without an account
    manager reaches the outlet manager at once, not the next night."""
    from .segments import strategic_without_manager_scan

    raised = strategic_without_manager_scan(now=timezone.now())
    if raised:
        log.info("strategic customers without an account manager: %s", raised)
    return raised
