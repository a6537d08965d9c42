import logging

from celery import shared_task
from django.utils import timezone

from customers.imports.jobs import import_job_check, import_job_run

log = logging.getLogger(__name__)


@shared_task(name="customers.check_import")
def check_import(job_id: int) -> int:
    """The dry run of an uploaded customer file; safe to run twice."""
    return import_job_check(job_id=job_id, now=timezone.now()).rows_bad


@shared_task(name="customers.run_import")
def run_import(job_id: int) -> int:
    """Import a confirmed file; a second run finds the job claimed and stops."""
    return import_job_run(job_id=job_id, now=timezone.now()).rows_created
