"""Large requests end to end (issue "Performance, round two", target 1): 10,000-row bodies (CSV, JSON, NPY) sent
to the release server by wrk on 2 connections, against the kernel alone (`berth bench`, 2 threads) and xgboost's
own `Booster.inplace_predict` on the same rows already parsed (2 threads), all in one run, in alternating rounds
(the machine is shared and noisy: ranges over the rounds, ratios of the medians).

Usage (needs wrk from Debian; the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/large-requests.py [--seconds 5] [--rounds 3]
"""

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_model, median_microseconds  # noqa: E402
from berth_server import free_port, start  # noqa: E402

ROWS = 10000
BODIES = ("text/csv", "application/json", "application/x-npy")


def wrk_rows_per_second(port, body, content_type, connections, seconds, work, accept=None):
    """Rows a second answered for `body` sent by wrk; `accept` sets the Accept header (none: the server's default,
    text/csv, as the official container's)."""
    import re
    import subprocess
    script = os.path.join(work, "request.lua")
    with open(script, "w") as handle:
        handle.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "{content_type}"\n'
                     + (f'wrk.headers["Accept"] = "{accept}"\n' if accept else "")
                     + f'local f = io.open("{body}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
    output = subprocess.run(["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script,
                             f"http://127.0.0.1:{port}/invocations"], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"non-2xx answers to {content_type}: {output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)) * ROWS


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        booster = reference_model.build(work)
        booster.set_param({"nthread": 2})
        X = reference_model.rows(ROWS)
        bodies = reference_model.write_bodies(work, X, "rows")
        model = os.path.join(work, "model")
        figures = {name: [] for name in ("xgboost", "kernel", *BODIES)}
        port = free_port()
        process, _ = start(model, port, {"BERTH_THREADS": "2"})
        try:
            for _ in range(arguments.rounds):
                figures["xgboost"].append(ROWS / median_microseconds(lambda: booster.inplace_predict(X.astype(np.float32)),
                                                                     arguments.seconds) * 1e6)
                figures["kernel"].append(berth("kernel", model, [bodies["application/x-npy"]], 2, arguments.seconds)[0]["rows_per_s"])
                for content_type in BODIES:
                    figures[content_type].append(wrk_rows_per_second(port, bodies[content_type], content_type, 2, arguments.seconds, work))
        finally:
            process.terminate()
            process.wait()
        import xgboost
        print(f"{cpu_model()}, {os.cpu_count()} cores; reference model; {ROWS:,}-row bodies on 2 connections, 2 threads; "
              f"xgboost {xgboost.__version__}; {arguments.rounds} rounds")
        xgb, kernel = median(figures["xgboost"]), median(figures["kernel"])
        print(f"{'what':<34}{'rows/s (range)':>26}{'÷ xgboost':>11}{'÷ kernel':>10}")
        for name, label in (("xgboost", "xgboost inplace_predict"), ("kernel", "berth kernel alone"),
                            *((content_type, f"berth end to end, {content_type}") for content_type in BODIES)):
            values = sorted(figures[name])
            value = median(values)
            print(f"{label:<34}{f'{value:.0f} ({values[0]:.0f}–{values[-1]:.0f})':>26}{value / xgb:>11.2f}{value / kernel:>10.2f}")


if __name__ == "__main__":
    main()
