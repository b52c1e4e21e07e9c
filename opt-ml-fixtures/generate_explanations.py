"""Expected explanations for the XGBoost, LightGBM and CatBoost fixtures: for each fixture below, the rows of its
`requests/rows.npy` and what the library answers for them — xgboost's `pred_contribs=True`, `pred_leaf=True` and
`output_margin=True`, LightGBM's `pred_contrib=True`, `pred_leaf=True` and `raw_score=True`, CatBoost's
`get_feature_importance(type="ShapValues")`, `calc_leaf_indexes` and `prediction_type="RawFormulaVal"` — written to
`expected/explanations.json` ({"rows": [...], "contributions": [...], "leaves": [...], "margin": [...]}, NaN as
null). An explanation is null where Berth refuses it: where the library has none (gblinear's leaves, LightGBM linear
trees' contributions), and for CatBoost's non-symmetric trees their contributions and leaves.

Models written by xgboost 1.7 (the legacy binary `xgboost-model`, which xgboost 3.1 no longer reads) are explained by
xgboost 1.7.6, the rest by xgboost 3.2 and lightgbm 4.6.0: run this file with each environment's python
(./generate.sh does). Berth's answers must equal these within 1e-5 + 1e-5·|value| (docs/explanations.md)."""
import gzip
import io
import json
import os
import sys
import tarfile

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
LEGACY = ["xgboost-binary-legacy", "xgboost-binary-selectable"]
CURRENT = ["xgboost-dart", "xgboost-gblinear-poisson", "xgboost-gblinear-multiclass", "xgboost-logistic-one-class", "xgboost-missing-categorical", "xgboost-multiclass-ubjson", "xgboost-regression-json-gz",
           "xgboost-softmax-selectable"]


LIGHTGBM = ["lightgbm-binary-selectable", "lightgbm-dart", "lightgbm-goss", "lightgbm-rf", "lightgbm-regression-zero-as-missing",
            "lightgbm-regression-use-missing-false", "lightgbm-multiclass-categorical", "lightgbm-multiclassova",
            "lightgbm-objective-lambdarank", "lightgbm-linear-tree"]


def model_bytes(folder):
    """The model file's bytes, out of its tar.gz or gzip when it is packed."""
    name = sorted(os.listdir(os.path.join(folder, "model")))[0]
    path = os.path.join(folder, "model", name)
    data = open(path, "rb").read()
    if name.endswith(".tar.gz"):
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = next(m for m in archive.getmembers() if m.isfile())
            return member.name, archive.extractfile(member).read()
    if name.endswith(".gz"):
        return name[:-3], gzip.decompress(data)
    return name, data


def listed(array):
    return json.loads(json.dumps(np.asarray(array, dtype=np.float64).tolist()).replace("NaN", "null"))


def explain(case):
    folder = os.path.join(HERE, case)
    name, data = model_bytes(folder)
    booster = xgb.Booster()
    booster.load_model(bytearray(data))
    rows = np.load(os.path.join(folder, "requests", "rows.npy")).astype(np.float32)
    categorical = booster.feature_types is not None and "c" in booster.feature_types
    matrix = xgb.DMatrix(rows, missing=np.nan, feature_types=booster.feature_types, enable_categorical=categorical)
    document = {
        "xgboost": xgb.__version__,
        "rows": listed(rows),
        "contributions": listed(booster.predict(matrix, pred_contribs=True)),
        # gblinear has no leaves (xgboost refuses pred_leaf for it, as Berth does).
        "leaves": None if json.loads(booster.save_config())["learner"]["gradient_booster"]["name"] == "gblinear"
        else listed(booster.predict(matrix, pred_leaf=True)),
        "margin": listed(booster.predict(matrix, output_margin=True)),
    }
    with open(os.path.join(folder, "expected", "explanations.json"), "w") as handle:
        json.dump(document, handle)
    print(case, name, xgb.__version__)


def explain_lightgbm(case):
    import lightgbm

    folder = os.path.join(HERE, case)
    booster = lightgbm.Booster(model_file=os.path.join(folder, "model", "model.txt"))
    rows = np.load(os.path.join(folder, "requests", "rows.npy")).astype(np.float64)

    def refused_or(call):
        try:
            return listed(call())
        except lightgbm.basic.LightGBMError:
            return None  # linear trees: LightGBM computes no contributions

    document = {
        "lightgbm": lightgbm.__version__,
        "rows": listed(rows),
        "contributions": refused_or(lambda: booster.predict(rows, pred_contrib=True)),
        "leaves": listed(booster.predict(rows, pred_leaf=True)),
        "margin": listed(booster.predict(rows, raw_score=True)),
    }
    with open(os.path.join(folder, "expected", "explanations.json"), "w") as handle:
        json.dump(document, handle)
    print(case, "model.txt", lightgbm.__version__)


CATBOOST_OBLIVIOUS = ["catboost-binary", "catboost-binary-cbm", "catboost-binary-nan-max", "catboost-multiclass-one-vs-all",
                      "catboost-multiclass-strings", "catboost-multiclass-strings-cbm", "catboost-one-hot-binary",
                      "catboost-one-hot-binary-cbm", "catboost-one-hot-multiclass", "catboost-one-hot-multiclass-cbm",
                      "catboost-poisson", "catboost-regression", "catboost-regression-cbm"]
CATBOOST_NON_SYMMETRIC = ["catboost-depthwise-binary", "catboost-depthwise-binary-cbm", "catboost-depthwise-multiclass",
                          "catboost-depthwise-multiclass-cbm", "catboost-lossguide-regression", "catboost-lossguide-regression-cbm"]


def explain_catboost(case):
    import catboost
    import pandas as pd

    folder = os.path.join(HERE, case)
    name, data = model_bytes(folder)
    model = catboost.CatBoost()
    if name.endswith(".json"):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".json") as handle:
            handle.write(data)
            handle.flush()
            model.load_model(handle.name, format="json")
    else:
        model.load_model(blob=data)
    rows = np.load(os.path.join(folder, "requests", "rows.npy")).astype(np.float64)
    # Categorical columns as integers, which CatBoost reads as their decimal text, as the fixtures were trained.
    categorical = model.get_cat_feature_indices()
    names = model.feature_names_
    frame = pd.DataFrame(rows, columns=names)
    for column in categorical:
        frame[names[column]] = frame[names[column]].astype(np.int64)
    pool = catboost.Pool(frame, cat_features=categorical)
    # ShapValues: per row (and class) each feature's contribution, then the expected value. For non-symmetric trees
    # read from .cbm, catboost 1.2.10 leaves the weight of a leaf hanging straight off a tree's root out of the root's
    # weight, and its contributions then miss the margin (by up to 8 on catboost-lossguide-regression-cbm); the same
    # model saved as JSON and loaded back (CatBoost lays every leaf out as a node of its own then) sums to the margin,
    # and is what Berth is held to.
    explained = model
    if case in CATBOOST_NON_SYMMETRIC and not name.endswith(".json"):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".json") as handle:
            model.save_model(handle.name, format="json")
            explained = catboost.CatBoost()
            explained.load_model(handle.name, format="json")
    document = {
        "catboost": catboost.__version__,
        "rows": listed(rows),
        "contributions": listed(explained.get_feature_importance(pool, type="ShapValues")),
        "leaves": listed(model.calc_leaf_indexes(pool)),
        "margin": listed(model.predict(pool, prediction_type="RawFormulaVal")),
    }
    with open(os.path.join(folder, "expected", "explanations.json"), "w") as handle:
        json.dump(document, handle)
    print(case, name, catboost.__version__)


if __name__ == "__main__":
    for case in (LEGACY if xgb.__version__.startswith("1.") else CURRENT):
        explain(case)
    if not xgb.__version__.startswith("1."):
        for case in LIGHTGBM:
            explain_lightgbm(case)
        for case in CATBOOST_OBLIVIOUS + CATBOOST_NON_SYMMETRIC:
            explain_catboost(case)
