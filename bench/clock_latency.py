"""Benchmark: how late the real worker and beat record breaches.

Loads OPEN running clocks (none due), starts a real Celery worker and beat on
PostgreSQL + Redis as subprocesses, then

1. makes DEADLINES clocks fall due one by one over SPREAD seconds and measures,
   for each, breach_recorded_at − due_at (p50/p99/max), checking that its
   escalation message was written with created_at = breach_recorded_at; and
   also when the breach became visible to another session (polled, "seen");
2. makes BURST clocks fall due at one instant and measures the time from that
   instant until all of them are breached (polled count).

The baseline is the floor the design allows: beat fires the sweep every 1 s.
The last line printed is one JSON object; on a timeout it carries what was
measured and an "error" key, and the exit status is 1.

    .venv/bin/python bench/clock_latency.py --size small|full
"""

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

BEAT_INTERVAL_S = 1.0  # CELERY_BEAT_SCHEDULE["sweep-clocks"]["schedule"]
READY_TIMEOUT_S = 120  # worker + beat start and sweep a canary clock
GIVE_UP_S = 180  # longest wait for one phase once its deadlines have passed
CANARY_ID = 1


class BenchTimeout(Exception):
    pass


def _terminate(*_):
    raise SystemExit(143)


# As the Makefile: two sweeps at once, kept apart by SKIP LOCKED.
CLOCK_CONCURRENCY = os.environ.get("BENCH_CLOCK_CONCURRENCY", "2")


class Celery:
    """The worker and beat as subprocesses, each in its own process group."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.env = _common.bench_env()
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self, split: bool = True) -> None:
        """The Makefile's layout: one worker for queue clocks (2 processes) and one
        for queue celery (2); without ``split``, one worker for both queues."""
        celery = str(_common.BASE_DIR / ".venv" / "bin" / "celery")
        worker = [celery, "-A", "config", "worker", "--loglevel", "WARNING"]
        host = f"bench-{os.getpid()}"
        if split:
            commands = {
                "worker": [
                    *worker,
                    "--concurrency",
                    CLOCK_CONCURRENCY,
                    "--queues",
                    "clocks",
                    "--hostname",
                    f"{host}-clocks@%h",
                ],
                "worker-celery": [
                    *worker,
                    "--concurrency",
                    "2",
                    "--queues",
                    "celery",
                    "--hostname",
                    f"{host}-celery@%h",
                ],
            }
        else:
            commands = {
                "worker": [
                    *worker,
                    "--concurrency",
                    "2",
                    "--queues",
                    "celery,clocks",
                    "--hostname",
                    f"{host}@%h",
                ],
            }
        commands["beat"] = [
            celery,
            "-A",
            "config",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(self.workdir / "celerybeat-schedule"),
        ]
        for name, command in commands.items():
            log = self.workdir / f"{name}.log"
            self.logs[name] = log
            with log.open("wb") as out:
                self.procs[name] = subprocess.Popen(
                    command,
                    cwd=_common.BASE_DIR,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"celery {name} exited with {proc.returncode}:\n" + self.tail(name)
                )

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            text = self.logs[name].read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """Beat first, then a warm worker shutdown; cold, then kill, if it hangs.

        Signals go to the parent, which stops its own pool processes; the
        process group (created for it by this bench) is killed only if the
        parent did not stop on SIGTERM.
        """
        for name in sorted(self.procs, key=lambda name: name != "beat"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            warm = False
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGQUIT, 5)):
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=wait)
                    warm = sig == signal.SIGTERM
                    break
                except subprocess.TimeoutExpired:
                    print(
                        f"celery {name} still running {wait} s after {sig.name}",
                        file=sys.stderr,
                    )
            if not warm:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)


def db_now():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


def set_due(ids: list[int], offsets: list[float], t0) -> None:
    """Make clocks ``ids`` due at t0 + offset; their warning already went out."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            UPDATE clocks_clock c
               SET due_at = %(t0)s + make_interval(secs => d.off),
                   warn_at = %(t0)s + make_interval(secs => d.off)
                             - interval '5 minutes',
                   warned_at = %(t0)s + make_interval(secs => d.off)
                               - interval '5 minutes'
              FROM unnest(%(ids)s::bigint[], %(offs)s::float8[]) AS d(id, off)
             WHERE c.id = d.id AND c.state = 'running'
            """,
            {"t0": t0, "ids": ids, "offs": offsets},
        )
        if cur.rowcount != len(ids):
            raise RuntimeError(f"set {cur.rowcount} of {len(ids)} clocks due")


def wait_ready(celery: Celery) -> float:
    """Until beat and worker have swept a canary clock due now."""
    from django.db import connection

    started = time.monotonic()
    set_due([CANARY_ID], [-1.0], db_now())
    while time.monotonic() - started < READY_TIMEOUT_S:
        celery.check_alive()
        with connection.cursor() as cur:
            cur.execute("SELECT state FROM clocks_clock WHERE id = %s", [CANARY_ID])
            if cur.fetchone()[0] == "breached":
                return time.monotonic() - started
        time.sleep(0.2)
    raise BenchTimeout(
        f"no sweep within {READY_TIMEOUT_S} s of starting worker and"
        f" beat\nworker:\n{celery.tail('worker')}\n"
        f"beat:\n{celery.tail('beat')}"
    )


def breached_rows(ids: list[int]) -> list[tuple]:
    """(id, due_at, breach_recorded_at, messages) of the breached clocks in ids.

    ``messages`` counts the breach message to the outlet manager written in the
    same transaction (created_at = breach_recorded_at); it should be 1.
    """
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.id, c.due_at, c.breach_recorded_at,
                   (SELECT count(*) FROM clocks_message m
                     WHERE m.dedupe_key = 'clock:' || c.id || ':clock_breach:1:staff:'
                                          || s.id
                       AND m.created_at = c.breach_recorded_at) AS messages
              FROM clocks_clock c
              JOIN outlets_staff s ON s.outlet_id = c.outlet_id
                                  AND s.role = 'outlet_manager' AND s.is_active
             WHERE c.id = ANY(%s) AND c.state = 'breached'
            """,
            [ids],
        )
        return cur.fetchall()


def message_counts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM clocks_message GROUP BY status")
        return dict(cur.fetchall())


def measure_deadlines(
    celery: Celery, ids: list[int], spread_s: float, out: dict
) -> None:
    from django.db import connection

    n = len(ids)
    offsets = [(k + 0.5) * spread_s / n for k in range(n)]
    before = db_now()
    t0 = before + timedelta(seconds=3)
    set_due(ids, offsets, t0)
    after = db_now()
    out["_set_s_per_row"] = _common.seconds(after - before) / n
    if after >= t0:
        print("warning: deadlines were set after the first fell due", file=sys.stderr)
    wanted, seen = set(ids), {}
    give_up = t0 + timedelta(seconds=spread_s + GIVE_UP_S)
    while len(seen) < n:
        celery.check_alive()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id FROM clocks_clock WHERE state = 'breached'"
                " AND next_escalation_at IS NOT NULL"
            )
            rows = cur.fetchall()
            cur.execute("SELECT clock_timestamp()")
            at = cur.fetchone()[0]
        for (pk,) in rows:
            if pk in wanted and pk not in seen:
                seen[pk] = at
        if at > give_up:
            out["deadlines_breached"] = len(seen)
            raise BenchTimeout(
                f"{n - len(seen)} of {n} deadlines not breached"
                f" {GIVE_UP_S} s after the last fell due"
            )
        time.sleep(0.1)

    rows = breached_rows(ids)
    missing = [pk for pk, _, _, messages in rows if messages != 1]
    if len(rows) != n or missing:
        raise RuntimeError(
            f"{len(missing)} breached clocks lack their message"
            f" (e.g. {missing[:5]}), {len(rows)} rows for {n} clocks"
        )
    recorded = [_common.seconds(rec - due) for _, due, rec, _ in rows]
    visible = [_common.seconds(seen[pk] - due) for pk, due, _, _ in rows]
    out.update(
        {
            "p50_s": round(_common.percentile(recorded, 50), 3),
            "p99_s": round(_common.percentile(recorded, 99), 3),
            "max_s": round(max(recorded), 3),
            "seen_p50_s": round(_common.percentile(visible, 50), 3),
            "seen_p99_s": round(_common.percentile(visible, 99), 3),
            "seen_max_s": round(max(visible), 3),
        }
    )
    early = sum(1 for r in recorded if r < 0)
    if early:
        raise RuntimeError(f"{early} clocks were breached before they fell due")


def measure_burst(celery: Celery, ids: list[int], lead_s: float, out: dict) -> None:
    from django.db import connection

    n = len(ids)
    tb = db_now() + timedelta(seconds=lead_s)
    set_due(ids, [0.0] * n, tb)
    committed = db_now()
    start = max(tb, committed)  # from when the clocks were due and visible
    if committed > tb:
        out["burst_set_late_s"] = round(_common.seconds(committed - tb), 3)
        print(
            f"warning: the burst was written {out['burst_set_late_s']} s after"
            " its instant; timing from the commit instead",
            file=sys.stderr,
        )
    else:
        time.sleep(max(0.0, _common.seconds(tb - committed) - 0.5))
    give_up = start + timedelta(seconds=GIVE_UP_S)
    progress, last_print = [], time.monotonic()
    while True:
        celery.check_alive()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*), clock_timestamp() FROM clocks_clock"
                " WHERE state = 'running' AND due_at <= %s",
                [tb],
            )
            left, at = cur.fetchone()
        if at >= start:
            progress.append((_common.seconds(at - start), n - left))
            if left == 0:
                break
        if at > give_up:
            out["burst_breached"] = n - left
            raise BenchTimeout(
                f"{left} of {n} burst clocks still running"
                f" {GIVE_UP_S} s after they fell due"
            )
        if time.monotonic() - last_print > 10 and progress:
            last_print = time.monotonic()
            print(f"  burst: {progress[-1][1]} breached after {progress[-1][0]:.1f} s")
        time.sleep(0.2)
    out["burst_s"] = round(_common.seconds(at - start), 3)
    first = next((t for t, done in progress if done), None)
    out["burst_first_s"] = round(first, 3) if first is not None else None
    rows = breached_rows(ids)
    unmessaged = sum(1 for *_, messages in rows if messages != 1)
    if len(rows) != n or unmessaged:
        raise RuntimeError(
            f"burst: {len(rows)} of {n} breached, {unmessaged} without their message"
        )
    last_recorded = max(rec for _, _, rec, _ in rows)
    out["burst_sweeps"] = len({rec for _, _, rec, _ in rows})
    out["burst_last_recorded_s"] = round(_common.seconds(last_recorded - start), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(_common.SIZES), default="small")
    parser.add_argument(
        "--single-worker",
        action="store_true",
        help="experiment: one worker (2 processes) for both queues",
    )
    args = parser.parse_args()
    size = _common.SIZES[args.size]
    open_n, n_deadlines, burst = size["open"], size["deadlines"], size["burst"]
    signal.signal(signal.SIGTERM, _terminate)

    _common.setup_django()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    result = {
        "bench": "clock_latency",
        "open": open_n,
        "deadlines": n_deadlines,
        "p50_s": None,
        "p99_s": None,
        "max_s": None,
        "burst": burst,
        "burst_s": None,
        "floor_s": BEAT_INTERVAL_S,
        "workers": "single" if args.single_worker else "split",
    }
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-clocks"]
    print(
        f"clock_latency: size={args.size} open={open_n} deadlines={n_deadlines}"
        f" over {size['spread_s']} s, burst={burst}"
        f" db={settings.DATABASES['default']['NAME']}"
        f" broker={_common.bench_broker_url()}"
    )
    print(f"load average (2 cores, shared with others): {_common.loadavg()}")
    print(
        f"baseline floor: beat interval {sweep['schedule']} s"
        f" (a deadline waits up to that for the next sweep);"
        f" sweep expires after {sweep['options'].get('expires')} s"
    )

    error = None
    with _common.bench_lock(), tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        broker = _common.bench_broker_url()
        _common.flush_redis(broker)
        started = time.perf_counter()
        _common.load_clocks(open_n=open_n, now=timezone.now())
        print(f"loaded {open_n} clocks in {time.perf_counter() - started:.1f} s")
        rng = random.Random(42)
        chosen = rng.sample(range(CANARY_ID + 1, open_n + 1), n_deadlines + burst)
        deadline_ids, burst_ids = chosen[:n_deadlines], chosen[n_deadlines:]

        celery = Celery(Path(tmp))
        connection.close()
        celery.start(split=not args.single_worker)
        try:
            ready = wait_ready(celery)
            print(f"worker and beat swept a canary {ready:.1f} s after start")
            measure_deadlines(celery, deadline_ids, size["spread_s"], result)
            print(
                f"deadlines: breach recorded p50 {result['p50_s']} s,"
                f" p99 {result['p99_s']} s, max {result['max_s']} s"
                f" (target p99 < 2 s; floor {BEAT_INTERVAL_S} s)"
            )
            print(
                f"           visible to others p50 {result['seen_p50_s']} s,"
                f" p99 {result['seen_p99_s']} s, max {result['seen_max_s']} s"
            )
            # Writing the burst takes time: start it far enough ahead.
            estimate = result.pop("_set_s_per_row") * burst
            lead = min(120.0, max(5.0, 2 * estimate + 3))
            measure_burst(celery, burst_ids, lead, result)
            print(
                f"burst: {burst} clocks breached in {result['burst_s']} s"
                f" (target < 5 s); first after {result['burst_first_s']} s,"
                f" {result['burst_sweeps']} sweeps took part, the last started"
                f" {result['burst_last_recorded_s']} s after the instant"
            )
            print(
                f"outbox meanwhile (delivery tasks, queue celery): {message_counts()}"
            )
        except (BenchTimeout, RuntimeError) as exc:
            error = str(exc)
            print(f"error: {error}", file=sys.stderr)
        finally:
            celery.stop()
            problems = [
                line
                for name in celery.procs
                if name != "beat"
                for line in celery.tail(name, 400).splitlines()
                if "ERROR" in line or "Traceback" in line
            ]
            if problems:
                print(
                    f"worker log has {len(problems)} error lines, e.g.:\n  "
                    + "\n  ".join(problems[:5]),
                    file=sys.stderr,
                )
            _common.flush_redis(broker)  # purge what is left in the queues

    result.pop("_set_s_per_row", None)
    print(f"load average at the end: {_common.loadavg()}")
    if error:
        result["error"] = error.splitlines()[0][:300]
        _common.emit(result)
        return 1
    _common.emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
