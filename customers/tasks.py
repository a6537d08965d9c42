import logging

from celery import shared_task
from django.utils import timezone

from .services import tiers_recompute

log = logging.getLogger(__name__)


@shared_task(name="customers.tasks.recompute_tiers")
def recompute_tiers() -> int:
    result = tiers_recompute(now=timezone.now())
    log.info(
        "tiers recomputed: %s customers, %s changed", result.customers, result.changed
    )
    return result.changed
