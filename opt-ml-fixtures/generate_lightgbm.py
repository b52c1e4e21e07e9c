"""LightGBM fixtures: text models (`Booster.save_model`) for every boosting mode, objective, missing-value rule,
categorical and linear splits, and pickled or joblib-dumped boosters and sklearn wrappers.

LightGBM compares request values as doubles with double thresholds and sums leaves as doubles, so the request rows
include values exactly on split thresholds and one double-ulp either side, written at full precision in every
content type (RecordIO as float64 tensors). Expected answers are `Booster.predict` on the same float64 rows.
Run through ./generate.sh (the xgboost 3.2 environment, which also holds lightgbm)."""
import io
import json
import os
import warnings
import pickle
import zlib

import joblib
import lightgbm as lgb
import numpy as np
from sagemaker_inference import encoder as sagemaker_encoder

from generate import HERE, synthetic, tar_gz, write_case

LIBRARY = ("lightgbm", lgb.__version__)
# sklearn warns that wrappers fitted on arrays get arrays; nothing here uses feature names.
warnings.filterwarnings("ignore", message="X does not have valid feature names")


def numerical_thresholds(booster):
    """(feature, threshold) of every numerical split, from the model's own dump."""
    pairs = set()

    def walk(node):
        if "split_feature" not in node:
            return
        if node["decision_type"] == "<=":
            pairs.add((node["split_feature"], float(node["threshold"])))
        walk(node["left_child"])
        walk(node["right_child"])

    for tree in booster.dump_model()["tree_info"]:
        walk(tree["tree_structure"])
    return sorted(pairs)


def request_rows(rng, booster, features, count, missing_rate=0.1):
    """Random rows, some missing, a third with a value exactly on a threshold, a third one ulp above it, and
    a few one ulp below."""
    X = synthetic(rng, count, features, missing_rate)
    pairs = numerical_thresholds(booster)
    for index in range(count - count // 6):
        feature, threshold = pairs[(index * 7) % len(pairs)]
        X[index, feature] = [threshold, np.nextafter(threshold, np.inf), np.nextafter(threshold, -np.inf)][index % 3]
    return X


def jumpstart_answer(model, R, verbose, classifier):
    """What SageMaker JumpStart's LightGBM inference scripts answer for `Accept: application/json[;verbose]`:
    their `transform_fn` steps (classification: `probabilities-1d`, `probabilities`, `predicted_label` when verbose;
    regression: `prediction`), the numbers from lightgbm, the bytes from `sagemaker_inference`'s own encoder."""
    if not classifier:
        best = model.best_iteration if isinstance(model, lgb.Booster) else model.best_iteration_
        return sagemaker_encoder.encode({"prediction": model.predict(R, num_iteration=best)}, "application/json")
    if isinstance(model, lgb.Booster):
        output = model.predict(R, num_iteration=model.best_iteration)
    else:
        output = model.predict_proba(R, num_iteration=model.best_iteration_)
    answer = {}
    if output.ndim == 1:
        output = np.vstack((1.0 - output, output)).transpose()
    answer["probabilities-1d"] = output[:, 1:]
    answer["probabilities"] = output
    if verbose:
        answer["predicted_label"] = np.argmax(output, axis=1)
    return sagemaker_encoder.encode(answer, "application/json")


def jumpstart_answers(model, R, classifier):
    """The verbose JumpStart answer to the CSV rows, as an extra request of every pickled case."""
    return {"rows.jumpstart-verbose.json": ("application/json;verbose", jumpstart_answer(model, R, True, classifier))}


def model_text(booster):
    return booster.model_to_string().encode()


def joblib_bytes(value):
    buffer = io.BytesIO()
    joblib.dump(value, buffer)
    return buffer.getvalue()


def train(params, X, y, rounds, **dataset):
    params = dict({"verbose": -1, "seed": 7, "num_threads": 1, "deterministic": True}, **params)
    return lgb.train(params, lgb.Dataset(X, label=y, **dataset), num_boost_round=rounds)


def case(name, description, booster, R, files=None, environment=None, selection=None):
    write_case(name, description, files or {"model.txt": model_text(booster)}, R, booster.predict(R),
               environment=environment, selection=selection, library=LIBRARY, precision="float64")


def labels_for(objective, X, rng):
    score = np.nan_to_num(X[:, 0]) * 2 + np.nan_to_num(X[:, 1]) - 0.5 * np.nan_to_num(X[:, 2]) ** 2
    if objective in ("binary", "cross_entropy", "cross_entropy_lambda"):
        return (score + rng.normal(scale=0.3, size=len(score)) > 0).astype(float)
    if objective in ("multiclass", "multiclassova"):
        return np.digitize(score, [-0.7, 0.7]).astype(float)
    if objective in ("poisson", "tweedie"):
        return rng.poisson(np.exp(np.clip(score, -2, 2) / 2)).astype(float)
    if objective in ("gamma", "mape"):
        return np.exp(np.clip(score, -2, 2) / 2) + 0.1
    if objective in ("lambdarank", "rank_xendcg"):
        return np.clip(np.round(score + 1.5), 0, 3)
    return score * 3 + rng.normal(scale=0.2, size=len(score))


def boosting_cases():
    rng = np.random.default_rng(41)
    X = synthetic(rng, 500, 6, missing_rate=0.08)
    y = labels_for("binary", X, rng)
    booster = train({"objective": "binary", "num_leaves": 15}, X, y, 30)
    R = request_rows(rng, booster, 6, 24)
    case("lightgbm-binary", "binary (gbdt), NaN as missing, model.txt inside model.tar.gz; rows on thresholds and one "
         "double-ulp either side", booster, R, files={"model.tar.gz": tar_gz({"model.txt": model_text(booster)})})
    keys = ["predicted_label", "probability", "probabilities", "labels"]
    case("lightgbm-binary-selectable", "the binary model with selected outputs", booster, R,
         environment={"SAGEMAKER_INFERENCE_OUTPUT": ",".join(keys)}, selection=(keys, "binary:logistic", 0))

    y = labels_for("regression", X, rng)
    for mode, params in [("dart", {"boosting": "dart", "drop_rate": 0.3, "objective": "poisson"}),
                         ("goss", {"data_sample_strategy": "goss", "objective": "regression", "reg_sqrt": True}),
                         ("rf", {"boosting": "rf", "bagging_freq": 1, "bagging_fraction": 0.7, "feature_fraction": 0.8,
                                 "objective": "regression"})]:
        labels = labels_for(params["objective"], X, rng)
        booster = train(dict(params, num_leaves=11), X, labels, 20)
        R = request_rows(rng, booster, 6, 18)
        case(f"lightgbm-{mode}", f"{mode} with {params['objective']}" + (" (reg_sqrt)" if params.get("reg_sqrt") else ""),
             booster, R)


def missing_value_cases():
    rng = np.random.default_rng(43)
    X = synthetic(rng, 500, 5)
    X[rng.random(size=X.shape) < 0.2] = 0.0
    y = labels_for("regression", X, rng)
    booster = train({"objective": "regression", "zero_as_missing": True, "num_leaves": 12}, X, y, 20)
    R = request_rows(rng, booster, 5, 20, missing_rate=0.1)
    R[0, :] = [0.0, -0.0, 1e-40, -1e-36, 1e-34]
    R[1, :] = [np.nan, 0.0, np.nan, 1e-35, -1e-35]
    case("lightgbm-regression-zero-as-missing", "regression with zero_as_missing (missing type Zero); rows with 0, "
         "-0, NaN and magnitudes either side of LightGBM's 1e-35 zero threshold", booster, R)

    X = synthetic(rng, 500, 5, missing_rate=0.1)
    booster = train({"objective": "regression", "use_missing": False, "num_leaves": 12}, X, labels_for("regression", X, rng), 20)
    R = request_rows(rng, booster, 5, 20, missing_rate=0.2)
    case("lightgbm-regression-use-missing-false", "regression with use_missing=False (missing type None: NaN is read as 0)",
         booster, R)


def categorical_cases():
    rng = np.random.default_rng(47)
    X = synthetic(rng, 600, 5, missing_rate=0.05)
    X[:, 0] = rng.integers(0, 9, size=len(X))
    X[rng.random(size=len(X)) < 0.05, 0] = np.nan
    score = np.isin(X[:, 0], [1, 4, 6]) * 1.5 + np.nan_to_num(X[:, 1])
    y = np.digitize(score, [0.2, 1.4]).astype(float)
    booster = train({"objective": "multiclass", "num_class": 3, "num_leaves": 9, "min_data_per_group": 5,
                     "cat_smooth": 1, "max_cat_to_onehot": 2}, X, y, 15, categorical_feature=[0])
    R = request_rows(rng, booster, 5, 24)
    R[:, 0] = [0, 1, 2, 3, 4, 5, 6, 7, 8, np.nan, -1, -0.5, 2.7, 40, 1000, 1e10, 3, 4.999, 31, 32, 33, 63, 64, -1e10]
    case("lightgbm-multiclass-categorical", "multiclass (softmax, 3 classes) with a categorical feature split by "
         "bitsets; requests with negative, fractional, unseen, huge and missing category codes", booster, R)

    X = synthetic(rng, 500, 5, missing_rate=0.05)
    booster = train({"objective": "multiclassova", "num_class": 3, "num_leaves": 9, "sigmoid": 1.3}, X,
                    labels_for("multiclassova", X, rng), 12)
    case("lightgbm-multiclassova", "multiclassova (a sigmoid per class, sigmoid 1.3)", booster, request_rows(rng, booster, 5, 16))


def linear_tree_case():
    rng = np.random.default_rng(53)
    X = synthetic(rng, 500, 4, missing_rate=0.05)
    booster = train({"objective": "regression", "linear_tree": True, "num_leaves": 6, "linear_lambda": 0.1}, X,
                    labels_for("regression", X, rng), 12)
    case("lightgbm-linear-tree", "regression with linear_tree: leaf constants plus coefficients, the leaf value when a "
         "feature the leaf reads is missing", booster, request_rows(rng, booster, 4, 18, missing_rate=0.15))


def objective_cases():
    rng = np.random.default_rng(59)
    for objective, extra in [("regression_l1", {}), ("huber", {"alpha": 0.8}), ("fair", {"fair_c": 0.5}),
                             ("quantile", {"alpha": 0.7}), ("mape", {}), ("gamma", {}), ("tweedie", {"tweedie_variance_power": 1.4}),
                             ("cross_entropy", {}), ("cross_entropy_lambda", {}), ("lambdarank", {}), ("rank_xendcg", {})]:
        X = synthetic(rng, 400, 5, missing_rate=0.05)
        y = labels_for(objective, X, rng)
        dataset = {"group": [20] * 20} if objective in ("lambdarank", "rank_xendcg") else {}
        booster = train(dict(extra, objective=objective, num_leaves=7), X, y, 10, **dataset)
        case(f"lightgbm-objective-{objective.replace('_', '-')}", f"the {objective} objective", booster,
             request_rows(rng, booster, 5, 12))


def pickle_cases():
    rng = np.random.default_rng(61)
    X = synthetic(rng, 400, 5, missing_rate=0.05)
    y = labels_for("regression", X, rng)
    booster = train({"objective": "regression", "num_leaves": 9}, X, y, 15)
    R = request_rows(rng, booster, 5, 14)
    write_case("lightgbm-pickle-booster", "a lightgbm.basic.Booster saved with pickle.dump (protocol 4); also answered "
               "as JumpStart's regression script answers application/json;verbose", {"model.pkl": pickle.dumps(booster, protocol=4)},
               R, booster.predict(R), library=LIBRARY, precision="float64",
               extra_answers=jumpstart_answers(booster, R, classifier=False))

    train_rows = np.arange(len(X)) < 300
    early = lgb.train({"objective": "binary", "num_leaves": 9, "verbose": -1, "seed": 7, "num_threads": 1,
                       "learning_rate": 0.3}, lgb.Dataset(X[train_rows], label=y[train_rows] > 0),
                      num_boost_round=200, valid_sets=[lgb.Dataset(X[~train_rows], label=y[~train_rows] > 0)],
                      callbacks=[lgb.early_stopping(5, verbose=False)], keep_training_booster=True)
    assert 0 < early.best_iteration < early.current_iteration(), "early stopping should stop before the last round"
    R = request_rows(rng, early, 5, 14)
    write_case("lightgbm-pickle-booster-early-stopped", f"a binary Booster stopped early (best_iteration "
               f"{early.best_iteration} of {early.current_iteration()}) and joblib-dumped as JumpStart's LightGBM "
               "classification saves model.pkl: its text holds every tree, predict uses the best iterations; also "
               "answered as JumpStart's classification script answers application/json;verbose",
               {"model.pkl": joblib_bytes(early)}, R, early.predict(R), library=LIBRARY, precision="float64",
               extra_answers=jumpstart_answers(early, R, classifier=True))
    write_case("lightgbm-jumpstart-binary", "the early-stopped binary Booster with BERTH_ANSWER_STYLE=jumpstart: "
               "application/json answers are JumpStart's", {"model.pkl": joblib_bytes(early)}, R, early.predict(R),
               environment={"BERTH_ANSWER_STYLE": "jumpstart"}, library=LIBRARY, precision="float64",
               extra_answers={"rows.json": ("application/json", jumpstart_answer(early, R, False, classifier=True)),
                              **jumpstart_answers(early, R, classifier=True)})

    labels = np.array(["bronze", "gold", "silver"])
    classifier = lgb.LGBMClassifier(n_estimators=12, num_leaves=7, verbose=-1, random_state=3)
    classifier.fit(X, labels[np.digitize(np.nan_to_num(X[:, 0]), [-0.5, 0.5])])
    buffer = io.BytesIO()
    joblib.dump(classifier, buffer, compress=3)
    R = request_rows(rng, classifier.booster_, 5, 14)
    write_case("lightgbm-pickle-classifier-joblib", "an LGBMClassifier with string classes, joblib.dump(compress=3) "
               "(zlib); also answered as JumpStart's classification script answers application/json;verbose",
               {"model.pkl": buffer.getvalue()}, R, classifier.predict_proba(R), library=LIBRARY, precision="float64",
               extra_answers=jumpstart_answers(classifier, R, classifier=True))

    regressor = lgb.LGBMRegressor(n_estimators=10, num_leaves=7, verbose=-1, random_state=4)
    regressor.fit(X, y)
    R = request_rows(rng, regressor.booster_, 5, 12)
    write_case("lightgbm-pickle-regressor", "an LGBMRegressor saved with pickle.dump (protocol 5)",
               {"model.pkl": pickle.dumps(regressor, protocol=5)}, R, regressor.predict(R), library=LIBRARY, precision="float64")

    binary_labels = np.array(["no", "yes"])
    binary = lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1, random_state=5)
    binary.fit(X, binary_labels[(np.nan_to_num(X[:, 1]) > 0).astype(int)])
    R = request_rows(rng, binary.booster_, 5, 14)
    write_case("lightgbm-pickle-binary-labels", "an LGBMClassifier with two string classes ('no', 'yes') saved with "
               "pickle.dump: predicted_label answers them; expected/labels.json holds its predict (the labels)",
               {"model.pkl": pickle.dumps(binary, protocol=4)}, R, binary.predict_proba(R)[:, 1], library=LIBRARY,
               precision="float64")
    with open(os.path.join(HERE, "lightgbm-pickle-binary-labels", "expected", "labels.json"), "w") as handle:
        json.dump([str(label) for label in binary.predict(R)], handle)


if __name__ == "__main__":
    boosting_cases()
    missing_value_cases()
    categorical_cases()
    linear_tree_case()
    objective_cases()
    pickle_cases()
