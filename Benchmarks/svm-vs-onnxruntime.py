"""Berth's support vector machines (ONNX SVMRegressor, SVMClassifier) against onnxruntime, in one run, on the same
models, rows and thread count.

Trains four scikit-learn models on 3,000 rows of 20 features — SVC(probability=True) with the RBF and linear kernels
on 3 classes, SVR with the RBF and polynomial (degree 3) kernels — exports them with skl2onnx, writes batches of 1 and
1,000 rows as .npy files, and times `berth bench` (a release build) and onnxruntime's InferenceSession.run on each,
alternating cell by cell for `--rounds` rounds (onnx-vs-onnxruntime.py's `compare`). Prints median latencies and
the ratio onnxruntime time / Berth time (> 1: Berth is faster), with its range over the rounds.

Usage (the fixture environment has every package):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/svm-vs-onnxruntime.py [--threads N] [--seconds S] [--rounds R] [--berth PATH]
"""

import argparse
import importlib.util
import os
import tempfile

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.svm import SVC, SVR

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("onnx_vs_onnxruntime", os.path.join(HERE, "onnx-vs-onnxruntime.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

BATCHES = [1, 1000]


def models():
    X, y = make_classification(3000, 20, n_informative=10, n_classes=3, random_state=0)
    Xr, yr = make_regression(3000, 20, noise=5, random_state=0)
    X, Xr = X.astype(np.float32), Xr.astype(np.float32)
    for name, model, rows in [("SVC RBF, 3 classes", SVC(probability=True, random_state=0), (X, y)),
                              ("SVC linear, 3 classes", SVC(kernel="linear", probability=True, random_state=0), (X, y)),
                              ("SVR RBF", SVR(), (Xr, yr)),
                              ("SVR poly, degree 3", SVR(kernel="poly", degree=3, coef0=1.0), (Xr, yr))]:
        model.fit(*rows)
        options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
        onx = to_onnx(model, rows[0][:1], options=options, target_opset={"": 17, "ai.onnx.ml": 3})
        yield f"{name} ({sum(model.n_support_)} vectors)", onx.SerializeToString(), rows[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--berth", default=os.path.join(os.path.dirname(HERE), ".build", "release", "berth"))
    arguments = parser.parse_args()
    print(f"onnxruntime {common.ort.__version__}, {arguments.threads} threads, {common.cpu_model()}, "
          f"{arguments.rounds} alternating rounds of ≥ {arguments.seconds} s per cell; 20 features")
    print(f"{'model':<36}{'rows':>6}{'berth µs':>12}{'onnxruntime µs':>16}{'ratio':>8}{'range':>14}")
    with tempfile.TemporaryDirectory() as work:
        for index, (name, model, X) in enumerate(models()):
            folder = os.path.join(work, f"model-{index}")
            os.makedirs(folder)
            with open(os.path.join(folder, "model.onnx"), "wb") as handle:
                handle.write(model)
            files, batches = [], []
            for rows in BATCHES:
                path = os.path.join(work, f"rows-{index}-{rows}.npy")
                np.save(path, X[:rows])
                files.append(path)
                batches.append(X[:rows])
            common.compare(name, folder, files, batches, common.onnxruntime_session(model, arguments.threads), arguments, width=36)

if __name__ == "__main__":
    main()
