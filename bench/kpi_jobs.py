"""The churn scan, the monthly KPI snapshot and the KPI dashboard, for
``care_scale.py`` (same network, same night): each job beside the bare SQL
aggregate it rests on, and the dashboard's p50/p95.

* ``churn_scan``: ``churn_scan(now=…)`` (signals, new risks, retention calls
  with their clocks) against the signals' GROUP BY aggregates alone;
* ``kpi_snapshot``: ``kpi_month_freeze`` of the last complete month against
  its six GROUP BY aggregates (per outlet and tier) as plain SQL;
* ``kpi_page``: ``/care/kpis/`` for an outlet manager and for HQ, on a frozen
  month (snapshots) and on the month in progress (live: the first request
  computes it, the next ones read it from the cache for KPI_LIVE_SECONDS).
"""

import time
from datetime import datetime, timedelta

import _common

_BARE_SIGNALS = """
WITH v AS (
  SELECT s.customer_id,
         count(*) FILTER (WHERE s.created_at >= %(recent)s) AS recent,
         count(*) FILTER (WHERE s.created_at >= %(usual)s
                          AND s.created_at < %(recent)s) AS usual,
         max(s.created_at) AS last_at
  FROM shipments_shipment s
  WHERE s.created_at >= %(first)s AND s.created_at < %(now)s
  GROUP BY s.customer_id)
SELECT (SELECT count(*) FROM v
        WHERE (last_at < %(silent)s AND last_at >= %(active)s)
           OR (usual >= %(least)s AND usual > 6 * recent))
     + (SELECT count(DISTINCT customer_id) FROM shipments_problem
        WHERE kind = 'complaint' AND stage <> 'closed')
     + (SELECT count(DISTINCT customer_id) FROM followups_survey
        WHERE answered_at >= %(detractor)s AND answered_at < %(now)s
          AND score <= 6)
"""


def bare_churn(now: datetime) -> int:
    from django.conf import settings
    from django.db import connection

    silent = timedelta(days=settings.CHURN_SILENT_DAYS)
    params = {
        "now": now,
        "recent": now - timedelta(days=30),
        "usual": now - timedelta(days=120),
        "silent": now - silent,
        "active": now - silent - timedelta(days=90),
        "least": 3 * settings.CHURN_DROP_MIN_MONTHLY,
        "detractor": now - timedelta(days=settings.CHURN_DETRACTOR_DAYS),
    }
    params["first"] = min(params["usual"], params["active"])
    with connection.cursor() as cur:
        cur.execute(_BARE_SIGNALS, params)
        return cur.fetchone()[0]


def ours_churn(now: datetime) -> int:
    """A night like every other: last night's risks are open, tonight's scan
    sees them again (and would raise and clear what changed)."""
    from followups.kpis.churn import churn_scan

    scan = churn_scan(now=now)
    return scan.raised + scan.still


def last_nights_risks(now: datetime):
    def prepare() -> None:
        from followups.kpis.models import ChurnRisk

        if not ChurnRisk.objects.exists():
            ours_first_night(now)

    return prepare


def ours_first_night(now: datetime) -> int:
    """The first night: every risk is new and raises its retention call (a
    follow-up and its clock each, through followups.services)."""
    from followups.kpis.churn import churn_scan

    return churn_scan(now=now).raised


def no_risks() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE followups_churnrisk")


_TWO_LEVEL = """
SELECT c.outlet_id, c.tier, sum(s.part), sum(s.whole)
FROM ({inner}) s JOIN customers_customer c ON c.id = s.customer_id
GROUP BY c.outlet_id, c.tier
"""
_CHURN = """SELECT customer_id,
  CASE WHEN max(created_at) >= %(lost_from)s AND max(created_at) < %(lost_until)s
       THEN 1 ELSE 0 END AS part, 1 AS whole
  FROM shipments_shipment WHERE created_at >= %(base)s AND created_at < %(end)s
  GROUP BY customer_id HAVING min(created_at) < %(start)s"""
_GROWTH = """SELECT customer_id,
  count(*) FILTER (WHERE created_at >= %(start)s) AS part,
  count(*) FILTER (WHERE created_at < %(then_end)s) AS whole
  FROM shipments_shipment
  WHERE (created_at >= %(start)s AND created_at < %(end)s)
     OR (created_at >= %(then)s AND created_at < %(then_end)s)
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE created_at < %(then_end)s) > 0"""
_FLAT = [
    """SELECT c.outlet_id, c.tier, count(*) FILTER (WHERE v.score >= 9),
         count(*) FILTER (WHERE v.score <= 6), count(*)
       FROM followups_survey v JOIN customers_customer c ON c.id = v.customer_id
       WHERE v.answered_at >= %(start)s AND v.answered_at < %(end)s
         AND v.score IS NOT NULL GROUP BY c.outlet_id, c.tier""",
    """SELECT outlet_id, tier, count(*) FILTER (WHERE referred_by_id IS NOT NULL),
         count(*) FROM customers_customer
       WHERE cooperation_start >= %(start_day)s AND cooperation_start < %(end_day)s
       GROUP BY outlet_id, tier""",
    """SELECT c.outlet_id, c.tier, k.kind, count(*) FILTER (WHERE k.state = 'met'),
         count(*) FROM clocks_clock k JOIN customers_customer c ON c.id = k.customer_id
       WHERE k.due_at >= %(start)s AND k.due_at < %(end)s
         AND k.state IN ('met', 'breached') GROUP BY c.outlet_id, c.tier, k.kind""",
    """SELECT c.outlet_id, c.tier, count(*) FILTER (WHERE f.state = 'done'
         AND f.closed_at <= f.due_at), count(*)
       FROM followups_followup f JOIN customers_customer c ON c.id = f.customer_id
       WHERE f.due_at >= %(start)s AND f.due_at < %(end)s
         AND f.state <> 'cancelled' GROUP BY c.outlet_id, c.tier""",
]


def bare_snapshot(now: datetime) -> int:
    """The month's aggregates, per outlet and tier: the rows a snapshot holds."""
    from django.db import connection

    from customers.tenure import add_months
    from followups.kpis.months import bounds, last_complete_month

    month = last_complete_month(now)
    start, end = bounds(month)
    then = bounds(add_months(month, -12))[0]
    params = {
        "start": start,
        "end": end,
        "base": bounds(add_months(month, -3))[0],
        "lost_from": start - timedelta(days=60),
        "lost_until": end - timedelta(days=60),
        "then": then,
        "then_end": then + (end - start),
        "start_day": month,
        "end_day": add_months(month, 1),
    }
    rows = 0
    with connection.cursor() as cur:
        for inner in (_CHURN, _GROWTH):
            cur.execute(_TWO_LEVEL.format(inner=inner), params)
            rows += len(cur.fetchall())
        for sql in _FLAT:
            cur.execute(sql, params)
            rows += len(cur.fetchall())
    return rows


def ours_snapshot(now: datetime) -> int:
    from followups.kpis.models import KpiSnapshot
    from followups.kpis.months import last_complete_month
    from followups.kpis.snapshots import kpi_month_freeze

    kpi_month_freeze(month=last_complete_month(now), now=now)
    return KpiSnapshot.objects.count()


def no_snapshots() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE followups_kpimonth, followups_kpisnapshot")


def kpi_jobs(alternate, night: datetime, rounds: int) -> dict:
    no_risks()
    jobs = {
        "churn_scan": alternate(
            "churn scan",
            lambda: ours_churn(night),
            lambda: bare_churn(night),
            rounds,
            prepare=last_nights_risks(night),
        ),
        "kpi_snapshot": alternate(
            "KPI snapshot",
            lambda: ours_snapshot(night),
            lambda: bare_snapshot(night),
            rounds,
            prepare=no_snapshots,
        ),
    }
    jobs["churn_scan"]["first_night"] = first_night(night)
    no_risks()
    return jobs


def first_night(night: datetime) -> dict:
    """Reported beside the nightly scan, not instead of it: on the first
    night every risk is new, and most of the time goes to the retention
    calls' follow-ups and clocks."""
    from care_scale import reset_care

    reset_care()
    no_risks()
    started = time.monotonic()
    raised = ours_first_night(night)
    seconds = time.monotonic() - started
    print(f"churn scan, first night: {seconds:.3f} s, {raised} new risks", flush=True)
    return {"ours_s": round(seconds, 3), "raised": raised}


def kpi_page(night: datetime, requests: int) -> dict:
    """The dashboard of outlet C00's manager and of HQ: a frozen month, then
    the month in progress (its first, computing request reported apart)."""
    from django.core.cache import cache
    from django.test import Client

    from followups.kpis.months import last_complete_month
    from followups.kpis.snapshots import kpi_month_freeze
    from outlets.models import Role, Staff

    month = last_complete_month(night)
    no_snapshots()
    kpi_month_freeze(month=month, now=night)
    manager = Staff.objects.get(role=Role.OUTLET_MANAGER, outlet__code="C00")
    hq, _made = Staff.objects.get_or_create(
        username="care-hq", defaults={"role": Role.HQ_ADMIN}
    )
    figures = {}
    for who, user, scope in (("manager", manager, ""), ("hq", hq, "&scope=network")):
        client = Client()
        client.force_login(user)
        frozen = f"/care/kpis/?month={month:%Y-%m}{scope}"
        figures[f"{who}_frozen"] = _timed_gets(client, frozen, requests)
        cache.clear()
        started = time.monotonic()
        first = client.get(f"/care/kpis/?{scope}")
        figures[f"{who}_live_first_ms"] = round((time.monotonic() - started) * 1000, 1)
        if first.status_code != 200:
            return {**figures, "error": f"live page answered {first.status_code}"}
        figures[f"{who}_live"] = _timed_gets(client, f"/care/kpis/?{scope}", requests)
    figures["page_p95_ms"] = max(
        figures[k]["p95_ms"]
        for k in ("manager_frozen", "hq_frozen", "manager_live", "hq_live")
    )
    print(f"KPI page: {figures}", flush=True)
    return figures


def _timed_gets(client, url: str, requests: int) -> dict:
    for _warm in range(3):
        client.get(url)
    times = []
    for _request in range(requests):
        started = time.monotonic()
        response = client.get(url)
        times.append((time.monotonic() - started) * 1000)
        if response.status_code != 200:
            return {"error": f"{url} answered {response.status_code}"}
    return {
        "p50_ms": round(_common.median(times), 1),
        "p95_ms": round(_common.percentile(times, 95), 1),
    }
