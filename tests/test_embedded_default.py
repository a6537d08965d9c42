"""`make run`'s embedded default: SQLite and the filesystem broker, no servers.

The suite runs on PostgreSQL; this runs the demo path on SQLite in a
subprocess so that what a new user types first keeps working.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK_PAGES = """
from django.test import Client
client = Client()
pages = [("manager1", "/service/board/"), ("courier1", "/shipments/pickups/"),
         ("am1", "/customers/"), ("hq", "/admin/")]
for username, path in pages:
    assert client.login(username=username, password="demo-pass-123"), username
    response = client.get(path)
    assert response.status_code == 200, (username, path, response.status_code)
from clocks.sweep import clocks_sweep
from django.utils import timezone
print("swept", clocks_sweep(now=timezone.now()))
"""


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_runs_on_sqlite_with_the_filesystem_broker(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "DATABASE_TEST_NAME")
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        ALLOWED_HOSTS="testserver,127.0.0.1",
    )
    for step in (
        ["migrate", "-v", "0"],
        ["load_china_calendar"],
        ["seed_demo", "--history-scale", "0.02"],
        ["shell", "-c", CHECK_PAGES],
    ):
        result = manage(env, *step)
        assert result.returncode == 0, (
            step,
            result.stdout[-2000:],
            result.stderr[-4000:],
        )
    assert "swept" in result.stdout


PUBLISH = """
from config.celery_app import app
with app.connection_for_write() as connection:
    with app.producer_or_acquire() as producer:
        producer.publish({"ping": 1}, exchange="celery", routing_key="celery",
                         declare=[app.amqp.queues["celery"]], serializer="json")
from django.conf import settings
print(settings.CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"])
"""


def test_filesystem_broker_keeps_its_exchange_tables_under_var(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DEBUG="1", PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="config.settings"
    )
    script = "import django; django.setup()\n" + PUBLISH
    # Run from an empty folder: kombu's default control folder is relative to it.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    control = Path(result.stdout.strip().splitlines()[-1])
    assert control.is_relative_to(ROOT / "var")
    assert (control / "celery.exchange").exists()
    assert not (tmp_path / "control").exists()
