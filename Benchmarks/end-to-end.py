"""Berth end to end over loopback HTTP with wrk: the reference model (500 trees) served by the release binary,
driven with 1-, 100- and 10,000-row CSV bodies and a 1-row JSON body at concurrency 1 and 16, beside the same
server's GET /ping and the kernel alone (`berth bench`) in the same run; then cold start (process start to the
first /ping 200, model given as model.tar.gz) against `python -c "import xgboost"`, RSS, and 64 connections of
1-row requests with dynamic batching on and off (BERTH_BATCHING=false).

With `--baseline OTHER_BERTH` every figure is also taken for another build of berth (say, the last commit's), in
alternating rounds in the same run, and printed with the ratio this build / baseline: the way to show a change
costs nothing, since these machines are shared and noisy.

Usage (needs wrk from Debian; the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/end-to-end.py [--seconds 5] [--baseline PATH --rounds 2]
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

CASES = [(1, "text/csv", "CSV, 1 row"), (100, "text/csv", "CSV, 100 rows"), (10000, "text/csv", "CSV, 10,000 rows"),
         (1, "application/json", "JSON, 1 row")]


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


def measure(binary, work, archive_folder, bodies, seconds):
    """Every figure for one binary, as an ordered dict of name -> (value, unit, higher is better)."""
    figures = {}
    starts = []
    for _ in range(5):
        port = free_port()
        process, elapsed = start(archive_folder, port, binary=binary)
        starts.append(elapsed)
        process.terminate()
        process.wait()
    figures["cold start to /ping 200"] = (1000 * sorted(starts)[len(starts) // 2], "ms", False)
    port = free_port()
    process, _ = start(archive_folder, port, binary=binary)
    try:
        kernel = json.loads(subprocess.run([binary, "bench", "--model-dir", os.path.join(work, "model"), "--seconds", "2", "--json",
                                            bodies[10000]["application/x-npy"]], check=True, capture_output=True, text=True).stdout)
        figures["kernel alone, 10,000 rows"] = (kernel["rows_per_s"], "rows/s", True)
        figures["GET /ping, 16 connections"] = (wrk(port, "/ping", None, None, 16, seconds, work)[0], "requests/s", True)
        for count, content_type, label in CASES:
            for connections in (1, 16):
                rate, errors = wrk(port, "/invocations", bodies[count][content_type], content_type, connections, seconds, work)
                if errors:
                    raise SystemExit(f"{binary}: {errors} non-2xx answers to {label}")
                figures[f"{label}, {connections} connections"] = (rate * count, "rows/s", True)
        figures["RSS after the runs above"] = (rss_mib(process.pid), "MiB", False)
    finally:
        process.terminate()
        process.wait()
    # The tree model's default is no batching (its kernel costs the same per row joined or not): both are forced.
    for state, setting in (("on", "true"), ("off", "false")):
        port = free_port()
        process, _ = start(archive_folder, port, {"BERTH_BATCHING": setting}, binary=binary)
        try:
            figures[f"64 connections of 1-row CSV, batching {state}"] = (
                wrk(port, "/invocations", bodies[1]["text/csv"], "text/csv", 64, seconds, work)[0], "requests/s", True)
        finally:
            process.terminate()
            process.wait()
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--baseline", help="another berth binary, measured in the same run for ratios")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline: alternating rounds per binary")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        reference_model.build(work)
        archive_folder = os.path.join(work, "archive")
        os.makedirs(archive_folder)
        os.rename(os.path.join(work, "model.tar.gz"), os.path.join(archive_folder, "model.tar.gz"))
        bodies = {count: reference_model.write_bodies(work, reference_model.rows(count), f"rows{count}") for count in (1, 100, 10000)}

        imports = []
        for _ in range(3):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import xgboost"], check=True)
            imports.append(time.perf_counter() - began)
        python = sorted(imports)[1]

        if not arguments.baseline:
            figures = measure(BERTH, work, archive_folder, bodies, arguments.seconds)
            for name, (value, unit, _) in figures.items():
                print(f"{name:<48}{value:>14.1f} {unit}")
            cold = figures["cold start to /ping 200"][0]
            print(f"python -c 'import xgboost': {1000 * python:.0f} ms; cold start ratio {cold / (1000 * python):.3f}")
            on, off = (figures[f"64 connections of 1-row CSV, batching {state}"][0] for state in ("on", "off"))
            print(f"dynamic batching at 64 connections: {on / off:.2f} x without")
            return

        rounds = {"this build": [], "baseline": []}
        for index in range(arguments.rounds):
            for label, binary in (("baseline", arguments.baseline), ("this build", BERTH)):
                print(f"round {index + 1}: {label} ({binary})", file=sys.stderr)
                rounds[label].append(measure(binary, work, archive_folder, bodies, arguments.seconds))
        print(f"this build: {BERTH}\nbaseline:   {arguments.baseline}\n{arguments.rounds} alternating rounds each; "
              "ranges over the rounds; ratio of the medians (> 1 is better for this build)")
        print(f"{'figure':<44}{'unit':>11}{'baseline':>22}{'this build':>22}{'ratio':>8}")
        for name, (_, unit, higher) in rounds["this build"][0].items():
            mine = sorted(figures[name][0] for figures in rounds["this build"])
            theirs = sorted(figures[name][0] for figures in rounds["baseline"])
            median_mine, median_theirs = mine[len(mine) // 2], theirs[len(theirs) // 2]
            ratio = median_mine / median_theirs if higher else median_theirs / median_mine
            print(f"{name:<44}{unit:>11}{f'{theirs[0]:.0f}–{theirs[-1]:.0f}':>22}{f'{mine[0]:.0f}–{mine[-1]:.0f}':>22}{ratio:>8.2f}")


if __name__ == "__main__":
    main()
