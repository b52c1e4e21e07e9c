"""`berth bench` driven from a benchmark script: one stage timed on given inputs, its JSON lines parsed."""

import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.path.join(ROOT, ".build", "release", "berth")


def berth(stage, model, inputs, threads, seconds, extra=()):
    output = subprocess.run([BERTH, "bench", "--stage", stage, "--model-dir", model, "--seconds", str(seconds), "--json", *extra, *inputs],
                            env=dict(os.environ, BERTH_THREADS=str(threads)), check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines()]
