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

import importlib.util
import os

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
    common.compare_models(models, BATCHES, "20 features", width=36)


if __name__ == "__main__":
    main()
