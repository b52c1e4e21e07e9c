"""Berth end to end over loopback HTTP with wrk: the reference model (500 trees) served by the release binary,
driven with 1-, 100- and 10,000-row CSV bodies and a 1-row JSON body at concurrency 1 and 16, beside the same
server's GET /ping and the kernel alone (`berth bench`) in the same run; then cold start (process start to the
first /ping 200, model given as model.tar.gz) against `python -c "import xgboost"`, RSS, and 64 connections of
1-row requests with dynamic batching on and off (BERTH_BATCHING=false).

Usage (needs wrk from Debian; the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/end-to-end.py [--seconds 5]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_server import BERTH, free_port, rss_mib, start  # noqa: E402


def wrk(port, path, body, content_type, connections, seconds, work):
    script = os.path.join(work, "request.lua")
    with open(script, "w") as handle:
        if body:
            handle.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "{content_type}"\n'
                         f'local f = io.open("{body}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
    output = subprocess.run(["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        reference_model.build(work)
        archive_folder = os.path.join(work, "archive")
        os.makedirs(archive_folder)
        os.rename(os.path.join(work, "model.tar.gz"), os.path.join(archive_folder, "model.tar.gz"))
        bodies = {count: reference_model.write_bodies(work, reference_model.rows(count), f"rows{count}") for count in (1, 100, 10000)}

        starts = []
        for _ in range(5):
            port = free_port()
            process, elapsed = start(archive_folder, port)
            starts.append(elapsed)
            process.terminate()
            process.wait()
        imports = []
        for _ in range(3):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import xgboost"], check=True)
            imports.append(time.perf_counter() - began)
        cold, python = sorted(starts)[len(starts) // 2], sorted(imports)[1]
        print(f"cold start to /ping 200 from model.tar.gz: {1000 * cold:.0f} ms; python -c 'import xgboost': "
              f"{1000 * python:.0f} ms; ratio {cold / python:.3f}")

        port = free_port()
        process, _ = start(archive_folder, port)
        try:
            kernel = json.loads(subprocess.run([BERTH, "bench", "--model-dir", os.path.join(work, "model"), "--seconds", "2", "--json",
                                                bodies[10000]["application/x-npy"]], check=True, capture_output=True, text=True).stdout)
            print(f"kernel alone, 10,000 rows: {kernel['rows_per_s']:.0f} rows/s")
            ping_rate, _ = wrk(port, "/ping", None, None, 16, arguments.seconds, work)
            print(f"GET /ping, 16 connections: {ping_rate:.0f} requests/s")
            print(f"{'body':<22}{'connections':>12}{'requests/s':>12}{'rows/s':>12}{'non-2xx':>9}")
            for count, content_type, label in [(1, "text/csv", "CSV, 1 row"), (100, "text/csv", "CSV, 100 rows"),
                                               (10000, "text/csv", "CSV, 10,000 rows"), (1, "application/json", "JSON, 1 row")]:
                for connections in (1, 16):
                    rate, errors = wrk(port, "/invocations", bodies[count][content_type], content_type, connections, arguments.seconds, work)
                    print(f"{label:<22}{connections:>12}{rate:>12.0f}{rate * count:>12.0f}{errors:>9}")
            rss = rss_mib(process.pid)
            print(f"RSS after the runs above: {rss:.1f} MiB")
            batched, _ = wrk(port, "/invocations", bodies[1]["text/csv"], "text/csv", 64, arguments.seconds, work)
        finally:
            process.terminate()
            process.wait()
        port = free_port()
        process, _ = start(archive_folder, port, {"BERTH_BATCHING": "false"})
        try:
            alone, _ = wrk(port, "/invocations", bodies[1]["text/csv"], "text/csv", 64, arguments.seconds, work)
        finally:
            process.terminate()
            process.wait()
        print(f"64 connections of 1-row CSV: {batched:.0f} requests/s with dynamic batching, {alone:.0f} without "
              f"(ratio {batched / alone:.2f})")


if __name__ == "__main__":
    main()
