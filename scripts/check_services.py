"""Check that the PostgreSQL and Redis the tests use are reachable.

Run by ``make test`` (target services-check) with DATABASE_URL and
CELERY_BROKER_URL set. Creates the database when the server is up but the
database is missing. Exits 1 with a hint naming the service when one is down.
"""

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg2
import redis
from psycopg2 import sql

TIMEOUT = 3  # seconds


def without_password(url):
    """The URL as it is safe to print: the password is left out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


def postgres_version():
    """The version directory under /etc/postgresql, for the start hint."""
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*"))
    return versions[-1] if versions else "<version>"


def check_postgres(url):
    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "connect_timeout": TIMEOUT,
    }
    dbname = unquote(parts.path.lstrip("/"))
    try:
        psycopg2.connect(dbname=dbname, **params).close()
        return None
    except psycopg2.OperationalError as exc:
        message = str(exc)
        if f'database "{dbname}" does not exist' not in message:
            unreachable = ("refused", "timeout", "could not translate host")
            if any(word in message for word in unreachable):
                return failure(
                    "PostgreSQL",
                    url,
                    exc,
                    "to start it on Debian: pg_ctlcluster --skip-systemctl-redirect "
                    f"{postgres_version()} main start",
                )
            return failure(
                "PostgreSQL",
                url,
                exc,
                "check the user and password in DATABASE_URL and pg_hba.conf",
                problem="refused the connection",
            )
    # The server is up but the database is not: create it.
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        conn.close()
        print(f"Created database {dbname!r}.")
        return None
    except psycopg2.Error as exc:
        return failure(
            "PostgreSQL",
            url,
            exc,
            f"the user needs the CREATEDB right, or create {dbname!r} yourself",
            problem=f"could not create database {dbname!r}",
        )


def check_redis(url):
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
        client.ping()
        client.close()
        return None
    except redis.RedisError as exc:
        return failure(
            "Redis",
            url,
            exc,
            "to start it on Debian: redis-server --daemonize yes"
            "  (not installed? apt-get install redis-server)",
        )


def failure(service, url, exc, hint, problem="is not reachable"):
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    return (
        f"{service} {problem} at {without_password(url)}\n  error: {reason}\n  {hint}"
    )


def main():
    db_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    problems = []
    if urlsplit(db_url).scheme.startswith("postgres"):
        problems.append(check_postgres(db_url))
    if urlsplit(broker_url).scheme in ("redis", "rediss"):
        problems.append(check_redis(broker_url))
    problems = [p for p in problems if p]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"Services OK: {without_password(db_url)}, {without_password(broker_url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
