"""Benchmark: one clock sweep over many running clocks, against one raw SQL statement.

Loads OPEN running clocks of which DUE are overdue, then times
``clocks.sweep.clocks_sweep(now=...)`` (ours) and a single
``WITH claimed AS (UPDATE … RETURNING …) INSERT INTO clocks_message …``
statement (raw) that does the same breach and writes the same one message per
outlet manager. Rounds alternate ours and raw on the same rows, reset between;
the medians are compared. The last line printed is one JSON object.

    .venv/bin/python bench/clock_sweep.py --size small|full [--rounds 5] [--profile]
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

RAW_SQL = """
WITH claimed AS (
    UPDATE clocks_clock
       SET state = 'breached', breached_at = due_at, breach_recorded_at = %(now)s,
           escalation_level = 1,
           next_escalation_at = %(now)s + escalate_after
     WHERE id IN (SELECT id FROM clocks_clock
                   WHERE state = 'running' AND due_at <= %(now)s
                   ORDER BY due_at LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED)
 RETURNING id, kind, outlet_id, customer_id, responsible_id, due_at
), kinds (kind, label_zh, label_en) AS (
    SELECT * FROM unnest(%(kinds)s::text[], %(kinds_zh)s::text[], %(kinds_en)s::text[])
), texts AS (
    SELECT c.id, c.outlet_id, c.customer_id,
           k.label_zh, k.label_en,
           COALESCE(NULLIF(cu.company, ''), cu.name) AS customer,
           to_char(c.due_at AT TIME ZONE %(tz)s, 'HH24:MI') AS due,
           COALESCE(NULLIF(btrim(r.first_name || ' ' || r.last_name), ''),
                    r.username, '-') AS responsible
      FROM claimed c
      JOIN customers_customer cu ON cu.id = c.customer_id
      JOIN kinds k ON k.kind = c.kind
      LEFT JOIN outlets_staff r ON r.id = c.responsible_id
)
INSERT INTO clocks_message (
    outlet_id, customer_id, staff_id, clock_id, channel, address, template,
    language, text_zh, text_en, dedupe_key, status, attempts, next_attempt_at,
    created_at, last_error)
SELECT t.outlet_id, t.customer_id, m.id, NULL, 'staff',
       COALESCE(NULLIF(m.phone, ''), m.username), 'clock_breach', %(language)s,
       format(%(fmt_zh)s, t.label_zh, t.customer, t.due, t.responsible),
       format(%(fmt_en)s, t.label_en, t.customer, t.due, t.responsible),
       left('clock:' || t.id || ':clock_breach:1:staff:' || m.id, 200),
       'pending', 0, %(now)s, %(now)s, ''
  FROM texts t
  JOIN outlets_staff m ON m.outlet_id = t.outlet_id AND m.is_active
                      AND m.role = 'outlet_manager'
ON CONFLICT (dedupe_key) DO NOTHING
"""


class BenchError(Exception):
    """The benchmark cannot give a figure: a sweep produced a wrong result."""


def _sql_format(template: str) -> str:
    """A Python %-template with named fields as a PostgreSQL format() string."""
    for i, name in enumerate(("clock", "customer", "due", "responsible"), 1):
        template = template.replace(f"%({name})s", f"%{i}$s")
    return template  # "%%" means a literal percent in both


def raw_params(now, limit: int) -> dict:
    from django.conf import settings
    from django.utils import translation

    from clocks.models import ClockKind
    from clocks.texts import TEMPLATES

    labels, formats = {}, {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            labels[lang] = [str(label) for label in ClockKind.labels]
            formats[lang] = _sql_format(str(TEMPLATES["clock_breach"]))
    return {
        "now": now,
        "limit": limit,
        "tz": settings.TIME_ZONE,
        "language": settings.LANGUAGE_CODE,
        "kinds": list(ClockKind.values),
        "kinds_zh": labels["zh-hans"],
        "kinds_en": labels["en"],
        "fmt_zh": formats["zh-hans"],
        "fmt_en": formats["en"],
    }


def run_ours(now, due: int) -> float:
    from clocks.sweep import clocks_sweep

    started = time.perf_counter()
    result = clocks_sweep(now=now)
    elapsed = time.perf_counter() - started
    if result.breached != due or result.escalated or result.warned:
        raise BenchError(f"ours: unexpected sweep result {result} (due {due})")
    return elapsed


def run_raw(params: dict) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(RAW_SQL, params)
    return time.perf_counter() - started


def reset() -> None:
    """Put the breached clocks back to running and drop the messages."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE clocks_clock SET state = 'running', breached_at = NULL,"
            " breach_recorded_at = NULL, escalation_level = 0,"
            " next_escalation_at = NULL WHERE state = 'breached'"
        )
        cur.execute("DELETE FROM clocks_message")
    _common.vacuum("clocks_clock", "clocks_message")
    _common.flush_redis(_common.bench_broker_url())  # delivery tasks on_commit


def verify(now, due: int, managers_per_outlet: int, who: str) -> dict:
    """Exactly ``due`` clocks breached, and one message per manager for each."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE due_at > %s),"
            " count(*) FILTER (WHERE breach_recorded_at <> %s"
            "   OR breached_at <> due_at OR escalation_level <> 1"
            "   OR next_escalation_at IS NULL)"
            " FROM clocks_clock WHERE state = 'breached'",
            [now, now],
        )
        breached, not_due, wrong = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM clocks_clock WHERE state = 'running'"
            " AND due_at <= %s",
            [now],
        )
        left = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*), count(DISTINCT split_part(m.dedupe_key, ':', 2)),"
            " count(*) FILTER (WHERE c.id IS NULL OR c.state <> 'breached'"
            "   OR m.created_at <> c.breach_recorded_at"
            "   OR m.template <> 'clock_breach' OR s.role <> 'outlet_manager'"
            "   OR s.outlet_id <> c.outlet_id)"
            " FROM clocks_message m"
            " LEFT JOIN clocks_clock c"
            "   ON c.id = split_part(m.dedupe_key, ':', 2)::bigint"
            " LEFT JOIN outlets_staff s ON s.id = m.staff_id",
        )
        messages, clocks_messaged, bad_messages = cur.fetchone()
    problems = []
    if breached != due or not_due or wrong or left:
        problems.append(
            f"{breached} breached (want {due}), {not_due} not yet due,"
            f" {wrong} with wrong fields, {left} due left running"
        )
    if messages != due * managers_per_outlet or clocks_messaged != due or bad_messages:
        problems.append(
            f"{messages} messages for {clocks_messaged} clocks (want"
            f" {due * managers_per_outlet} for {due}), {bad_messages} bad"
        )
    if problems:
        raise BenchError(f"{who}: incorrect result: " + "; ".join(problems))
    return {"breached": breached, "messages": messages}


def profile_ours(now, due: int) -> str:
    from clocks.sweep import clocks_sweep

    profiler = cProfile.Profile()
    profiler.enable()
    clocks_sweep(now=now)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(_common.SIZES), default="small")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run ours once under cProfile and print the top",
    )
    args = parser.parse_args()
    size = _common.SIZES[args.size]
    open_n, due = size["open"], size["due"]

    _common.setup_django()
    from django.conf import settings
    from django.utils import timezone

    from outlets.models import Role, Staff

    ours, raw = [], []
    try:
        with _common.bench_lock():
            _common.flush_redis(_common.bench_broker_url())
            now = timezone.now().replace(microsecond=0)
            print(
                f"clock_sweep: size={args.size} open={open_n} due={due}"
                f" db={settings.DATABASES['default']['NAME']} DEBUG={settings.DEBUG}"
            )
            print(f"load average (shared machine): {_common.loadavg()}")
            started = time.perf_counter()
            outlet_ids, _managers = _common.load_clocks(
                open_n=open_n, now=now, due_every=open_n // due
            )
            print(f"loaded {open_n} clocks in {time.perf_counter() - started:.1f} s")
            per_outlet = {
                o: Staff.objects.filter(
                    outlet_id=o, role=Role.OUTLET_MANAGER, is_active=True
                ).count()
                for o in outlet_ids
            }
            if len(set(per_outlet.values())) != 1:
                raise BenchError(f"uneven managers per outlet: {per_outlet}")
            managers_per_outlet = next(iter(per_outlet.values()))
            params = raw_params(now, due)

            # Warm-up: imports, translations, connections, plans, caches.
            run_ours(now, due)
            verify(now, due, managers_per_outlet, "ours (warm-up)")
            reset()
            run_raw(params)
            verify(now, due, managers_per_outlet, "raw (warm-up)")
            reset()

            for round_no in range(1, args.rounds + 1):
                order = ("ours", "raw") if round_no % 2 else ("raw", "ours")
                for who in order:
                    if who == "ours":
                        ours.append(run_ours(now, due))
                    else:
                        raw.append(run_raw(params))
                    verify(now, due, managers_per_outlet, who)
                    reset()
                print(f"round {round_no}: ours {ours[-1]:.3f} s, raw {raw[-1]:.3f} s")

            if args.profile:
                print(profile_ours(now, due))
                reset()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        _common.emit(
            {
                "bench": "clock_sweep",
                "open": open_n,
                "due": due,
                "ours_runs_s": ours,
                "raw_runs_s": raw,
                "error": str(exc)[:300],
            }
        )
        return 1

    ours_s, raw_s = _common.median(ours), _common.median(raw)
    ratio = ours_s / raw_s
    ours_k, raw_k = ours_s / due * 1000, raw_s / due * 1000
    print(
        f"ours: median {ours_s:.3f} s ({ours_k * 1000:.1f} ms per 1,000 clocks)"
        f"  runs {', '.join(f'{t:.3f}' for t in ours)}"
    )
    print(
        f"raw:  median {raw_s:.3f} s ({raw_k * 1000:.1f} ms per 1,000 clocks)"
        f"  runs {', '.join(f'{t:.3f}' for t in raw)}"
    )
    print(
        f"ratio ours/raw: {ratio:.2f}x (target: within 2x)"
        f" — verified {due} breached, {due * managers_per_outlet} messages each run"
    )
    _common.emit(
        {
            "bench": "clock_sweep",
            "open": open_n,
            "due": due,
            "ours_s": round(ours_s, 4),
            "raw_s": round(raw_s, 4),
            "ratio": round(ratio, 2),
            "ours_per_1000_s": round(ours_k, 4),
            "raw_per_1000_s": round(raw_k, 4),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
