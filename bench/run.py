"""Run every benchmark in sequence, each as its own process.

    .venv/bin/python bench/run.py --size small|full      (make bench SIZE=small)

Each benchmark's output is passed through; its last line is a JSON object.
The last line printed here is one JSON object with all of them. Exits 1 if any
benchmark fails (non-zero exit, no JSON, or a timeout).
"""

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["clock_sweep.py", "clock_latency.py", "ingest.py", "care_scale.py"]
TIMEOUT_S = {"small": 900, "full": 3600}


def run_one(script: str, size: str, timeout: float) -> tuple[int, dict | None]:
    command = [sys.executable, str(HERE / script), "--size", size]
    print(f"$ {' '.join(command)}", flush=True)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        proc.terminate()  # the bench stops its own worker and beat on SIGTERM
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    last = ""
    try:
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.strip():
                last = line.strip()
        proc.wait()
    finally:
        watchdog.cancel()
    if timed_out.is_set():
        print(f"{script}: gave up after {timeout:.0f} s", file=sys.stderr)
        return 124, None
    try:
        result = json.loads(last)
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict):
        print(f"{script}: the last line is not a JSON object", file=sys.stderr)
        return proc.returncode or 1, None
    return proc.returncode, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "full"], default="full")
    args = parser.parse_args()
    results, failed = [], []
    for script in BENCHES:
        started = time.monotonic()
        code, result = run_one(script, args.size, TIMEOUT_S[args.size])
        print(
            f"{script}: exit {code} after {time.monotonic() - started:.0f} s\n",
            flush=True,
        )
        if result is not None:
            results.append(result)
        if code != 0 or result is None:
            failed.append(script)
    print(
        json.dumps(
            {"bench": "all", "size": args.size, "results": results, "failed": failed}
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
