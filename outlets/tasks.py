import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="outlets.tasks.heartbeat")
def heartbeat() -> str:
    """Beat runs this every minute so a log line proves the schedule is ticking."""
    stamp = timezone.now().isoformat()
    log.info("beat heartbeat %s", stamp)
    return stamp
