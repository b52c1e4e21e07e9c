"""A million requests in a row against the release `berth serve`: no request may fail, and the server's memory
after them may be at most 1.1 × its memory after the first 10,000 (issue: load and faults).

The model is the legacy binary fixture (12 features, binary:logistic), the body one CSV row of its requests,
sent by wrk over 16 keep-alive connections. Prints the
requests, failures (non-2xx and socket errors), requests/s, RSS and open files after warm-up and after the run.

Usage (wrk from Debian):
    swift build -c release --product berth
    python3 Benchmarks/soak.py [--requests 1000000] [--warm-up 10000]
"""

import argparse
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from berth_server import ROOT, free_port, open_files, rss_mib, start  # noqa: E402

FIXTURE = os.path.join(ROOT, "opt-ml-fixtures", "xgboost-binary-legacy")
CONNECTIONS = 16


def run_wrk(port, requests, seconds, work):
    """Sends `requests` requests within at most `seconds`: each of wrk's two threads stops after its half and
    leaves a marker file; once both have, wrk is interrupted so it reports at once. Returns (requests sent,
    failures, seconds taken)."""
    with open(os.path.join(FIXTURE, "requests", "rows.csv")) as rows:
        body = rows.readline().strip()
    script = os.path.join(work, "soak.lua")
    markers = [os.path.join(work, f"done-{thread}") for thread in (1, 2)]
    for marker in markers:
        if os.path.exists(marker):
            os.remove(marker)
    with open(script, "w") as handle:
        handle.write(f'''wrk.method = "POST"
wrk.headers["Content-Type"] = "text/csv"
wrk.body = "{body}\\n"
local next_id = 1
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
local answered, limit = 0, {max(1, math.ceil(requests / 2))}
function response(status, headers, body)
  answered = answered + 1
  if answered == limit then
    io.open("{work}/done-" .. id, "w"):close()
    wrk.thread:stop()
  end
end
''')
    began = time.perf_counter()
    process = subprocess.Popen(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script,
                                f"http://127.0.0.1:{port}/invocations"], stdout=subprocess.PIPE, text=True)
    while process.poll() is None and not all(os.path.exists(marker) for marker in markers):
        time.sleep(0.01)
    elapsed = time.perf_counter() - began
    process.send_signal(signal.SIGINT)
    output = process.communicate()[0]
    sent = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failures = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return sent, failures, elapsed


def run_at_least(port, requests, rate, work):
    """Runs wrk until `requests` have been sent (a run that hit its time bound on a slower machine is topped up);
    returns (requests sent, failures, requests/s)."""
    total, failures, seconds = 0, 0, 0.0
    while total < requests:
        sent, failed, elapsed = run_wrk(port, requests - total, math.ceil((requests - total) / rate * 1.5) + 2, work)
        total, failures, seconds = total + sent, failures + failed, seconds + elapsed
    return total, failures, total / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--warm-up", type=int, default=10_000)
    arguments = parser.parse_args()
    port = free_port()
    process, _ = start(os.path.join(FIXTURE, "model"), port)
    try:
        with tempfile.TemporaryDirectory() as work:
            sent, failed, rate = run_at_least(port, arguments.warm_up, 5_000, work)
            warm_rss, warm_files = rss_mib(process.pid), open_files(process.pid)
            print(f"warm-up: {sent} requests, {failed} failed, {rate:.0f}/s; RSS {warm_rss:.1f} MiB, {warm_files} open files")
            more, more_failed, rate = run_at_least(port, arguments.requests - sent, rate, work)
            rss, files = rss_mib(process.pid), open_files(process.pid)
            total, total_failed = sent + more, failed + more_failed
            print(f"soak: {total} requests in a row, {total_failed} failed, {rate:.0f}/s; RSS {rss:.1f} MiB "
                  f"({rss / warm_rss:.3f} × after warm-up; target ≤ 1.1), {files} open files")
        alive = process.poll() is None
    finally:
        process.terminate()
        process.wait()
    ok = alive and total_failed == 0 and total >= arguments.requests and rss <= 1.1 * warm_rss
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
