"""Berth's oblivious-tree kernel against CatBoost's own `predict`, in one run, on a CatBoost model the size of the
reference model's data (binary Logloss, 28 features, 500 trees of depth 6, CatBoost's default depth) and the same
rows, at 1, 100 and 10,000 rows and 1 and 2 threads. Prints the CPU model and the ratio (CatBoost's time over
Berth's: above 1 means Berth is faster). Both answer the raw sums, so neither pays for a transform the other skips.

Usage (the fixture environment has catboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/tree-kernel-vs-catboost.py [--seconds 2]
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


def catboost_median(model, X, threads, seconds):
    return median_microseconds(lambda: model.predict(X, prediction_type="Probability", thread_count=threads), seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        model = reference_model.build_catboost(work)
        folder = os.path.join(work, "model")
        batches = {count: reference_model.rows(count) for count in (1, 100, 10000)}
        paths = {}
        for count, X in batches.items():
            paths[count] = os.path.join(work, f"rows{count}.npy")
            np.save(paths[count], X.astype(np.float32))  # CatBoost reads float32 features
        print(f"{cpu_model()}; CatBoost model: {model.tree_count_} trees of depth 6, 28 features; catboost {catboost.__version__}")
        print(f"{'threads':>7}{'rows':>7}{'berth rows/s':>14}{'catboost rows/s':>17}{'ratio':>7}")
        for threads in (1, 2):
            ours = berth("kernel", folder, [paths[count] for count in batches], threads, arguments.seconds)
            for result, (count, X) in zip(ours, batches.items()):
                theirs = catboost_median(model, X, threads, arguments.seconds)
                print(f"{threads:>7}{count:>7}{result['rows_per_s']:>14.0f}{count / theirs * 1e6:>17.0f}{theirs / result['median_us']:>7.2f}")


if __name__ == "__main__":
    main()
