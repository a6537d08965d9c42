import logging
import os

from celery import Celery, signals

from lib.log_scrub import scrub_handlers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("outlet_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
def _quiet_per_task_lines(**kwargs) -> None:
    # The clock sweep runs every second; a "received/succeeded" line per run would
    # bury everything else. Task results worth reading are logged by the tasks.
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).setLevel(logging.WARNING)


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _scrub_personal_data(logger: logging.Logger, **kwargs) -> None:
    # The worker replaces the root logger's handlers with its own: give them
    # the filter settings.LOGGING gives ours (no phone, no progress token).
    scrub_handlers(logger)
