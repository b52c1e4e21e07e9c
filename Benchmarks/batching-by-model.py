"""Dynamic batching by model: 64 connections of one-row CSV requests (wrk) against the release server with
BERTH_BATCHING=true, =false and unset (the default, which depends on the model), for the MLP of
`onnx-vs-onnxruntime.py` (3 hidden layers of 256 units: a joined call is one matrix product instead of many) and the
reference tree model (500 trees: every row costs the kernel the same, joined or not). Ratio = requests/s with
batching on over off, measured back to back; the default must land on the faster side for each model.

Usage (needs wrk; the ONNX fixture environment builds the MLP, the xgboost one the trees):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/batching-by-model.py [--seconds 10] [--rounds 2]
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from berth_bench import cpu_model  # noqa: E402
from berth_server import free_port, start  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def onnx_benchmark():
    spec = importlib.util.spec_from_file_location("onnx_vs_onnxruntime", os.path.join(HERE, "onnx-vs-onnxruntime.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrk(port, body_path, connections, seconds, work):
    script = os.path.join(work, "post.lua")
    with open(script, "w") as handle:
        handle.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/csv"\n'
                     f'local f = io.open("{body_path}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
    output = subprocess.run(["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             f"http://127.0.0.1:{port}/invocations"], check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise SystemExit("the server answered errors:\n" + output)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def serve_and_measure(model_folder, body_path, setting, seconds, work):
    port = free_port()
    environment = {"BERTH_BATCHING": setting} if setting is not None else {}
    process, _ = start(model_folder, port, environment)
    try:
        return wrk(port, body_path, 64, seconds, work)
    finally:
        process.terminate()
        process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    import numpy as np

    with tempfile.TemporaryDirectory() as work:
        rng = np.random.default_rng(7)
        models = {}
        mlp_folder = os.path.join(work, "mlp")
        os.makedirs(mlp_folder)
        with open(os.path.join(mlp_folder, "model.onnx"), "wb") as handle:
            handle.write(onnx_benchmark().mlp(rng))
        models["MLP 28-256-256-256-2 (ONNX)"] = mlp_folder
        trees = os.environ.get("BERTH_TREE_MODEL_DIR")
        if trees:
            models["500 trees (XGBoost)"] = trees
        body = os.path.join(work, "row.csv")
        with open(body, "w") as handle:
            handle.write(",".join(repr(round(float(v), 4)) for v in rng.normal(size=28)) + "\n")
        print(f"{cpu_model()}, {os.cpu_count()} cores")
        print(f"{'model':<30} {'batching':<9} {'requests/s':>11}")
        for name, folder in models.items():
            for _ in range(arguments.rounds):
                on = serve_and_measure(folder, body, "true", arguments.seconds, work)
                off = serve_and_measure(folder, body, "false", arguments.seconds, work)
                default = serve_and_measure(folder, body, None, arguments.seconds, work)
                print(f"{name:<30} {'on':<9} {on:>11,.0f}")
                print(f"{name:<30} {'off':<9} {off:>11,.0f}")
                print(f"{name:<30} {'default':<9} {default:>11,.0f}    on / off = {on / off:.2f}")


if __name__ == "__main__":
    main()
