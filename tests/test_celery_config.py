"""The Celery settings that make delivery at-least-once and effects exactly-once."""

from django.conf import settings


def test_tasks_are_acknowledged_late_and_requeued_when_a_worker_dies():
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_visibility_timeout_outlasts_every_task():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert visibility > settings.CELERY_TASK_TIME_LIMIT


def test_only_json_crosses_the_broker():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == "json"


def test_beat_sweeps_the_clocks_every_second_on_their_own_queue():
    sweeps = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "clocks.sweep"
    ]
    assert len(sweeps) == 1
    assert sweeps[0]["schedule"] == 1.0
    assert sweeps[0]["options"]["queue"] == "clocks"
    assert settings.CELERY_TASK_ROUTES["clocks.sweep"] == {"queue": "clocks"}
