# Outlet CRM: one image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
# Settings refuse to load without SECRET_KEY when DEBUG=0; the key below is
# only for this build step and never reaches a running container.
# var/ holds celery beat's schedule file, so the app user must own it; web
# runs collectstatic again at start (docker-compose.yml), so staticfiles/ too.
RUN rm -rf .venv var staticfiles \
    && SECRET_KEY=build-only DEBUG=0 python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput -v 0 \
    && mkdir -p var \
    && chown -R app:app var staticfiles

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
