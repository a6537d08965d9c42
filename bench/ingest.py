"""Benchmark: milestone events through the real bulk endpoint, against raw inserts.

Posts EVENTS milestone scans (4 per shipment: picked up, sorting center, out
for delivery, signed) to ``POST /api/v1/shipments/events/`` in batches of
1,000 through Django's test client: parsing, authorisation scope, validation,
the milestone insert, push clocks, customer messages, statuses and progress
updates, each batch one transaction. Then inserts the same number of milestone
rows for other shipments with raw psycopg2 ``executemany``, one commit per
1,000 rows. Runs in its own database, ``outlet_crm_bench_ingest`` (or
BENCH_DATABASE_URL's). The last line printed is one JSON object.

    .venv/bin/python bench/ingest.py --size small|full [--profile]
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

DB_NAME = "outlet_crm_bench_ingest"
SIZES = {"small": 10_000, "full": 100_000}
BATCH = 1000
KINDS = ["picked_up", "at_sorting_center", "out_for_delivery", "signed"]
URL = "/api/v1/shipments/events/"


def point_at_bench_database() -> None:
    """``outlet_crm_bench_ingest`` on DATABASE_URL's server, or BENCH_DATABASE_URL."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        parts = urlsplit("postgres://postgres@127.0.0.1:5432/")
    os.environ["BENCH_DATABASE_URL"] = parts._replace(
        path=f"/{DB_NAME}", query=""
    ).geturl()


def reset_and_seed(shipments: int):
    """Empty the bench tables; outlets, staff and customers, then shipments."""
    from django.db import connection

    from customers.models import Customer, CustomerNeed
    from outlets.models import Outlet, Role, Staff
    from shipments.models import Shipment

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE shipments_milestone, shipments_coldchainreading, "
            "shipments_excursion, shipments_problem, shipments_shipment, "
            "shipments_pickuprequest, clocks_message, clocks_clock, "
            "customers_progresslink, customers_customerneed, customers_customer, "
            "outlets_staff, outlets_outlet RESTART IDENTITY CASCADE"
        )
    outlets = Outlet.objects.bulk_create(
        Outlet(code=f"B{n}", name=f"Bench outlet {n}") for n in range(_common.OUTLETS)
    )
    hq = Staff.objects.create_user(username="bench-hq", role=Role.HQ_ADMIN)
    managers = Staff.objects.bulk_create(
        Staff(username=f"bench-am-{o.pk}", role=Role.ACCOUNT_MANAGER, outlet=o)
        for o in outlets
    )
    today = date.today()
    customers = Customer.objects.bulk_create(
        Customer(
            outlet=outlets[n % len(outlets)],
            name=f"Bench customer {n}",
            phone=f"+8613900{n:06d}",
            account_manager=managers[n % len(managers)] if n % 3 else None,
            # A quarter are new customers: they get 2-hourly progress updates.
            cooperation_start=today - timedelta(days=20 if n % 4 == 0 else 500),
            tier=["strategic", "key", "regular", "casual"][n % 4],
        )
        for n in range(_common.CUSTOMERS)
    )
    CustomerNeed.objects.bulk_create(
        CustomerNeed(customer=c, need="cold_chain") for c in customers[::5]
    )
    now = _now()
    rows = Shipment.objects.bulk_create(
        (
            Shipment(
                waybill=f"{'API' if n < shipments else 'RAW'}{n:09d}",
                customer=customers[n % len(customers)],
                outlet_id=customers[n % len(customers)].outlet_id,
                weight_kg=1,
                created_at=now,
            )
            for n in range(2 * shipments)
        ),
        batch_size=5000,
    )
    return hq, rows[:shipments], rows[shipments:]


def _now():
    from django.utils import timezone

    return timezone.now().replace(microsecond=0)


def payloads(shipments) -> list[bytes]:
    """JSON bodies of BATCH events: one kind at a time, as a scanner would send."""
    start = _now() - timedelta(hours=30)
    bodies = []
    for step, kind in enumerate(KINDS):
        at = (start + timedelta(hours=6 * step)).isoformat()
        for first in range(0, len(shipments), BATCH):
            events = [
                {
                    "waybill": s.waybill,
                    "kind": kind,
                    "occurred_at": at,
                    "location": "杭州转运中心",
                    "note": "",
                }
                for s in shipments[first : first + BATCH]
            ]
            bodies.append(json.dumps({"events": events}).encode())
    return bodies


def run_api(hq, bodies: list[bytes], profile: bool) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(hq)
    created = 0
    profiler = cProfile.Profile() if profile else None
    queries = 0
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        if profiler:
            profiler.enable()
        if n == len(bodies) // 2:
            with CaptureQueriesContext(connection) as captured:
                response = client.post(URL, body, content_type="application/json")
            queries = len(captured)
            if profile:
                for query in captured.captured_queries:
                    print(
                        f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:110]}"
                    )
        else:
            response = client.post(URL, body, content_type="application/json")
        if profiler:
            profiler.disable()
        if response.status_code != 200:
            sys.exit(f"batch {n}: HTTP {response.status_code} {response.content[:300]}")
        created += sum(r["status"] == "created" for r in response.json()["results"])
    elapsed = time.perf_counter() - started
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("SORT", "cumulative")
        ).print_stats(int(os.environ.get("LINES", "30")))
        print(out.getvalue())
    return elapsed, created, queries


def run_raw(shipments) -> float:
    """The same number of milestone rows, raw ``executemany``, a commit per batch."""
    import psycopg2

    params = _common._pg_params(os.environ["BENCH_DATABASE_URL"])
    start = _now() - timedelta(hours=30)
    now = _now()
    conn = psycopg2.connect(**params)
    sql = (
        "INSERT INTO shipments_milestone "
        "(shipment_id, kind, occurred_at, location, note, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for step, kind in enumerate(KINDS):
            at = start + timedelta(hours=6 * step)
            for first in range(0, len(shipments), BATCH):
                rows = [
                    (s.pk, kind, at, "杭州转运中心", "", now)
                    for s in shipments[first : first + BATCH]
                ]
                cursor.executemany(sql, rows)
                conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _without_debug() -> None:
    """Run the endpoint as a server would: DEBUG keeps a log of every query.

    The query count of one batch is still taken (``CaptureQueriesContext``
    logs regardless of DEBUG).
    """
    from django.conf import settings

    settings.DEBUG = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    events = SIZES[args.size]
    point_at_bench_database()
    _common.setup_django()
    _without_debug()
    _common.flush_redis(_common.bench_broker_url())
    with _common.bench_lock(key=0x0B1E7C5):
        hq, api_shipments, raw_shipments = reset_and_seed(events // len(KINDS))
        bodies = payloads(api_shipments)
        api_s, created, queries = run_api(hq, bodies, args.profile)
        raw_s = run_raw(raw_shipments)
    _common.flush_redis(_common.bench_broker_url())
    if created != events:
        sys.exit(f"expected {events} created events, got {created}")
    api_rate, raw_rate = events / api_s, events / raw_s
    print(
        f"endpoint: {events} events in {api_s:.2f} s = {api_rate:,.0f} events/s "
        f"({len(bodies)} batches of {BATCH}, {queries} queries per batch)"
    )
    print(f"raw executemany: {events} rows in {raw_s:.2f} s = {raw_rate:,.0f} rows/s")
    print(f"ratio endpoint/raw: {api_rate / raw_rate:.2f}")
    print(
        json.dumps(
            {
                "bench": "ingest",
                "events": events,
                "events_per_s": round(api_rate),
                "raw_per_s": round(raw_rate),
                "ratio": round(api_rate / raw_rate, 3),
                "queries_per_batch": queries,
            }
        )
    )


if __name__ == "__main__":
    main()
