"""Berth's tree kernel against xgboost's own predictor (Booster.inplace_predict), in one run, on the reference
model (binary:logistic, 28 features, 500 trees, depth 8) and the same rows, at 1 and 2 threads; then Berth's
codecs and model loading on the same model, each timed alone with `berth bench --stage`.

Usage (the fixture environment has xgboost):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/tree-kernel-vs-xgboost.py [--seconds 2]
"""

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_flags, cpu_model, median_microseconds  # noqa: E402


def xgboost_median(booster, X, threads, seconds):
    booster.set_param({"nthread": threads})
    return median_microseconds(lambda: booster.inplace_predict(X), seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        booster = reference_model.build(work)
        model = os.path.join(work, "model")
        texts = {count: reference_model.rows(count) for count in (1, 100, 10000)}
        bodies = {count: reference_model.write_bodies(work, X, f"rows{count}") for count, X in texts.items()}
        batches = {count: X.astype(np.float32) for count, X in texts.items()}
        import xgboost
        # The CPU decides which walk wins (AVX-512 or AVX2 gathers, Intel or AMD): every table names it.
        print(f"{cpu_model()}, {os.cpu_count()} cores; reference model: 500 trees, depth 8, 28 features; xgboost {xgboost.__version__}")
        print(f"{'threads':>7}{'rows':>7}{'berth rows/s':>14}{'xgboost rows/s':>16}{'ratio':>7}")
        for threads in (1, 2):
            ours = berth("kernel", model, [bodies[c]["application/x-npy"] for c in batches], threads, arguments.seconds)
            for result, (count, X) in zip(ours, batches.items()):
                theirs = xgboost_median(booster, X, threads, arguments.seconds)
                ratio = theirs / result["median_us"]
                print(f"{threads:>7}{count:>7}{result['rows_per_s']:>14.0f}{count / theirs * 1e6:>16.0f}{ratio:>7.2f}")
        # Each walk alone (BERTH_TREE_WALK), 1 thread, beside the one measured at load: the choice should be the best.
        print()
        print(f"{'walk':<22}" + "".join(f"{f'{count} rows/s':>16}" for count in batches))
        flags = cpu_flags()
        isas = [isa for isa in ("avx512", "avx2") if f"{isa}f" in flags or isa in flags]
        walks = (["measured", "compact-rows", "compact-trees"] + [f"compact-{kind}-{isa}" for kind in ("rows", "trees") for isa in isas]
                 + [f"{isa}-gathers" for isa in isas])
        for walk in walks:
            results = berth("kernel", model, [bodies[c]["application/x-npy"] for c in batches], 1, arguments.seconds / 2,
                            environment={"BERTH_TREE_WALK": walk})
            print(f"{walk:<22}" + "".join(f"{result['rows_per_s']:>16.0f}" for result in results))
        print()
        print(f"{'stage':<8}{'content type':<26}{'rows':>7}{'µs':>10}{'rows/s':>12}{'MB/s':>8}")
        for content_type in ("text/csv", "application/json", "application/jsonlines", "application/x-npy"):
            path = bodies[10000][content_type]
            result = berth("decode", model, [path], 1, arguments.seconds, ["--content-type", content_type])[0]
            megabytes = os.path.getsize(path) / 1e6 / (result["median_us"] / 1e6)
            print(f"{'decode':<8}{content_type:<26}{result['rows']:>7}{result['median_us']:>10.0f}{result['rows_per_s']:>12.0f}{megabytes:>8.0f}")
        for accept in ("text/csv", "application/json", "application/jsonlines", "application/x-npy", "application/x-recordio-protobuf"):
            result = berth("encode", model, [bodies[10000]["application/x-npy"]], 1, arguments.seconds, ["--accept", accept])[0]
            print(f"{'encode':<8}{accept:<26}{result['rows']:>7}{result['median_us']:>10.0f}{result['rows_per_s']:>12.0f}{'':>8}")
        result = berth("load", model, [], 1, arguments.seconds)[0]
        size = os.path.getsize(os.path.join(model, "xgboost-model")) / 1e6
        print(f"{'load':<8}{f'UBJSON, {size:.1f} MB':<26}{'':>7}{result['median_us']:>10.0f}")


if __name__ == "__main__":
    main()
