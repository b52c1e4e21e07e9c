"""Berth's k-nearest-neighbours models (skl2onnx's Scan over the training rows, TopK, the neighbours' labels) against
onnxruntime, in one run, on the same models, rows and thread count.

Trains five scikit-learn models on 20 features — KNeighborsClassifier(5) on 3 classes with 3,000 and 20,000 training
rows (Euclidean, uniform votes), KNeighborsClassifier(5, weights='distance', metric='manhattan') and
KNeighborsRegressor(5) on 3,000, and KNeighborsClassifier(50) on 3,000 (TopK past 32 neighbours) — exports them with skl2onnx, writes batches of 1 and 1,000 rows as .npy files, and
times `berth bench` (a release build) and onnxruntime's InferenceSession.run on each, alternating cell by cell for
`--rounds` rounds (onnx-vs-onnxruntime.py's `compare`). Prints median latencies and the ratio onnxruntime time /
Berth time (> 1: Berth is faster), with its range over the rounds.

Usage (the fixture environment has every package):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/knn-vs-onnxruntime.py [--threads N] [--seconds S] [--rounds R] [--berth PATH]
"""

import importlib.util
import os

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("onnx_vs_onnxruntime", os.path.join(HERE, "onnx-vs-onnxruntime.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

BATCHES = [1, 1000]


def models():
    X, y = make_classification(21000, 20, n_informative=10, n_classes=3, random_state=0)
    Xr, yr = make_regression(4000, 20, noise=5, random_state=0)
    X, Xr = X.astype(np.float32), Xr.astype(np.float32)
    # The rows asked about are not training rows (the last 1,000 of each set).
    for name, model, (train, target), asked in [
            ("classifier, 3,000 rows", KNeighborsClassifier(5), (X[:3000], y[:3000]), X[-1000:]),
            ("classifier, 20,000 rows", KNeighborsClassifier(5), (X[:20000], y[:20000]), X[-1000:]),
            ("classifier, distance, L1", KNeighborsClassifier(5, weights="distance", metric="manhattan"),
             (X[:3000], y[:3000]), X[-1000:]),
            ("regressor, 3,000 rows", KNeighborsRegressor(5), (Xr[:3000], yr[:3000]), Xr[-1000:]),
            ("classifier, k = 50", KNeighborsClassifier(50), (X[:3000], y[:3000]), X[-1000:])]:
        model.fit(train, target)
        options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
        onx = to_onnx(model, train[:1], options=options, target_opset={"": 17, "ai.onnx.ml": 3})
        yield name, onx.SerializeToString(), asked


def main():
    common.compare_models(models, BATCHES, "20 features", width=28)


if __name__ == "__main__":
    main()
