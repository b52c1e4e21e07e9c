"""Two builds of berth on 10,000-row bodies, paired: both servers up at once (BERTH_THREADS=2), each pair of short
wrk runs at 2 connections (or `--connections`) in alternating order, the ratio taken per pair (this build / baseline) for rows per
second and for the server's CPU time per row (from /proc). The medians and quartiles of those ratios show a change
of a few percent that two separate runs of `large-requests.py`, on a shared machine, hide in their noise. Run it
with the same binary twice first (an A/A run) to see the noise.

Usage (needs wrk from Debian; the fixture environment has xgboost for the reference model):
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/ab-large-requests.py BASELINE_BERTH THIS_BERTH \
        [--pairs 10] [--seconds 2] [--connections 2] [--types text/csv,application/json,application/x-npy] [--accept application/json]
"""

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_model  # noqa: E402
from berth_server import cpu_seconds, free_port, start  # noqa: E402

_spec = importlib.util.spec_from_file_location("large_requests", os.path.join(HERE, "large-requests.py"))
large_requests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(large_requests)


def quartiles(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 4], statistics.median(ordered), ordered[(3 * len(ordered)) // 4]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--types", default=",".join(large_requests.BODIES))
    parser.add_argument("--accept", help="the answers' content type (default: none asked, so text/csv)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        reference_model.build(work)
        bodies = reference_model.write_bodies(work, reference_model.rows(large_requests.ROWS), "rows")
        servers = {}
        try:
            for label, binary in (("baseline", arguments.baseline), ("candidate", arguments.candidate)):
                port = free_port()
                process, _ = start(os.path.join(work, "model"), port, {"BERTH_THREADS": "2"}, binary=binary)
                servers[label] = (port, process)
            print(f"{'body':<22}{'baseline rows/s':>17}{'this rows/s':>13}   rows/s ratio (q1 median q3)   CPU/row ratio (q1 median q3)")
            for content_type in arguments.types.split(","):
                body = bodies[content_type]
                for port, _ in servers.values():  # warm-up
                    large_requests.wrk_rows_per_second(port, body, content_type, arguments.connections, 1, work, arguments.accept)
                rates = {label: [] for label in servers}
                rate_ratios, cpu_ratios = [], []
                for pair in range(arguments.pairs):
                    order = ("baseline", "candidate") if pair % 2 == 0 else ("candidate", "baseline")
                    cpu_per_row = {}
                    for label in order:
                        port, process = servers[label]
                        before = cpu_seconds(process.pid)
                        rate = large_requests.wrk_rows_per_second(port, body, content_type, arguments.connections, arguments.seconds, work,
                                                                   arguments.accept)
                        cpu_per_row[label] = (cpu_seconds(process.pid) - before) / (rate * arguments.seconds)
                        rates[label].append(rate)
                    rate_ratios.append(rates["candidate"][-1] / rates["baseline"][-1])
                    cpu_ratios.append(cpu_per_row["candidate"] / cpu_per_row["baseline"])
                rate_q, cpu_q = quartiles(rate_ratios), quartiles(cpu_ratios)
                print(f"{content_type:<22}{statistics.median(rates['baseline']):>17.0f}{statistics.median(rates['candidate']):>13.0f}"
                      f"   {rate_q[0]:.3f} {rate_q[1]:.3f} {rate_q[2]:.3f}"
                      f"{'':>17}{cpu_q[0]:.3f} {cpu_q[1]:.3f} {cpu_q[2]:.3f}", flush=True)
        finally:
            for _, process in servers.values():
                process.terminate()
                process.wait()


if __name__ == "__main__":
    main()
