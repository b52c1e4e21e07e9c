"""Dynamic batching by model: 64 connections of one-row CSV requests (wrk) against the release server with
BERTH_BATCHING=true, =false and unset (the default, which depends on the model), for the MLP of
`onnx-vs-onnxruntime.py` (3 hidden layers of 256 units, or `--units`: a joined call is one matrix product instead of
many) and the
reference tree model (500 trees: every row costs the kernel the same, joined or not). Ratio = requests/s over
those with batching off, measured back to back; the default must land on the faster side for each model.
`--calls 1,4` measures batching on once per BERTH_MAX_BATCH_CALLS value (joined calls a model runs at once).

Usage (needs wrk; the ONNX fixture environment builds the MLP, the xgboost one the trees):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/batching-by-model.py [--seconds 10] [--rounds 2]

On a machine without onnx (a GPU machine): write the MLP here with `--write-mlp DIR`, carry DIR, and run there with
`--mlp-model DIR` (numpy is all it needs then); `--devices cpu,cuda` measures each model with BERTH_DEVICE set to
each in turn; WRK names the wrk binary when it is not on PATH. wrk runs 2 threads, or a quarter of the cores on a
larger machine.
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


def wrk_threads():
    """wrk's threads: 2 on a small machine (it shares the cores with the server), a quarter of the cores on a large one."""
    return max(2, (os.cpu_count() or 2) // 4)


def wrk(port, body_path, connections, seconds, work):
    script = os.path.join(work, "post.lua")
    with open(script, "w") as handle:
        handle.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/csv"\n'
                     f'local f = io.open("{body_path}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
    output = subprocess.run([os.environ.get("WRK", "wrk"), f"-t{min(connections, wrk_threads())}", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             f"http://127.0.0.1:{port}/invocations"], check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise SystemExit("the server answered errors:\n" + output)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def serve_and_measure(model_folder, body_path, environment, seconds, work):
    port = free_port()
    process, _ = start(model_folder, port, environment)
    try:
        return wrk(port, body_path, 64, seconds, work)
    finally:
        process.terminate()
        process.wait()


def settings(calls):
    """(name, environment) for batching on (once per number of joined calls at once in `calls`, or once with
    the default), off, and the model's default."""
    on = [(f"on, {count} call{'s' if count > 1 else ''}", {"BERTH_BATCHING": "true", "BERTH_MAX_BATCH_CALLS": str(count)})
          for count in calls] or [("on", {"BERTH_BATCHING": "true"})]
    return on + [("off", {"BERTH_BATCHING": "false"}), ("default", {})]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mlp-model", help="a folder holding the MLP's model.onnx (from --write-mlp), instead of building it")
    parser.add_argument("--write-mlp", metavar="DIR", help="write the MLP's model.onnx into DIR and stop")
    parser.add_argument("--units", type=int, default=256, help="units of each of the MLP's 3 hidden layers")
    parser.add_argument("--devices", default="", help="BERTH_DEVICE values to measure each model under, comma-separated")
    parser.add_argument("--calls", default="", help="BERTH_MAX_BATCH_CALLS values to measure batching on with, comma-separated "
                                                    "(default: on once, with the default)")
    arguments = parser.parse_args()
    import numpy as np

    rng = np.random.default_rng(7)
    if arguments.write_mlp:
        os.makedirs(arguments.write_mlp, exist_ok=True)
        with open(os.path.join(arguments.write_mlp, "model.onnx"), "wb") as handle:
            handle.write(onnx_benchmark().mlp(rng, arguments.units))
        return
    with tempfile.TemporaryDirectory() as work:
        models = {}
        mlp_folder = arguments.mlp_model
        if not mlp_folder:
            mlp_folder = os.path.join(work, "mlp")
            os.makedirs(mlp_folder)
            with open(os.path.join(mlp_folder, "model.onnx"), "wb") as handle:
                handle.write(onnx_benchmark().mlp(rng, arguments.units))
        models[f"MLP 28-{arguments.units}-{arguments.units}-{arguments.units}-2 (ONNX)" if not arguments.mlp_model else "MLP (ONNX)"] = mlp_folder
        trees = os.environ.get("BERTH_TREE_MODEL_DIR")
        if trees:
            models["500 trees (XGBoost)"] = trees
        body = os.path.join(work, "row.csv")
        row_rng = np.random.default_rng(8)
        with open(body, "w") as handle:
            handle.write(",".join(repr(round(float(v), 4)) for v in row_rng.normal(size=28)) + "\n")
        devices = [device for device in arguments.devices.split(",") if device] or [None]
        calls = [int(count) for count in arguments.calls.split(",") if count]
        print(f"{cpu_model()}, {os.cpu_count()} cores; wrk with {min(64, wrk_threads())} threads, 64 connections")
        print(f"{'model':<30} {'device':<7} {'batching':<12} {'requests/s':>11}  {'÷ off':>6}")
        for name, folder in models.items():
            for device in devices:
                for _ in range(arguments.rounds):
                    rates = {}
                    for setting, environment in settings(calls):
                        rates[setting] = serve_and_measure(folder, body, dict(environment, **({"BERTH_DEVICE": device} if device else {})),
                                                           arguments.seconds, work)
                    for setting, rate in rates.items():
                        print(f"{name:<30} {device or 'default':<7} {setting:<12} {rate:>11,.0f}  {rate / rates['off']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
