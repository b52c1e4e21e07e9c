"""What a serverless endpoint's cold invocation costs with Berth: process start to the first 200 answer of
POST /invocations (one CSV row) on the reference model given as model.tar.gz, and the memory the process peaks at —
after that first answer and after the largest body a serverless endpoint accepts (4 MB of CSV).

SageMaker Serverless Inference starts a container on the first request after an idle period, and bills and limits
it by a memory size chosen in advance; these two numbers are what docs/deployment.md sizes that choice with. The
medians of several cold starts are printed (the machine is shared and noisy).

Usage (the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/cold-invocation.py [--rounds 9]
"""

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_server import BERTH, free_port  # noqa: E402

SERVERLESS_PAYLOAD_BYTES = 4 * 1024 * 1024


def post(port, body, timeout=30):
    """POST /invocations with a CSV body; the status, or None while nothing listens yet."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("POST", "/invocations", body=body, headers={"Content-Type": "text/csv", "Accept": "text/csv"})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status
    except (ConnectionRefusedError, ConnectionResetError):
        return None


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024


def csv_body(rows):
    text = [",".join("" if value != value else repr(float(value)) for value in row) for row in rows]
    return ("\n".join(text) + "\n").encode()


def largest_body():
    """As many reference rows as fit in the serverless payload limit."""
    row_bytes = len(csv_body(reference_model.rows(100))) / 100
    body = csv_body(reference_model.rows(int(SERVERLESS_PAYLOAD_BYTES / row_bytes * 0.98)))
    assert len(body) <= SERVERLESS_PAYLOAD_BYTES
    return body


def cold_invocation(folder, one_row, big_body):
    """One cold start: seconds to the first 200, peak RSS then, peak RSS after the 4 MB body."""
    port = free_port()
    # The port and folder as the container's environment gives them: the command line is the image's bare `serve`.
    process = subprocess.Popen([BERTH, "serve"], env=dict(os.environ, SAGEMAKER_BIND_TO_PORT=str(port), SM_MODEL_DIR=folder),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.perf_counter()
    try:
        while True:
            status = post(port, one_row)
            if status == 200:
                break
            if process.poll() is not None:
                raise SystemExit("berth exited before answering")
            if status is not None and status != 503:
                raise SystemExit(f"the first invocation answered {status}")
            time.sleep(0.0005)
        seconds = time.perf_counter() - began
        after_first = peak_rss_mib(process.pid)
        status = post(port, big_body)
        if status != 200:
            raise SystemExit(f"the {len(big_body)}-byte body answered {status}")
        return seconds, after_first, peak_rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait()


def cpu_model():
    with open("/proc/cpuinfo") as info:
        found = re.search(r"model name\s*:\s*(.+)", info.read())
    return found.group(1) if found else "unknown CPU"


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    arguments = parser.parse_args()
    if not os.path.exists(BERTH):
        raise SystemExit(f"{BERTH} is missing: run `swift build -c release --product berth` first")
    with tempfile.TemporaryDirectory() as work:
        reference_model.build(work)
        archive_folder = os.path.join(work, "archive")
        os.makedirs(archive_folder)
        os.rename(os.path.join(work, "model.tar.gz"), os.path.join(archive_folder, "model.tar.gz"))
        one_row = csv_body(reference_model.rows(1))
        big_body = largest_body()
        results = [cold_invocation(archive_folder, one_row, big_body) for _ in range(arguments.rounds)]
    print(f"{cpu_model()}, {os.cpu_count()} cores; {BERTH}")
    print(f"reference model (500 trees, depth 8) from model.tar.gz, {arguments.rounds} cold starts, medians:")
    print(f"  process start to first /invocations 200: {1000 * median([r[0] for r in results]):.0f} ms "
          f"(range {1000 * min(r[0] for r in results):.0f}-{1000 * max(r[0] for r in results):.0f})")
    print(f"  peak RSS after the first answer:          {median([r[1] for r in results]):.1f} MiB")
    rows = big_body.count(b"\n")
    print(f"  peak RSS after a {len(big_body) / 1e6:.1f} MB CSV body ({rows} rows): "
          f"{median([r[2] for r in results]):.1f} MiB")


if __name__ == "__main__":
    main()
