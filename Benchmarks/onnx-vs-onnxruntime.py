"""Berth's ONNX kernels against onnxruntime, in one run, on the same models, rows and thread count.

Builds two models — an MLP of 3 hidden layers of 256 units (Gemm, then Relu as torch.onnx.export writes it, or the
activation `--activation` names: Tanh, Sigmoid or LeakyRelu, as `nn.Tanh`, `nn.Sigmoid` and `nn.LeakyReLU` export) and a
200-tree random forest exported by skl2onnx — writes batches of 1, 64 and 4,096 rows as .npy files, times
`berth bench` (a release build) and onnxruntime's InferenceSession.run on each, and prints a table of median
latencies and the ratio onnxruntime time / Berth time (> 1: Berth is faster). The two alternate for `--rounds`
rounds, cell by cell, so that a shared machine's slow spell falls on both: each cell shows the medians over the
rounds, the median of the rounds' ratios, and their range.

Usage (the fixture environment has every package):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/onnx-vs-onnxruntime.py [--threads N] [--seconds S] [--rounds R]
        [--activation relu|tanh|sigmoid|leaky-relu] [--berth PATH]
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATURES = 28
BATCHES = [1, 64, 4096]


ACTIVATIONS = {"relu": ("Relu", {}), "tanh": ("Tanh", {}), "sigmoid": ("Sigmoid", {}), "leaky-relu": ("LeakyRelu", {"alpha": 0.01})}


def mlp(rng, units=256, activation="relu"):
    """The MLP: 3 hidden layers of `units` (256 in this benchmark; batching-by-model.py may ask for more), each
    followed by `activation` (a key of ACTIVATIONS)."""
    operator, attributes = ACTIVATIONS[activation]
    layers, inputs, nodes, initializers = [units, units, units, 2], "input", [], []
    width = FEATURES
    for index, units in enumerate(layers):
        w = (rng.normal(size=(units, width)) / np.sqrt(width)).astype(np.float32)
        b = rng.normal(scale=0.1, size=units).astype(np.float32)
        initializers += [numpy_helper.from_array(w, f"w{index}"), numpy_helper.from_array(b, f"b{index}")]
        nodes.append(helper.make_node("Gemm", [inputs, f"w{index}", f"b{index}"], [f"h{index}"], transB=1))
        inputs = f"h{index}"
        if index < len(layers) - 1:
            nodes.append(helper.make_node(operator, [inputs], [f"a{index}"], **attributes))
            inputs = f"a{index}"
        width = units
    nodes.append(helper.make_node("Softmax", [inputs], ["probabilities"], axis=-1))
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", FEATURES])],
                              [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def forest(rng):
    X = rng.normal(size=(5000, FEATURES)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] > 0).astype(int)
    model = RandomForestClassifier(n_estimators=200, max_depth=8, random_state=0, n_jobs=-1).fit(X, y)
    return to_onnx(model, X[:1], options={id(model): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()


def onnxruntime_session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def time_onnxruntime(session, rows, seconds):
    name = session.get_inputs()[0].name
    for _ in range(3):
        session.run(None, {name: rows})
    samples, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter()
        session.run(None, {name: rows})
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2] * 1e6


def time_berth(binary, folder, files, threads, seconds):
    output = subprocess.run([binary, "bench", "--model-dir", folder, "--seconds", str(seconds), "--json", *files],
                            env=dict(os.environ, BERTH_THREADS=str(threads)), check=True, capture_output=True, text=True).stdout
    return [json.loads(line)["median_us"] for line in output.splitlines()]


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def compare(name, folder, files, batches, session, arguments, width=24):
    """Times Berth (`berth bench` on each .npy of `files`, the model in `folder`) and onnxruntime's `session` on the
    same `batches`, cell by cell for `arguments.rounds` rounds — each Berth time next to onnxruntime's, so the pair
    shares the machine's mood — and prints a row a batch: the medians, the median ratio and its range."""
    ours, theirs = [], []
    for _ in range(arguments.rounds):
        ours.append([])
        theirs.append([])
        for path, batch in zip(files, batches):
            ours[-1] += time_berth(arguments.berth, folder, [path], arguments.threads, arguments.seconds)
            theirs[-1].append(time_onnxruntime(session, batch, arguments.seconds))
    for cell, batch in enumerate(batches):
        berth = [round_[cell] for round_ in ours]
        runtime = [round_[cell] for round_ in theirs]
        ratios = sorted(r / b for b, r in zip(berth, runtime))
        print(f"{name:<{width}}{len(batch):>6}{median(berth):>12.1f}{median(runtime):>16.1f}{median(ratios):>8.2f}"
              f"{f'{ratios[0]:.2f}–{ratios[-1]:.2f}':>14}")


def compare_models(models, batch_sizes, description, width):
    """The command line the per-family scripts share (--threads, --seconds, --rounds, --berth), then `compare` for each
    (name, ONNX bytes, rows) of `models()`: the model in a folder of its own, its first rows of each of `batch_sizes`
    as .npy files, one table row a batch. `description` ends the heading line (what the models hold)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--berth", default=os.path.join(ROOT, ".build", "release", "berth"))
    arguments = parser.parse_args()
    print(f"onnxruntime {ort.__version__}, {arguments.threads} threads, {cpu_model()}, "
          f"{arguments.rounds} alternating rounds of ≥ {arguments.seconds} s per cell; {description}")
    print(f"{'model':<{width}}{'rows':>6}{'berth µs':>12}{'onnxruntime µs':>16}{'ratio':>8}{'range':>14}")
    with tempfile.TemporaryDirectory() as work:
        for index, (name, model, X) in enumerate(models()):
            folder = os.path.join(work, f"model-{index}")
            os.makedirs(folder)
            with open(os.path.join(folder, "model.onnx"), "wb") as handle:
                handle.write(model)
            files, batches = [], []
            for rows in batch_sizes:
                path = os.path.join(work, f"rows-{index}-{rows}.npy")
                np.save(path, X[:rows])
                files.append(path)
                batches.append(X[:rows])
            compare(name, folder, files, batches, onnxruntime_session(model, arguments.threads), arguments, width=width)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU model unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu", help="the MLP's hidden activation")
    parser.add_argument("--berth", default=os.path.join(ROOT, ".build", "release", "berth"), help="the berth binary to time")
    arguments = parser.parse_args()
    rng = np.random.default_rng(7)
    print(f"onnxruntime {ort.__version__}, {arguments.threads} threads, {cpu_model()}, "
          f"{arguments.rounds} alternating rounds of ≥ {arguments.seconds} s per cell")
    print(f"{'model':<24}{'rows':>6}{'berth µs':>12}{'onnxruntime µs':>16}{'ratio':>8}{'range':>14}")
    with tempfile.TemporaryDirectory() as work:
        operator = ACTIVATIONS[arguments.activation][0]
        for name, model in [(f"MLP 3×256 (Gemm/{operator})", mlp(rng, activation=arguments.activation)),
                            ("random forest, 200 trees", forest(rng))]:
            folder = os.path.join(work, name.split()[0])
            os.makedirs(folder)
            with open(os.path.join(folder, "model.onnx"), "wb") as handle:
                handle.write(model)
            files, batches = [], []
            for rows in BATCHES:
                batch = rng.normal(size=(rows, FEATURES)).astype(np.float32)
                path = os.path.join(work, f"{name.split()[0]}-{rows}.npy")
                np.save(path, batch)
                files.append(path)
                batches.append(batch)
            compare(name, folder, files, batches, onnxruntime_session(model, arguments.threads), arguments)


if __name__ == "__main__":
    main()
