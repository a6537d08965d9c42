"""Shared set-up for the benchmarks: a dedicated database, sizes, fast loading.

Every benchmark runs against its own PostgreSQL database (``outlet_crm_bench``
unless BENCH_DATABASE_URL names another) and its own Redis database (5 unless
BENCH_BROKER_URL says otherwise), so dev and test data are never touched. The
server, user and password are taken from DATABASE_URL / CELERY_BROKER_URL.
"""

import json
import os
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB_NAME = "outlet_crm_bench"
BENCH_REDIS_DB = 5
PROTECTED_DB_NAMES = {"outlet_crm", "postgres", "template0", "template1", "test"}

SIZES = {
    # open: running clocks in the table; due: clocks the sweep bench breaches;
    # deadlines/spread_s: clocks falling due one by one in the latency bench;
    # burst: clocks due at one instant in the latency bench.
    "small": {
        "open": 20_000,
        "due": 1_000,
        "deadlines": 1_000,
        "spread_s": 20,
        "burst": 10_000,
    },
    "full": {
        "open": 1_000_000,
        "due": 10_000,
        "deadlines": 6_000,
        "spread_s": 60,
        "burst": 100_000,
    },
}

OUTLETS = 4
CUSTOMERS = 400


def bench_database_url() -> str:
    """The bench database URL: DATABASE_URL's server with the bench database."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        parts = urlsplit(url)
    else:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
        parts = urlsplit(base)
        if parts.scheme not in ("postgres", "postgresql", "pgsql", "psql"):
            parts = urlsplit("postgres://postgres@127.0.0.1:5432/")
        parts = parts._replace(path=f"/{BENCH_DB_NAME}", query="")
    name = unquote(parts.path.lstrip("/"))
    if name in PROTECTED_DB_NAMES or name.startswith("test_"):
        sys.exit(f"refusing to benchmark in database {name!r}: it is not a bench DB")
    return parts.geturl()


def bench_broker_url() -> str:
    """Redis database 5 on CELERY_BROKER_URL's server (tests use database 0)."""
    if url := os.environ.get("BENCH_BROKER_URL"):
        return url
    base = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(base)
    if parts.scheme not in ("redis", "rediss"):
        parts = urlsplit("redis://127.0.0.1:6379/0")
    return parts._replace(path=f"/{BENCH_REDIS_DB}").geturl()


def _pg_params(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.lstrip("/")),
        "connect_timeout": 5,
    }


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    params = _pg_params(url)
    name = params.pop("dbname")
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


def bench_env() -> dict:
    """Environment for Django (and Celery subprocesses) aimed at the bench stores."""
    env = dict(os.environ)
    env["DATABASE_URL"] = bench_database_url()
    env["CELERY_BROKER_URL"] = bench_broker_url()
    env.setdefault("DEBUG", "1")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def setup_django(migrate: bool = True) -> None:
    """Point Django at the bench database, set it up, and migrate it."""
    url = bench_database_url()
    ensure_database(url)
    os.environ.update(
        {
            k: v
            for k, v in bench_env().items()
            if k
            in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")
        }
    )
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    import django

    django.setup()
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    if name != urlsplit(url).path.lstrip("/"):
        sys.exit(f"settings point at {name!r}, not the bench database")
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


@contextmanager
def bench_lock(key: int = 0x0B1E7C4):
    """Hold a PostgreSQL advisory lock so two bench runs do not share the DB."""
    from django.db import connections

    conn = connections.create_connection("default")
    conn.ensure_connection()
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cur.fetchone()[0]:
            sys.exit("another benchmark holds the bench database; try again later")
    try:
        yield
    finally:
        conn.close()


def load_clocks(*, open_n: int, now, due_every: int = 0, due_window_s: int = 3600):
    """Empty the clocks and messages and load ``open_n`` running clocks.

    Outlets, one outlet manager each, and CUSTOMERS customers are created once.
    When ``due_every`` is set, every ``due_every``-th clock (by subject id) is
    due within ``due_window_s`` before ``now``; every other clock is due between
    2 hours and 30 days after ``now`` and has no warning due, so a sweep at
    ``now`` only breaches the due ones. Returns (outlet ids, manager ids).
    """
    from django.db import connection, transaction

    from customers.models import Customer
    from outlets.models import Outlet, Role, Staff

    outlets = []
    for i in range(OUTLETS):
        outlet, _ = Outlet.objects.get_or_create(
            code=f"BENCH{i + 1}", defaults={"name": f"Bench outlet {i + 1}"}
        )
        outlets.append(outlet)
    managers = []
    for outlet in outlets:
        manager, _ = Staff.objects.get_or_create(
            username=f"bench-manager-{outlet.code.lower()}",
            defaults={
                "role": Role.OUTLET_MANAGER,
                "outlet": outlet,
                "phone": f"1380000{outlet.pk:04d}",
                "first_name": "Bench",
            },
        )
        managers.append(manager)
    have = Customer.objects.filter(name__startswith="Bench customer").count()
    if have < CUSTOMERS:
        Customer.objects.bulk_create(
            Customer(
                outlet=outlets[i % OUTLETS],
                name=f"Bench customer {i}",
                company=f"Bench Co. {i}",
                phone=f"+86139{i:08d}",
                cooperation_start=now.date(),
            )
            for i in range(have, CUSTOMERS)
        )
    customers = list(
        Customer.objects.filter(name__startswith="Bench customer")
        .order_by("pk")
        .values_list("pk", "outlet_id")[:CUSTOMERS]
    )
    cust_ids = [c for c, _ in customers]
    cust_outlets = [o for _, o in customers]

    # One transaction: if anything fails, the dropped indexes come back.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE clocks_message, clocks_clock RESTART IDENTITY")
        # Loading is faster without the secondary indexes (rebuilt below from
        # their own definitions) and without per-row foreign-key triggers (the
        # rows reference the outlets and customers just read).
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = 'clocks_clock'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            "                 WHERE c.conname = i.indexname)"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            """
            INSERT INTO clocks_clock (
                kind, subject_type, subject_id, outlet_id, customer_id,
                responsible_id, policy_minutes, policy_label, counting,
                escalate_after, state, started_at, warn_at, due_at,
                paused_seconds, escalation_level)
            SELECT 'pickup_contact', 'pickup', g,
                   (%(outlets)s::bigint[])[1 + g %% %(n)s],
                   (%(customers)s::bigint[])[1 + g %% %(n)s],
                   NULL, 60, '', 'calendar', interval '30 minutes', 'running',
                   d.due - interval '60 minutes', d.due - interval '5 minutes', d.due,
                   0, 0
            FROM generate_series(1, %(open)s) AS g
            CROSS JOIN LATERAL (SELECT CASE
                WHEN %(every)s > 0 AND g %% GREATEST(%(every)s, 1) = 0
                    THEN %(now)s::timestamptz - make_interval(
                        secs => (hashint4(g) & 1048575) / 1048576.0 * %(window)s + 0.001)
                ELSE %(now)s::timestamptz + interval '2 hours' + make_interval(
                        secs => (hashint4(g) & 1048575) / 1048576.0 * 30 * 86400)
                END AS due) AS d
            """,
            {
                "outlets": cust_outlets,
                "customers": cust_ids,
                "n": len(cust_ids),
                "open": open_n,
                "every": due_every,
                "now": now,
                "window": due_window_s,
            },
        )
        cur.execute("SET LOCAL session_replication_role = DEFAULT")
        for _, definition in indexes:
            cur.execute(definition)
    vacuum("clocks_clock", "clocks_message")
    return [o.pk for o in outlets], [m.pk for m in managers]


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}")


def loadavg() -> str:
    """The 1/5/15-minute load averages: other users share this machine."""
    return " ".join(f"{v:.1f}" for v in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def percentile(values, q: float):
    """Nearest-rank percentile of ``values`` (q in 0..100)."""
    values = sorted(values)
    if not values:
        return None
    rank = max(1, -(-len(values) * q // 100))
    return values[int(rank) - 1]


def emit(result: dict) -> None:
    """The last line a benchmark prints: one JSON object."""
    sys.stdout.flush()
    print(json.dumps(result), flush=True)


def seconds(delta: timedelta) -> float:
    return delta.total_seconds()
