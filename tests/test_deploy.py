"""The deployment files: docker-compose.yml, the Dockerfile, check_services.

No database and no docker engine: the compose file is checked through
`docker-compose config` and the Dockerfile as text.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_security import readme_production_env

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "clock-worker", "beat")
# docker-compose.yml has no fallback key: it refuses to start without one.
COMPOSE_ENV = {"SECRET_KEY": "compose-config-test-only-key"}
TLS_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def compose_config(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    return subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def makefile_commands():
    text = (ROOT / "Makefile").read_text()
    found = dict(
        re.findall(r"^(WEB|WORKER|CLOCK_WORKER|BEAT)_CMD\s*:?=\s*(.+?)\s*$", text, re.M)
    )
    assert set(found) == {"WEB", "WORKER", "CLOCK_WORKER", "BEAT"}, (
        "Makefile lost a *_CMD variable"
    )
    return found


def command_text(command):
    return command if isinstance(command, str) else shlex.join(command)


def web_steps(command):
    """The shell steps of web's command: `sh -c "a && exec b"` -> [a, b]."""
    words = shlex.split(command_text(command))
    if words[:2] != ["sh", "-c"]:
        return [shlex.join(words)]
    steps = [step.strip() for step in words[2].split("&&")]
    return [step.removeprefix("exec ").strip() for step in steps]


@pytest.fixture(scope="module")
def compose():
    """docker-compose.yml as `docker-compose config` resolves it."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not on PATH: apt-get install docker-compose")
    result = compose_config(**COMPOSE_ENV)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_parses_with_docker_compose_config(compose):
    assert set(compose["services"]) == {"postgres", "redis", *APP_SERVICES}
    assert compose["services"]["postgres"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_compose_runs_exactly_one_beat(compose):
    beats = [
        name
        for name, service in compose["services"].items()
        if re.search(r"\bcelery\b.*\bbeat\b", command_text(service.get("command", "")))
        or re.search(r"\s(-B|--beat)\b", command_text(service.get("command", "")))
    ]
    assert beats == ["beat"]
    beat = compose["services"]["beat"]
    assert "scale" not in beat
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_compose_commands_match_the_makefile(compose):
    make = makefile_commands()
    services = compose["services"]
    assert command_text(services["worker"]["command"]) == make["WORKER"]
    assert command_text(services["clock-worker"]["command"]) == make["CLOCK_WORKER"]
    assert command_text(services["beat"]["command"]) == make["BEAT"]
    *before, last = web_steps(services["web"]["command"])
    assert last == make["WEB"]
    # Only web prepares static files and the database (schema, then the
    # holiday calendar), so worker and beat never race it.
    assert before == [
        "python manage.py collectstatic --noinput -v 0",
        "python manage.py migrate --noinput",
        "python manage.py load_china_calendar",
    ]


def test_compose_secret_key_and_debug_come_from_the_environment(compose):
    env = compose["services"]["web"]["environment"]
    assert env["DATABASE_URL"] == "postgres://outlet:outlet@postgres:5432/outlet_crm"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"] == COMPOSE_ENV["SECRET_KEY"]
    assert str(env["DEBUG"]) == "0"
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")  # the health check's host
    raw = (ROOT / "docker-compose.yml").read_text()
    assert "${SECRET_KEY:?SECRET_KEY must be set}" in raw
    assert "change-me" not in raw


def test_compose_refuses_to_start_without_a_secret_key():
    result = compose_config()

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_compose_runs_behind_tls_with_the_readme_production_values(compose):
    env = compose["services"]["web"]["environment"]
    documented = readme_production_env()
    tls = {key: value for key, value in documented.items() if key in TLS_SETTINGS}
    assert set(tls) == set(TLS_SETTINGS)
    assert {key: str(env[key]) for key in tls} == tls
    # The health check asks as the proxy would, so it is not redirected.
    web_test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "'X-Forwarded-Proto': 'https'" in web_test


def test_web_worker_and_beat_share_one_image_definition(compose):
    # In the file itself: each of them merges the one `x-app: &app` node.
    root = yaml.compose((ROOT / "docker-compose.yml").read_text())
    top = {key.value: value for key, value in root.value}
    anchor = top["x-app"]
    services = {key.value: value for key, value in top["services"].value}
    for name in APP_SERVICES:
        merges = [
            value
            for key, value in services[name].value
            if key.tag == "tag:yaml.org,2002:merge"
        ]
        assert merges == [anchor], f"{name} does not merge <<: *app"
    shared = {key.value for key, _ in anchor.value}
    assert {"build", "image", "environment", "depends_on"} <= shared

    # Resolved: the same definition apart from the command (and web's port).
    web_only = {"command", "ports", "healthcheck"}
    resolved = [
        {k: v for k, v in compose["services"][name].items() if k not in web_only}
        for name in APP_SERVICES
    ]
    assert all(other == resolved[0] for other in resolved[1:])
    assert resolved[0]["image"]
    for name in ("worker", "clock-worker", "beat"):
        assert not {"ports", "healthcheck"} & set(compose["services"][name])
    assert compose["services"]["web"]["ports"] in (
        ["8000:8000"],
        [{"published": 8000, "target": 8000}],
    )
    for dep in ("postgres", "redis"):
        assert resolved[0]["depends_on"][dep] == {"condition": "service_healthy"}


def test_redis_is_append_only_and_volumes_are_named(compose):
    redis = compose["services"]["redis"]
    assert "--appendonly yes" in command_text(redis["command"])
    declared = set(compose.get("volumes") or {})
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
    }
    for name, target in mounts.items():
        volumes = compose["services"][name]["volumes"]
        sources = {}
        for volume in volumes:
            if isinstance(volume, str):
                source, dest = volume.split(":")[:2]
            else:
                source, dest = volume["source"], volume["target"]
            sources[dest] = source
        assert target in sources, f"{name} keeps no data at {target}"
        assert sources[target] in declared, f"{name}'s volume is not a named volume"


def test_services_have_health_checks(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    web_test = " ".join(services["web"]["healthcheck"]["test"])
    assert "urllib.request" in web_test
    assert "127.0.0.1:8000/" in web_test


def test_dockerfile_builds_a_non_root_web_image():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install -r requirements.lock" in text
    assert "manage.py compilemessages" in text
    assert "manage.py collectstatic --noinput" in text
    assert "chown -R app:app var" in text  # beat writes its schedule to var/
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^EXPOSE 8000\b", text, re.M)
    cmd = re.search(r"^CMD\s+(\[.*\])\s*$", text, re.M)
    assert cmd, "CMD must use the JSON form"
    assert " ".join(json.loads(cmd.group(1))) == makefile_commands()["WEB"]


def test_check_services_names_the_unreachable_service():
    env = dict(
        os.environ,
        DATABASE_URL="postgres://outlet:s3cret@127.0.0.1:1/outlet_crm",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    result = subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "PostgreSQL is not reachable at postgres://outlet@127.0.0.1:1/" in output
    assert "pg_ctlcluster --skip-systemctl-redirect" in output
    assert "Redis is not reachable at redis://127.0.0.1:1/0" in output
    assert "redis-server --daemonize yes" in output
    assert "s3cret" not in output
