"""What the benchmark scripts share: `berth bench` driven for one stage (its JSON lines parsed), the median time of
a reference library's call measured the same way, and the CPU model every table is printed with."""

import json
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.path.join(ROOT, ".build", "release", "berth")


def berth(stage, model, inputs, threads, seconds, extra=(), environment=None):
    output = subprocess.run([BERTH, "bench", "--stage", stage, "--model-dir", model, "--seconds", str(seconds), "--json", *extra, *inputs],
                            env=dict(os.environ, BERTH_THREADS=str(threads), **(environment or {})), check=True, capture_output=True,
                            text=True).stdout
    return [json.loads(line) for line in output.splitlines()]


def median_microseconds(call, seconds):
    """The median time of `call()` in µs: three warm-up calls, then as many as fit in `seconds` (at least five)."""
    for _ in range(3):
        call()
    samples, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2] * 1e6


def cpu_model():
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def cpu_flags():
    """The instruction-set flags /proc/cpuinfo lists (avx2, avx512f, ...), as a set."""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()
