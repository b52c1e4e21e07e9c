"""How a Berth multi-model endpoint feels: the time to load a 500-tree model through POST /models and to answer
its first invocation, and invocation throughput across 100 loaded small models called in random order.

Trains the models with xgboost (binary:logistic, 28 features; 500 trees of depth 8, and 100 models of 20 trees),
starts the release binary in multi-model mode on loopback with BERTH_MODELS_ROOT pointing at them, and prints a
table. Loads and invocations go through real HTTP, as SageMaker sends them.

Usage (the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/multi-model.py [--requests 5000] [--clients 4]
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.request
import warnings

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from berth_server import free_port, start as start_berth  # noqa: E402

warnings.filterwarnings("ignore", message=".*UBJSON format as default.*")


def train(rng, trees, depth, path):
    X = rng.normal(size=(4000, 28)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] > 0).astype(float)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": depth, "eta": 0.1, "nthread": 2},
                        xgb.DMatrix(X, label=y), num_boost_round=trees)
    os.makedirs(path)
    booster.save_model(os.path.join(path, "xgboost-model"))


def call(port, method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request) as response:
        return response.status, response.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=4)
    arguments = parser.parse_args()
    rng = np.random.default_rng(3)
    row = ",".join(f"{v:.3f}" for v in rng.normal(size=28)).encode()
    with tempfile.TemporaryDirectory() as root:
        train(rng, 500, 8, os.path.join(root, "large"))
        for index in range(100):
            train(rng, 20, 4, os.path.join(root, f"small{index:03d}"))
        port = free_port()
        server, _ = start_berth(None, port, {"SAGEMAKER_MULTI_MODEL": "true", "BERTH_MODELS_ROOT": root})
        try:
            start = time.perf_counter()
            call(port, "POST", "/models", json.dumps({"model_name": "large", "url": os.path.join(root, "large")}).encode())
            loaded = time.perf_counter()
            call(port, "POST", "/models/large/invoke", row, "text/csv")
            first = time.perf_counter()
            size = os.path.getsize(os.path.join(root, "large", "xgboost-model"))
            print(f"500-tree model ({size / 1e6:.1f} MB UBJSON): POST /models {1000 * (loaded - start):.1f} ms, "
                  f"first invoke after it {1000 * (first - loaded):.2f} ms")

            start = time.perf_counter()
            for index in range(100):
                call(port, "POST", "/models", json.dumps({"model_name": f"small{index:03d}",
                                                          "url": os.path.join(root, f"small{index:03d}")}).encode())
            print(f"100 small models (20 trees) loaded one after another in {time.perf_counter() - start:.2f} s")

            names = [f"small{random.Random(i).randrange(100):03d}" for i in range(arguments.requests)]
            failures = []

            def client(share):
                for name in share:
                    status, _ = call(port, "POST", f"/models/{name}/invoke", row, "text/csv")
                    if status != 200:
                        failures.append(status)

            shares = [names[i::arguments.clients] for i in range(arguments.clients)]
            threads = [threading.Thread(target=client, args=(share,)) for share in shares]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            print(f"{arguments.requests} invocations of 1 CSV row across the 100 models in random order, "
                  f"{arguments.clients} clients: {arguments.requests / elapsed:.0f} requests/s, {len(failures)} failures")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
