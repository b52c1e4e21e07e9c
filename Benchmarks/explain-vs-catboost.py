"""Berth's CatBoost contributions against CatBoost's own `ShapValues`, in one run, on the CatBoost model of
`tree-kernel-vs-catboost.py` (binary Logloss, 28 features, 500 oblivious trees of depth 6) and the same float32
rows: `berth bench --explain contributions` against `get_feature_importance(type="ShapValues")` at 1, 100, 1,000 and
10,000 rows, on 1 and 2 threads. Prints the CPU model and the ratio (CatBoost's time over Berth's: above 1 means Berth
is faster). CatBoost picks its algorithm by the batch (`shap_mode="Auto"`: the direct one for few rows, leaf-weight
tables precomputed per tree for many); Berth walks each tree once for each leaf a thread's rows reach.

`--grow-policy Depthwise` trains the same model with non-symmetric trees (at most 6 levels) instead, timed at 1, 100
and 1,000 rows (CatBoost takes seconds a call there). CatBoost's own `ShapValues` for such a model read from `.cbm`
do not sum to the margin (docs/explanations.md); the time is what is compared.

Usage (the fixture environment has catboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/explain-vs-catboost.py [--seconds 4] [--grow-policy Depthwise]
"""

import argparse
import os
import sys
import tempfile

import catboost
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_model, median_microseconds  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--grow-policy", default="SymmetricTree", choices=("SymmetricTree", "Depthwise"))
    arguments = parser.parse_args()
    symmetric = arguments.grow_policy == "SymmetricTree"
    with tempfile.TemporaryDirectory() as work:
        model = reference_model.build_catboost(work, grow_policy=arguments.grow_policy)
        folder = os.path.join(work, "model")
        counts = (1, 100, 1000, 10000) if symmetric else (1, 100, 1000)
        batches = {count: reference_model.rows(count).astype(np.float32) for count in counts}
        paths = {}
        for count, X in batches.items():
            paths[count] = os.path.join(work, f"rows{count}.npy")
            np.save(paths[count], X)
        trees = "oblivious trees of depth 6" if symmetric else "non-symmetric (Depthwise) trees of depth at most 6"
        print(f"{cpu_model()}; CatBoost model: {model.tree_count_} {trees}, 28 features; catboost {catboost.__version__}")
        print(f"{'threads':>8}{'rows':>7}{'berth rows/s':>14}{'catboost rows/s':>17}{'ratio':>7}")
        for threads in (1, 2):
            ours = berth("kernel", folder, [paths[count] for count in counts], threads, arguments.seconds,
                         extra=("--explain", "contributions"))
            for result, count in zip(ours, counts):
                pool = catboost.Pool(batches[count])
                theirs = median_microseconds(
                    lambda: model.get_feature_importance(pool, type="ShapValues", thread_count=threads), arguments.seconds)
                print(f"{threads:>8}{count:>7}{result['rows_per_s']:>14.0f}{count / theirs * 1e6:>17.0f}{theirs / result['median_us']:>7.2f}")


if __name__ == "__main__":
    main()
