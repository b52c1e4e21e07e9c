"""Batch transform at scale: how time and memory grow with the input, for `berth predict` on CSV files of 10 MB to
1 GB and for `berth serve` answering a SageMaker-style MultiRecord job (6 MB payloads of whole lines,
MaxConcurrentTransforms = the machine's cores), against the same server's 10,000-row end-to-end rate measured in the
same run (ratio = rows/s of the job / rows/s of 10,000-row requests). Memory is each process's peak RSS (the
kernel's high-water mark), which must not grow with the file.

The files repeat one block of the reference model's request rows (4-decimal numbers, 5% missing), so every size costs
the same per row. Output files are deleted after each run.

Usage (the fixture environment has xgboost; GNU time, Debian's `time` package, measures berth predict's peak):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/batch-transform-scale.py [--sizes 10,100,1000] [--seconds 10]
"""

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import cpu_model  # noqa: E402
from berth_server import BERTH, free_port, start  # noqa: E402

PAYLOAD_BYTES = 6 * 1024 * 1024


def csv_block(rows):
    X = reference_model.rows(rows)
    return ("\n".join(",".join("" if v != v else repr(float(v)) for v in row) for row in X) + "\n").encode()


def write_file(path, block, megabytes):
    """The block repeated until the file holds `megabytes` MB (whole blocks); returns its rows per block count."""
    with open(path, "wb") as handle:
        written = 0
        while written < megabytes * 1_000_000:
            handle.write(block)
            written += len(block)
    return written


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024


def predict(model_folder, path):
    """`berth predict` on one file: seconds, rows and peak RSS (MiB). GNU time measures the peak: a child of this
    process would count the Python image it was forked from in its own peak."""
    output = tempfile.mkdtemp()
    peak = os.path.join(output, "peak")
    began = time.perf_counter()
    status = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak, BERTH, "predict", "--model-dir", model_folder,
                             "--output", output, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    seconds = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"berth predict failed on {path} (status {status})")
    with open(peak) as handle:
        peak_kib = int(handle.read().split()[-1])
    os.remove(peak)
    out = os.path.join(output, os.path.basename(path) + ".out")
    with open(out, "rb") as handle:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
    os.remove(out)
    os.rmdir(output)
    return seconds, rows, peak_kib / 1024


def post_all(port, bodies, connections):
    """POSTs every body over `connections` keep-alive connections at once; returns seconds."""
    queue = list(bodies)
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop(0)
            connection.request("POST", "/invocations", body=body, headers={"Content-Type": "text/csv", "Accept": "text/csv"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"/invocations answered {response.status}")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def payloads(path):
    """The file cut into MultiRecord payloads: as many whole lines as fit in 6 MB."""
    with open(path, "rb") as handle:
        data = handle.read()
    start_index = 0
    while start_index < len(data):
        end = min(len(data), start_index + PAYLOAD_BYTES)
        if end < len(data):
            end = data.rindex(b"\n", start_index, end) + 1
        yield data[start_index:end]
        start_index = end


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1000", help="file sizes in MB")
    parser.add_argument("--seconds", type=float, default=10, help="how long to time 10,000-row requests")
    arguments = parser.parse_args()
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory() as folder:
        reference_model.build(folder)
        model = os.path.join(folder, "model")
        ten_thousand = csv_block(10_000)
        block = ten_thousand

        port = free_port()
        server, _ = start(model, port)
        try:
            # The baseline: 10,000-row requests, one connection per core, for the given time.
            rounds, began = 0, time.perf_counter()
            while time.perf_counter() - began < arguments.seconds:
                post_all(port, [ten_thousand] * cores, cores)
                rounds += cores
            baseline = rounds * 10_000 / (time.perf_counter() - began)
            print(f"{cpu_model()}, {cores} cores; 10,000-row CSV requests, {cores} connections: {baseline:,.0f} rows/s\n")
            print(f"{'job':<28} {'MB':>6} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'ratio':>6} {'peak RSS MiB':>13}")
            for megabytes in [int(size) for size in arguments.sizes.split(",")]:
                path = os.path.join(folder, f"rows-{megabytes}mb.csv")
                size = write_file(path, block, megabytes)
                seconds, rows, rss = predict(model, path)
                print(f"{'berth predict':<28} {size / 1e6:>6.0f} {rows:>10,} {seconds:>8.2f} {rows / seconds:>10,.0f} "
                      f"{rows / seconds / baseline:>6.2f} {rss:>13.1f}")
                if megabytes <= 1000:
                    bodies = list(payloads(path))
                    rows = sum(body.count(b"\n") for body in bodies)
                    seconds = post_all(port, bodies, cores)
                    print(f"{f'serve, MultiRecord x{cores}':<28} {size / 1e6:>6.0f} {rows:>10,} {seconds:>8.2f} "
                          f"{rows / seconds:>10,.0f} {rows / seconds / baseline:>6.2f} {peak_rss_mib(server.pid):>13.1f}")
                    del bodies
                os.remove(path)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
