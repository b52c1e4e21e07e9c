"""The reference model of Berth's tree benchmarks (issue: XGBoost binary:logistic, 28 features, 500 trees,
max_depth 8, synthetic data) and its request rows, generated on demand so the repository stays small."""

import json
import os
import tarfile
import warnings

import numpy as np

warnings.filterwarnings("ignore", message=".*UBJSON format as default.*")
FEATURES = 28


def training_data(seed, dtype=np.float64):
    """The reference model's training rows (20,000 of `dtype`) and their binary labels: the twins train on the same
    draws as the XGBoost model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(20000, FEATURES)).astype(dtype)
    y = (X[:, 0] + X[:, 1] * X[:, 2] - np.abs(X[:, 3]) + 0.3 * rng.normal(size=len(X))) > 0
    return X, y


def build(folder, seed=11):
    """Trains the model into folder/model/xgboost-model (and folder/model.tar.gz); returns the Booster."""
    import xgboost as xgb  # here, so that rows() needs numpy alone (as on a bare GPU machine)

    X, y = training_data(seed, np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 8, "eta": 0.05, "nthread": os.cpu_count(), "seed": 1},
                        xgb.DMatrix(X, label=y.astype(float)), num_boost_round=500)
    model = os.path.join(folder, "model")
    os.makedirs(model, exist_ok=True)
    booster.save_model(os.path.join(model, "xgboost-model"))
    with tarfile.open(os.path.join(folder, "model.tar.gz"), "w:gz") as archive:
        archive.add(os.path.join(model, "xgboost-model"), arcname="xgboost-model")
    return booster


def build_lightgbm(folder, seed=11):
    """The LightGBM twin of `build` (binary, 500 trees, at most 255 leaves and depth 8, on data drawn the same way):
    trains it into folder/model/model.txt; returns the Booster."""
    import lightgbm as lgb  # here, like xgboost in build()

    X, y = training_data(seed)
    booster = lgb.train({"objective": "binary", "num_leaves": 255, "max_depth": 8, "learning_rate": 0.05,
                         "min_data_in_leaf": 5, "verbose": -1, "seed": 1}, lgb.Dataset(X, label=y.astype(float)), num_boost_round=500)
    model = os.path.join(folder, "model")
    os.makedirs(model, exist_ok=True)
    booster.save_model(os.path.join(model, "model.txt"))
    return booster


def build_catboost(folder, seed=11, grow_policy="SymmetricTree"):
    """The CatBoost twin of `build` (a classifier of 500 oblivious trees of depth 6, on data drawn the same way;
    non-symmetric trees of depth at most 6 with `grow_policy="Depthwise"`): trains it into folder/model/model.cbm;
    returns the model."""
    import catboost  # here, like xgboost in build()

    X, y = training_data(seed)
    y = y.astype(int)
    model = catboost.CatBoostClassifier(iterations=500, depth=6, learning_rate=0.05, random_seed=1, verbose=0,
                                        allow_writing_files=False, grow_policy=grow_policy)
    model.fit(X, y)
    os.makedirs(os.path.join(folder, "model"), exist_ok=True)
    model.save_model(os.path.join(folder, "model", "model.cbm"))
    return model


def rows(count, seed=5):
    """`count` request rows of 4-decimal numbers (as a client's CSV holds them) with 5% missing values."""
    rng = np.random.default_rng(seed + count)
    X = rng.normal(size=(count, FEATURES)).round(4)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def write_bodies(folder, X, name):
    """The rows as .npy, CSV, JSON and JSON Lines request bodies; returns their paths by content type."""
    paths = {"application/x-npy": os.path.join(folder, name + ".npy"), "text/csv": os.path.join(folder, name + ".csv"),
             "application/json": os.path.join(folder, name + ".json"), "application/jsonlines": os.path.join(folder, name + ".jsonl")}
    np.save(paths["application/x-npy"], X.astype(np.float32))
    text = [["" if np.isnan(v) else repr(float(v)) for v in row] for row in X]
    with open(paths["text/csv"], "w") as handle:
        handle.write("\n".join(",".join(row) for row in text) + "\n")
    values = [[None if np.isnan(v) else float(v) for v in row] for row in X]
    with open(paths["application/json"], "w") as handle:
        json.dump({"instances": values}, handle)
    with open(paths["application/jsonlines"], "w") as handle:
        handle.write("".join(json.dumps(row) + "\n" for row in values))
    return paths
