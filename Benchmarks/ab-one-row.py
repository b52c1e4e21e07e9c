"""Two builds of berth on 1-row requests, paired: both servers up at once, each pair of short wrk runs in
alternating order, the ratio taken per pair (this build / baseline) for requests per second and for the server's
CPU time per request (from /proc). The medians and quartiles of those ratios show a cost of a few percent that
end-to-end throughput alone, on a shared machine, hides in its noise. Run it with the same binary twice first (an
A/A run) to see the noise.

Usage (needs wrk from Debian; the fixture environment has xgboost for the reference model):
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/ab-one-row.py BASELINE_BERTH THIS_BERTH [--pairs 20] [--seconds 2]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_server import cpu_seconds, free_port, start  # noqa: E402


def wrk(port, script, connections, seconds):
    output = subprocess.run(["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             f"http://127.0.0.1:{port}/invocations"], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"(\d+) requests in", output).group(1)), float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        reference_model.build(work)
        body = reference_model.write_bodies(work, reference_model.rows(1), "row")["text/csv"]
        script = os.path.join(work, "request.lua")
        with open(script, "w") as handle:
            handle.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/csv"\n'
                         f'local f = io.open("{body}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
        servers = {}
        for label, binary in (("baseline", arguments.baseline), ("candidate", arguments.candidate)):
            port = free_port()
            process, _ = start(os.path.join(work, "model"), port, binary=binary)
            servers[label] = (port, process)
        try:
            for port, _ in servers.values():
                wrk(port, script, arguments.connections, 1)  # warm-up
            rates, cpus = [], []
            for index in range(arguments.pairs):
                measured = {}
                for label in ("baseline", "candidate") if index % 2 == 0 else ("candidate", "baseline"):
                    port, process = servers[label]
                    before = cpu_seconds(process.pid)
                    requests, rate = wrk(port, script, arguments.connections, arguments.seconds)
                    measured[label] = (rate, (cpu_seconds(process.pid) - before) / requests)
                rates.append(measured["candidate"][0] / measured["baseline"][0])
                cpus.append(measured["candidate"][1] / measured["baseline"][1])
        finally:
            for _, process in servers.values():
                process.terminate()
                process.wait()

    def summary(values):
        quartiles = statistics.quantiles(values, n=4)
        return f"median {statistics.median(values):.3f} (quartiles {quartiles[0]:.3f}–{quartiles[2]:.3f})"

    print(f"{arguments.pairs} pairs of {arguments.seconds} s, 1-row CSV, {arguments.connections} connections, ratio candidate / baseline:")
    print(f"  requests per second: {summary(rates)}")
    print(f"  server CPU per request: {summary(cpus)}")


if __name__ == "__main__":
    main()
