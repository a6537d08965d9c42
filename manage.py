#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # In a checkout, manage.py runs in development mode unless DEBUG is set in
    # the environment or .env; servers (gunicorn, celery) never default to it.
    os.environ.setdefault("DJANGO_DEBUG_DEFAULT", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
