# Outlet CRM — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SIZE ?= full

# The embedded default: SQLite and kombu's filesystem broker under var/.
RUN_ENV := DEBUG=1
# The test suite runs against real PostgreSQL and Redis on 127.0.0.1.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/outlet_crm
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL)

# Process commands, shared with docker-compose.yml (a test keeps them equal).
WEB_CMD := gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers 3
# The clock sweep has a worker of its own, so message delivery (slow gateways,
# retries) can never hold a breach back.
WORKER_CMD := celery -A config worker --queues celery --concurrency 2 --loglevel INFO
CLOCK_WORKER_CMD := celery -A config worker --queues clocks --concurrency 2 --hostname clocks@%h --loglevel INFO
BEAT_CMD := celery -A config beat --loglevel INFO

.PHONY: run test test-dates bench lint setup messages services-check seed dev-env-cleanup

$(VENV)/.installed: requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# Every target passes DEBUG=1 itself and bare `manage.py` defaults to it, so no
# .env is written: a server started in a checkout (gunicorn, celery) must never
# run with DEBUG=1 from a file it did not ask for. The .env earlier versions
# wrote (exactly "DEBUG=1") is removed; a deployer's own .env is left alone.
dev-env-cleanup:
	@if [ "$$(cat .env 2>/dev/null)" = "DEBUG=1" ]; then rm .env; \
	  echo "Removed the development .env (DEBUG=1): make and manage.py set it themselves."; fi

setup: $(VENV)/.installed dev-env-cleanup messages

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: apt-get install gettext"; exit 1; }
	@DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

run: setup
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0
	$(RUN_ENV) $(PY) manage.py load_china_calendar
	$(RUN_ENV) $(PY) manage.py seed_demo
	@echo "Web app: http://127.0.0.1:8000/   (Ctrl-C stops web, workers and beat)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(RUN_ENV) $(VENV)/bin/$(WORKER_CMD) --pool solo & \
	  $(RUN_ENV) $(VENV)/bin/$(CLOCK_WORKER_CMD) --pool solo & \
	  $(RUN_ENV) $(VENV)/bin/$(BEAT_CMD) & \
	  $(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000 & \
	  wait

services-check: $(VENV)/.installed
	@$(TEST_ENV) $(PY) scripts/check_services.py

test: setup services-check lint
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# The suite again with the process clock moved by libfaketime (Debian's
# faketime) to awkward instants, so no test can lean on today's date:
# Spring Festival eve 2027 at 23:30 in Shanghai, and 2027-01-01 06:30 in
# Shanghai, when UTC still says 2026-12-31 (different day, month and year).
# FAKE_INSTANTS takes any other UTC instants, comma-separated.
FAKE_INSTANTS ?= 2027-02-05 15:30:00,2026-12-31 22:30:00
test-dates: setup services-check
	@command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime"; exit 1; }
	@instants='$(FAKE_INSTANTS)'; IFS=','; for instant in $$instants; do \
	  echo "== suite at $$instant UTC (browser tests left out)"; \
	  TZ=UTC $(TEST_ENV) faketime -f "@$$instant" $(PY) -m pytest -p no:cacheprovider \
	    -q -n 2 -m "not browser" $(PYTEST_ARGS) || exit 1; \
	done

bench: setup services-check
	$(TEST_ENV) $(PY) bench/run.py --size $(SIZE)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(RUN_ENV) $(VENV)/bin/mypy
