"""Berth's double-precision forest kernel against LightGBM's own `Booster.predict`, in one run, on a LightGBM model
the size of the XGBoost reference model (binary, 28 features, 500 trees of up to 255 leaves) and the same float64
rows, at 1, 100 and 10,000 rows and 1 and 2 threads. Prints the CPU model and the ratio (LightGBM's time over
Berth's: above 1 means Berth is faster). Where `lleaves` is installed (it compiles a LightGBM model to native code
with LLVM: the compiled-code reference), the same rows through the compiled model and the ratio to it.

Usage (the fixture environment has lightgbm):
    swift build -c release --product berth
    opt-ml-fixtures/.venv-xgb3/bin/pip install lleaves==1.3.0 llvmlite==0.43.0   # optional (lleaves needs the older LLVM pass manager)
    opt-ml-fixtures/.venv-xgb3/bin/python Benchmarks/tree-kernel-vs-lightgbm.py [--seconds 2] [--lleaves-cache FILE]

lleaves takes about ten minutes to compile the model on 2 cores; `--lleaves-cache FILE` keeps the compiled model in
FILE and reuses it in later runs (the model is trained the same way every time, and the run checks the compiled
model's answers against LightGBM's before timing it).
"""

import argparse
import os
import sys
import tempfile

import lightgbm as lgb
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402
from berth_bench import berth, cpu_model, median_microseconds  # noqa: E402


def lightgbm_median(booster, X, threads, seconds):
    return median_microseconds(lambda: booster.predict(X, num_threads=threads), seconds)


def compiled(model_file, cache):
    """The model compiled by lleaves (kept in `cache`, or read from it); None without lleaves."""
    try:
        import lleaves
    except ImportError:
        return None
    model = lleaves.Model(model_file=model_file)
    model.compile(cache=cache)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--lleaves-cache", help="where to keep the model lleaves compiles, to reuse it next time")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        booster = reference_model.build_lightgbm(work)
        model = os.path.join(work, "model")
        batches = {count: reference_model.rows(count) for count in (1, 100, 10000)}
        paths = {}
        for count, X in batches.items():
            paths[count] = os.path.join(work, f"rows{count}.npy")
            np.save(paths[count], X)  # float64: the doubles LightGBM compares
        llvm = compiled(os.path.join(model, "model.txt"), arguments.lleaves_cache or os.path.join(work, "lleaves.o"))
        if llvm is not None:
            probe = batches[100]
            assert np.allclose(llvm.predict(probe, n_jobs=1), booster.predict(probe), rtol=1e-9, atol=0), "lleaves disagrees with LightGBM"
        leaves = sum(tree["num_leaves"] for tree in booster.dump_model()["tree_info"])
        print(f"{cpu_model()}; LightGBM model: {booster.num_trees()} trees, {leaves} leaves, 28 features; lightgbm {lgb.__version__}")
        header = f"{'threads':>7}{'rows':>7}{'berth rows/s':>14}{'lightgbm rows/s':>17}{'ratio':>7}"
        print(header + (f"{'lleaves rows/s':>16}{'ratio':>7}" if llvm is not None else "  (lleaves not installed)"))
        for threads in (1, 2):
            ours = berth("kernel", model, [paths[count] for count in batches], threads, arguments.seconds)
            for result, (count, X) in zip(ours, batches.items()):
                theirs = lightgbm_median(booster, X, threads, arguments.seconds)
                line = f"{threads:>7}{count:>7}{result['rows_per_s']:>14.0f}{count / theirs * 1e6:>17.0f}{theirs / result['median_us']:>7.2f}"
                if llvm is not None:
                    native = median_microseconds(lambda: llvm.predict(X, n_jobs=threads), arguments.seconds)
                    line += f"{count / native * 1e6:>16.0f}{native / result['median_us']:>7.2f}"
                print(line)


if __name__ == "__main__":
    main()
