"""Berth's explanations against xgboost's own, in one run, on the reference model (binary:logistic, 28 features, 500
trees of depth 8) and the same float32 rows: exact TreeSHAP contributions (`berth bench --explain contributions`
against `Booster.predict(pred_contribs=True)`) at 1, 100 and 1,000 rows, and leaves (`pred_leaf`) at 10,000 rows, on
1 and 2 threads. Prints the CPU model and the ratio (xgboost's time over Berth's: above 1 means Berth is faster).
Contributions cost O(trees · leaves · depth²) a row — about 5 ms on this model — so a 10,000-row call takes close to
a minute on either side and each figure is the median of at least five calls: the rows a second are flat from 100
rows up, and 1,000 rows stand for the large requests.

Usage:
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/explain-vs-xgboost.py [--seconds 4]
"""

import argparse
import os
import sys
import tempfile

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_model, median_microseconds  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        booster = reference_model.build(work)
        model = os.path.join(work, "model")
        batches = {count: reference_model.rows(count).astype(np.float32) for count in (1, 100, 1000, 10000)}
        paths = {}
        for count, X in batches.items():
            paths[count] = os.path.join(work, f"rows{count}.npy")
            np.save(paths[count], X)
        print(f"{cpu_model()}; reference model: 500 trees of depth 8, 28 features; xgboost {xgb.__version__}")
        print(f"{'explain':>14}{'threads':>8}{'rows':>7}{'berth rows/s':>14}{'xgboost rows/s':>16}{'ratio':>7}")
        for kind, counts, option in [("contributions", (1, 100, 1000), "pred_contribs"), ("leaves", (10000,), "pred_leaf")]:
            for threads in (1, 2):
                booster.set_param({"nthread": threads})
                ours = berth("kernel", model, [paths[count] for count in counts], threads, arguments.seconds, extra=("--explain", kind))
                for result, count in zip(ours, counts):
                    matrix = xgb.DMatrix(batches[count], missing=np.nan, nthread=threads)
                    theirs = median_microseconds(lambda: booster.predict(matrix, **{option: True}), arguments.seconds)
                    print(f"{kind:>14}{threads:>8}{count:>7}{result['rows_per_s']:>14.0f}{count / theirs * 1e6:>16.0f}{theirs / result['median_us']:>7.2f}")


if __name__ == "__main__":
    main()
