"""Berth's PyTorch layers beside Linear — the activations it runs as steps of their own, batch and layer normalization,
embeddings — against onnxruntime, in one run, on the same models, rows and thread count.

The models are the fixtures' (`opt-ml-fixtures/onnx-torch-activations`: fourteen 12-unit layers, each followed by one
of ELU, SELU, CELU, Softplus, Softsign, HardSigmoid, HardSwish, Mish, GELU exact and tanh, PReLU, ThresholdedRelu,
Shrink; `onnx-torch-layers`: BatchNormalization, Dropout, LayerNormalization, exact GELU; `onnx-torch-embedding`: two
nn.Embedding lookups), with batches of 1, 64 and 4,096 rows written as .npy files; `berth bench` (a release build) and
onnxruntime's InferenceSession.run are timed alternating cell by cell for `--rounds` rounds (onnx-vs-onnxruntime.py's
`compare`). Prints median latencies and the ratio onnxruntime time / Berth time (> 1: Berth is faster), with its range.

Usage (the fixture environment has every package):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-onnx/bin/python Benchmarks/torch-layers-vs-onnxruntime.py [--threads N] [--seconds S] [--rounds R] [--berth PATH]
"""

import importlib.util
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("onnx_vs_onnxruntime", os.path.join(HERE, "onnx-vs-onnxruntime.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

FIXTURES = os.path.join(HERE, "..", "opt-ml-fixtures")
BATCHES = [1, 64, 4096]


def models():
    rng = np.random.default_rng(5)
    for name, fixture, rows in [
            ("activations, 14 layers", "onnx-torch-activations", rng.normal(size=(4096, 6))),
            ("batch/layer norm, GELU", "onnx-torch-layers", rng.normal(size=(4096, 8))),
            ("embeddings", "onnx-torch-embedding",
             np.column_stack([rng.integers(0, 5, 4096), rng.integers(0, 3, 4096), rng.normal(size=(4096, 4))]))]:
        with open(os.path.join(FIXTURES, fixture, "model", "model.onnx"), "rb") as handle:
            yield name, handle.read(), rows.astype(np.float32)


def main():
    common.compare_models(models, BATCHES, "the onnx-torch-* fixtures' models", width=26)


if __name__ == "__main__":
    main()
