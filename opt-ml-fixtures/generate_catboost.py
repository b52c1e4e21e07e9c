"""CatBoost fixtures: models saved with `save_model(format="json")` for binary (both NaN modes), multi-class
(softmax and one-vs-all, string classes), regression and Poisson, non-symmetric trees (Depthwise and Lossguide), and
a model with a categorical feature that must be refused.

CatBoost reads float features as float32 and compares `value > border` in float32, so the request rows include
values exactly on split borders and one float32-ulp above them; expected answers are CatBoost's own `predict_proba`
(classifiers) or `predict` (regressors) on the same rows, float64. Run through ./generate.sh (the xgboost 3.2
environment, which also holds catboost)."""
import json
import os
import tempfile
import zlib

import catboost
import numpy as np

from generate import synthetic, tar_gz, write_case, write_load_error_case

LIBRARY = ("catboost", catboost.__version__)


def saved_json(model):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.json")
        model.save_model(path, format="json")
        with open(path, "rb") as handle:
            return handle.read()


def saved_cbm(model):
    """The native format `save_model` writes by default (`CBM1`, FlatBuffers)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.cbm")
        model.save_model(path)
        with open(path, "rb") as handle:
            return handle.read()


def one_hot_cases():
    """Categorical features CatBoost one-hot encodes (`one_hot_max_size` above their category counts): integer
    categories, which CatBoost hashes as their decimal text, beside float features with missing values; rows hold
    categories seen in training and unseen ones (every one-hot split false)."""
    for name, loss, kind in [("catboost-one-hot-binary", "Logloss", "binary"), ("catboost-one-hot-multiclass", "MultiClass", "classes")]:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = synthetic(rng, 800, 5, missing_rate=0.1)
        colour = rng.choice([3, 7, 12, -5], size=len(X))
        shop = rng.choice([100000123, 42, 0], size=len(X))
        X[:, 1] = colour
        X[:, 3] = shop
        y = labels_for(kind, X, rng)
        shifted = (colour == 7) ^ (shop == 42)
        if kind == "binary":
            y = y ^ shifted.astype(int)
        else:
            y = np.where(shifted, "mid", y)
        frame = lambda M: pandas_frame(M, categorical=(1, 3))
        model = catboost.CatBoostClassifier(iterations=30, depth=4, loss_function=loss, one_hot_max_size=255, random_seed=1,
                                            verbose=0, allow_writing_files=False, thread_count=1)
        model.fit(frame(X), y, cat_features=[1, 3])
        R = request_rows(rng, model, 5, 24, missing_rate=0.1)
        R[:, 1] = rng.choice([3, 7, 12, -5, 99], size=len(R))  # 99: a category unseen in training
        R[:, 3] = rng.choice([100000123, 42, 0, 100000124], size=len(R))
        answers = model.predict_proba(frame(R))
        case(name, f"{loss} with two integer categorical features CatBoost one-hot encodes (one with a category past float32's "
             "integers), float features with missing values; requests hold unseen categories", model, R,
             answers[:, 1] if kind == "binary" else answers, cbm="model.cbm")


def pandas_frame(X, categorical):
    """The rows as CatBoost reads them in training and predict: categorical columns as integers, the rest as floats."""
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    for column in categorical:
        frame[f"f{column}"] = frame[f"f{column}"].astype(np.int64)
    return frame


def splits_of(node):
    """Every split of a non-symmetric tree's node and the nodes under it."""
    if "split" not in node:
        return []
    return [node["split"]] + splits_of(node["left"]) + splits_of(node["right"])


def request_rows(rng, model, features, count, missing_rate=0.1):
    """Random rows, some missing, most with one value on a split border, one float32-ulp above it, or (every third
    such row) a double just above the border that CatBoost's float32 reading rounds back onto it."""
    document = json.loads(saved_json(model))
    splits = ([split for tree in document["oblivious_trees"] for split in tree["splits"]] if "oblivious_trees" in document
              else [split for tree in document["trees"] for split in splits_of(tree)])
    splits = [split for split in splits if split.get("split_type", "FloatFeature") == "FloatFeature"]
    # CatBoost also places borders at ±FLT_MAX (beside its NaN handling); rows stay finite, so those are left out.
    borders = sorted({(split["float_feature_index"], split["border"]) for split in splits if abs(split["border"]) < 1e38})
    X = synthetic(rng, count, features, missing_rate)
    for index in range(count - count // 5):
        feature, border = borders[(index * 7) % len(borders)]
        above = float(np.nextafter(np.float32(border), np.float32(np.inf)))
        rounds_onto = float(np.nextafter(border, np.inf))
        X[index, feature] = [border, above, rounds_onto][index % 3]
    return X


def case(name, description, model, X, answers, cbm=None):
    """The case with the model as JSON and, when `cbm` names a file, the same rows and answers with the model in
    the native format as that file (`model.cbm`, or `model.tar.gz` holding it)."""
    # predict_proba answers a Fortran-ordered array; the NPY answer is C-ordered, as np.save writes a fresh array.
    answers = np.ascontiguousarray(answers)
    write_case(name, description, {"model.json": saved_json(model)}, X, answers, library=LIBRARY, precision="float64")
    if cbm:
        files = {"model.tar.gz": tar_gz({"model.cbm": saved_cbm(model)})} if cbm == "model.tar.gz" else {cbm: saved_cbm(model)}
        write_case(name + "-cbm", description + f"; the native .cbm format ({cbm})", files, X, answers, library=LIBRARY,
                   precision="float64")


def labels_for(kind, X, rng):
    score = np.nan_to_num(X[:, 0]) * 2 + np.nan_to_num(X[:, 1]) - 0.5 * np.nan_to_num(X[:, 2]) ** 2
    if kind == "binary":
        return (score + rng.normal(scale=0.3, size=len(score)) > 0).astype(int)
    if kind == "classes":
        return np.array(["low", "mid", "high"])[np.digitize(score, [-0.7, 0.7])]
    if kind == "counts":
        return rng.poisson(np.exp(np.clip(score, -2, 2) / 2))
    return score * 3 + rng.normal(scale=0.2, size=len(score))


def cases():
    for nan_mode, name in [("Min", "catboost-binary"), ("Max", "catboost-binary-nan-max")]:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = synthetic(rng, 600, 6, missing_rate=0.1)
        model = catboost.CatBoostClassifier(iterations=40, depth=5, nan_mode=nan_mode, random_seed=1, verbose=0, allow_writing_files=False, thread_count=1)
        model.fit(X, labels_for("binary", X, rng))
        R = request_rows(rng, model, 6, 20)
        case(name, f"Logloss, nan_mode {nan_mode}: a missing value takes the "
             f"{'false' if nan_mode == 'Min' else 'true'} side of every split; rows on borders and one float32-ulp above",
             model, R, model.predict_proba(R)[:, 1], cbm="model.tar.gz" if nan_mode == "Min" else None)

    for loss, name in [("MultiClass", "catboost-multiclass-strings"), ("MultiClassOneVsAll", "catboost-multiclass-one-vs-all")]:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = synthetic(rng, 600, 5, missing_rate=0.05)
        model = catboost.CatBoostClassifier(iterations=25, depth=4, loss_function=loss, random_seed=1, verbose=0, allow_writing_files=False, thread_count=1)
        model.fit(X, labels_for("classes", X, rng))
        R = request_rows(rng, model, 5, 18)
        case(name, f"{loss} with classes high, low, mid (CatBoost sorts them)", model, R, model.predict_proba(R),
             cbm="model.cbm" if loss == "MultiClass" else None)

    for loss, kind, name in [("RMSE", "regression", "catboost-regression"), ("Poisson", "counts", "catboost-poisson")]:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = synthetic(rng, 500, 5, missing_rate=0.05)
        pool = catboost.Pool(X, labels_for(kind, X, rng), feature_names=["age", "income", "tenure", "visits", "score"])
        model = catboost.CatBoostRegressor(iterations=30, depth=6, loss_function=loss, random_seed=1, verbose=0, allow_writing_files=False, thread_count=1)
        model.fit(pool)
        R = request_rows(rng, model, 5, 16)
        case(name, f"{loss} regression with feature names" + (" (predict answers exp of the sum)" if loss == "Poisson" else ""),
             model, R, model.predict(R), cbm="model.cbm" if loss == "RMSE" else None)

    for policy, loss, kind, name in [("Depthwise", "Logloss", "binary", "catboost-depthwise-binary"),
                                     ("Lossguide", "RMSE", "regression", "catboost-lossguide-regression"),
                                     ("Depthwise", "MultiClass", "classes", "catboost-depthwise-multiclass")]:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = synthetic(rng, 600, 5, missing_rate=0.1)
        settings = dict(iterations=30, depth=5, grow_policy=policy, loss_function=loss, random_seed=1, verbose=0,
                        allow_writing_files=False, thread_count=1)
        if policy == "Lossguide":
            settings["max_leaves"] = 12
        if kind == "binary":
            settings["nan_mode"] = "Max"
        model = (catboost.CatBoostRegressor if kind == "regression" else catboost.CatBoostClassifier)(**settings)
        model.fit(X, labels_for(kind, X, rng))
        R = request_rows(rng, model, 5, 18)
        answers = model.predict(R) if kind == "regression" else model.predict_proba(R)
        case(name, f"non-symmetric trees (grow_policy {policy}), {loss}" + (", nan_mode Max" if kind == "binary" else ""),
             model, R, answers[:, 1] if kind == "binary" else answers, cbm="model.cbm")

    one_hot_cases()

    rng = np.random.default_rng(5)
    X = synthetic(rng, 300, 3)
    colours = ["red", "green", "blue", "grey", "pink"]
    columns = [[float(a), float(b), colours[i % 5]] for i, (a, b, _) in enumerate(X)]
    # The colour decides the label, so CatBoost splits on it, through counter statistics (its five categories are
    # more than the default one_hot_max_size).
    labels = [int(colour in ("red", "grey")) for _, _, colour in columns]
    model = catboost.CatBoostClassifier(iterations=10, depth=3, random_seed=1, verbose=0, allow_writing_files=False, thread_count=1, cat_features=[2])
    model.fit(catboost.Pool(columns, labels, cat_features=[2], feature_names=["x", "y", "colour"]))
    write_load_error_case("catboost-refused-categorical", "a CatBoost model whose categorical feature it turns into "
                          "counter statistics (CTRs), which must be refused naming it", {"model.json": saved_json(model)}, "categorical features ('colour' (column 2))",
                          library=LIBRARY)
    write_load_error_case("catboost-refused-categorical-cbm", "the same model in the native .cbm format",
                          {"model.cbm": saved_cbm(model)}, "categorical features ('colour' (column 2))", library=LIBRARY)


if __name__ == "__main__":
    cases()
