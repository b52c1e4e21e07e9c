"""Berth's tree kernel against the reference model compiled to native code by Treelite's compiler (tl2cgen: the
model as C, built with the system's gcc at -O3 into a shared library), in one run, on the same rows and thread
count (issue "Performance, round two", target 4: the fastest CPU tree inference there is, without compiling
anything at run time on Berth's side). The compiled model's answers are checked against xgboost's first.

Usage (the fixture environment has xgboost; compiling the 500 trees takes a few minutes on 2 cores):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/pip install treelite==4.8.1 tl2cgen==1.0.0
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/tree-kernel-vs-treelite.py [--seconds 2]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_model, median_microseconds  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    arguments = parser.parse_args()
    import tl2cgen
    import treelite
    with tempfile.TemporaryDirectory() as work:
        booster = reference_model.build(work)
        model = os.path.join(work, "model")
        batches = {count: reference_model.rows(count).astype(np.float32) for count in (1, 100, 10000)}
        # Two builds: tl2cgen's defaults, and its advice for speed (branches annotated with how often each side is
        # taken, here on the 10,000 request rows, and thresholds quantized to integer comparisons).
        compiled = treelite.frontend.from_xgboost(booster)
        annotation = os.path.join(work, "annotation.json")
        tl2cgen.annotate_branch(compiled, tl2cgen.DMatrix(batches[10000], dtype="float32"), annotation, nthread=os.cpu_count())
        libraries, compile_seconds = {}, {}
        for name, params in (("defaults", {}), ("annotated, quantized", {"annotate_in": annotation, "quantize": 1})):
            libraries[name] = os.path.join(work, f"compiled-{len(libraries)}.so")
            began = time.perf_counter()
            tl2cgen.export_lib(compiled, toolchain="gcc", libpath=libraries[name], params={"parallel_comp": os.cpu_count(), **params},
                               nthread=os.cpu_count())
            compile_seconds[name] = time.perf_counter() - began
        paths = {}
        for count, X in batches.items():
            paths[count] = os.path.join(work, f"rows{count}.npy")
            np.save(paths[count], X)
        expected = booster.inplace_predict(batches[100])
        worst = {name: float(np.max(np.abs(tl2cgen.Predictor(library, nthread=1).predict(
            tl2cgen.DMatrix(batches[100], dtype="float32")).reshape(-1) - expected))) for name, library in libraries.items()}
        print(f"{cpu_model()}, {os.cpu_count()} cores; reference model: 500 trees, depth 8, 28 features; treelite "
              f"{treelite.__version__}, tl2cgen {tl2cgen.__version__}, gcc -O3")
        for name in libraries:
            print(f"  compiled with {name}: {compile_seconds[name]:.0f} s to build; largest difference from xgboost on 100 rows {worst[name]:.1e}")
        print(f"{'threads':>7}{'rows':>7}{'berth rows/s':>14}" + "".join(f"{name + ' rows/s':>30}{'ratio':>7}" for name in libraries))
        for threads in (1, 2):
            predictors = {name: tl2cgen.Predictor(library, nthread=threads) for name, library in libraries.items()}
            ours = berth("kernel", model, [paths[count] for count in batches], threads, arguments.seconds)
            for result, (count, X) in zip(ours, batches.items()):
                matrix = tl2cgen.DMatrix(X, dtype="float32")
                line = f"{threads:>7}{count:>7}{result['rows_per_s']:>14.0f}"
                for predictor in predictors.values():
                    theirs = median_microseconds(lambda: predictor.predict(matrix), arguments.seconds)
                    line += f"{count / theirs * 1e6:>30.0f}{theirs / result['median_us']:>7.2f}"
                print(line)


if __name__ == "__main__":
    main()
