"""Celery glue for churn warnings and KPI snapshots: take ``now`` once, call
one service."""

import logging

from celery import shared_task
from django.utils import timezone

from .churn import churn_scan
from .snapshots import kpi_snapshots_take

log = logging.getLogger(__name__)


# 100,000 customers and 5,000,000 shipments take seconds; the limits leave
# room inside the broker's visibility timeout (300 s).
@shared_task(name="followups.kpis.churn_scan", soft_time_limit=240, time_limit=270)
def scan_churn() -> dict:
    result = churn_scan(now=timezone.now())
    log.info("churn scan: %s", result)
    return vars(result)


@shared_task(name="followups.kpis.snapshot_months", soft_time_limit=240, time_limit=270)
def snapshot_months() -> list[str]:
    """Nightly, so a missed first of the month is made up the next night;
    only a month not frozen yet costs anything."""
    frozen = [month.isoformat() for month in kpi_snapshots_take(now=timezone.now())]
    if frozen:
        log.info("KPI months frozen: %s", frozen)
    return frozen
