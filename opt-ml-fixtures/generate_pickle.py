"""Pickled and joblib-dumped XGBoost models, as SageMaker's XGBoost 0.90-1 … 1.2-2 containers (`pickle.dump(booster)`)
and script-mode users (`pickle`/`joblib` of `XGBClassifier`, `XGBRegressor`) saved them. Run once per xgboost
version (generate.sh gives each its virtual environment); the cases written are the ones of the running version.
Expected answers come from that same xgboost's `predict`."""
import io
import os
import pickle
import zlib

import joblib
import numpy as np
import xgboost as xgb

from generate import predict, request_rows, synthetic, tar_gz, write_case, write_load_error_case

VERSION = xgb.__version__
SERIES = ".".join(VERSION.split(".")[:2])


def joblib_bytes(value, compress=0):
    buffer = io.BytesIO()
    joblib.dump(value, buffer, compress=compress)
    return buffer.getvalue()


def rows_for(rng, features, count, booster):
    # xgboost 0.90 cannot save JSON, which request_rows reads thresholds from; its rows are random only.
    return request_rows(rng, features, count, booster if SERIES != "0.90" else None)


def booster_case(name, description, params, rounds, protocol, files_of):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    X = synthetic(rng, 300, 6, missing_rate=0.05)
    if params["objective"].startswith("multi:"):
        y = np.digitize(X[:, 0] + 0.5 * np.nan_to_num(X[:, 1]), [-0.5, 0.5]).astype(float)
    elif params["objective"].startswith("binary:"):
        y = (X[:, 0] - np.nan_to_num(X[:, 2]) > 0.1).astype(float)
    else:
        y = X[:, 0] * 2 + np.nan_to_num(X[:, 3]) ** 2
    booster = xgb.train(params, xgb.DMatrix(X, label=y, missing=np.nan), num_boost_round=rounds)
    R = rows_for(rng, 6, 16, booster)
    write_case(name, description, files_of(pickle.dumps(booster, protocol=protocol)), R, predict(booster, R))


def wrapper_case(name, description, estimator, labels, dump, file_name, environment=None):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    X = synthetic(rng, 300, 5, missing_rate=0.05)
    score = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1])
    if labels is None:
        y = score * 3 - np.nan_to_num(X[:, 2])
    else:
        cuts = np.quantile(score, np.linspace(0, 1, len(labels) + 1)[1:-1])
        y = np.array(labels)[np.digitize(score, cuts)]
    estimator.fit(X, y)
    booster = estimator.get_booster()
    R = rows_for(rng, 5, 14, booster)
    write_case(name, description, {file_name: dump(estimator)}, R, predict(booster, R), environment=environment)


def early_stopped_case():
    """An XGBClassifier stopped early: its predict_proba stops at best_iteration (Booster.predict would use every tree),
    and the expected answers are predict_proba's. Its own generator (xgboost 3.2):
    `.venv-xgb3/bin/python -c 'import generate_pickle as g; g.early_stopped_case()'`."""
    name = "xgboost-pickle-3.2-classifier-early-stopped"
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    X = synthetic(rng, 600, 5, missing_rate=0.05)
    score = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) + rng.normal(scale=0.8, size=len(X))
    y = np.digitize(score, [-0.5, 0.5])
    estimator = xgb.XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.3, early_stopping_rounds=5, eval_metric="mlogloss")
    estimator.fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], verbose=False)
    booster = estimator.get_booster()
    assert estimator.best_iteration + 1 < booster.num_boosted_rounds(), "early stopping must leave trees after the best iteration"
    R = rows_for(rng, 5, 14, booster)
    write_case(name, f"xgboost 3.2.0 XGBClassifier with 3 classes stopped early at iteration {estimator.best_iteration} of "
               f"{booster.num_boosted_rounds()}, pickled to model.pkl: answered as its predict_proba (which stops at best_iteration)",
               {"model.pkl": pickle.dumps(estimator, protocol=5)}, R, estimator.predict_proba(R))


def legacy_early_stopped_case(name, description, estimator, classes, dump):
    """A wrapper of xgboost 0.90 - 1.2 stopped early: it keeps best_ntree_limit itself and its predict passes it to the
    Booster (whose legacy binary model holds no best_iteration), so the expected answers are the wrapper's own."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    X = synthetic(rng, 600, 5, missing_rate=0.05)
    score = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) + rng.normal(scale=0.8, size=len(X))
    y = np.digitize(score, [-0.5, 0.5]) if classes else score
    estimator.fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], early_stopping_rounds=5, verbose=False)
    booster = estimator.get_booster()
    trees = len(booster.get_dump())
    assert 0 < estimator.best_ntree_limit * max(1, classes) < trees, "early stopping must leave trees after the best iteration"
    R = rows_for(rng, 5, 14, booster)
    expected = estimator.predict_proba(R) if classes else estimator.predict(R)
    assert not np.allclose(expected, estimator.predict_proba(R, ntree_limit=0) if classes else estimator.predict(R, ntree_limit=0))
    write_case(name, description.format(best=estimator.best_iteration, trees=trees, limit=estimator.best_ntree_limit),
               {"model.pkl": dump(estimator)}, R, expected)


def cases():
    if SERIES == "0.90":
        booster_case("xgboost-pickle-0.90", "xgboost 0.90 Booster, binary:logistic, pickled with protocol 3 as SageMaker's "
                     "0.90-1 and 0.90-2 containers wrote `xgboost-model` (the bare legacy binary in its state), inside model.tar.gz",
                     {"objective": "binary:logistic", "max_depth": 4, "seed": 1}, 20, 3,
                     lambda model: {"model.tar.gz": tar_gz({"xgboost-model": model})})
        wrapper_case("xgboost-pickle-0.90-classifier-strings", "xgboost 0.90 XGBClassifier with three string classes "
                     "(classes_ a '<U' array), pickled with protocol 2 (bytes as _codecs.encode) to model.pkl",
                     xgb.XGBClassifier(n_estimators=12, max_depth=3), ["ant", "bee", "cat"],
                     lambda model: pickle.dumps(model, protocol=2), "model.pkl")
        legacy_early_stopped_case("xgboost-pickle-0.90-classifier-early-stopped", "xgboost 0.90 XGBClassifier with 3 "
                                  "classes stopped early at iteration {best} ({trees} trees, best_ntree_limit {limit}), "
                                  "pickled with protocol 3 (the raw legacy binary in place of the Booster) to model.pkl: "
                                  "answered as its predict_proba, which passes best_ntree_limit to the Booster",
                                  xgb.XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.3), 3,
                                  lambda model: pickle.dumps(model, protocol=3))
    elif SERIES == "1.0":
        booster_case("xgboost-pickle-1.0", "xgboost 1.0.2 Booster, multi:softprob with 3 classes, pickled with protocol 3 "
                     "as SageMaker's 1.0-1 container wrote it (CONFIG-offset: header, legacy binary, JSON configuration)",
                     {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "seed": 2}, 10, 3,
                     lambda model: {"xgboost-model": model})
    elif SERIES == "1.2":
        booster_case("xgboost-pickle-1.2", "xgboost 1.2.1 Booster, reg:squarederror with missing values, pickled with "
                     "protocol 3 as SageMaker's 1.2-1 and 1.2-2 containers wrote it, inside model.tar.gz",
                     {"objective": "reg:squarederror", "max_depth": 5, "seed": 3}, 25, 3,
                     lambda model: {"model.tar.gz": tar_gz({"xgboost-model": model})})
        wrapper_case("xgboost-pickle-1.2-regressor-joblib-zlib", "xgboost 1.2.1 XGBRegressor dumped by joblib with "
                     "compress=3 (one zlib stream) to model.joblib", xgb.XGBRegressor(n_estimators=15, max_depth=4), None,
                     lambda model: joblib_bytes(model, compress=3), "model.joblib")
        legacy_early_stopped_case("xgboost-pickle-1.2-regressor-early-stopped", "xgboost 1.2.1 XGBRegressor stopped early "
                                  "at iteration {best} ({trees} trees, best_ntree_limit {limit}), pickled with protocol 4 "
                                  "(a Booster whose state is CONFIG-offset: and the legacy binary) to model.pkl: answered "
                                  "as its predict, which passes best_ntree_limit to the Booster",
                                  xgb.XGBRegressor(n_estimators=300, max_depth=4, learning_rate=0.3), 0,
                                  lambda model: pickle.dumps(model, protocol=4))
    elif SERIES == "1.5":
        wrapper_case("xgboost-pickle-1.5-classifier-joblib", "xgboost 1.5.2 XGBClassifier, binary, dumped by joblib "
                     "uncompressed (arrays written raw after the pickle's wrappers, 16-byte aligned): model.joblib",
                     xgb.XGBClassifier(n_estimators=10, max_depth=3, use_label_encoder=False, eval_metric="logloss"), [0, 1],
                     lambda model: joblib_bytes(model), "model.joblib")
    elif SERIES == "1.7":
        booster_case("xgboost-pickle-1.7", "xgboost 1.7.6 Booster, binary:logistic, pickled with protocol 4 "
                     "(a UBJSON snapshot in its state)", {"objective": "binary:logistic", "max_depth": 4, "seed": 4}, 15, 4,
                     lambda model: {"xgboost-model": model})
    elif SERIES == "3.2":
        wrapper_case("xgboost-pickle-3.2-classifier-protocol-5", "xgboost 3.2.0 XGBClassifier with 4 classes, pickled "
                     "with protocol 5 (in-band buffers) to model.pkl", xgb.XGBClassifier(n_estimators=8, max_depth=3),
                     [0, 1, 2, 3], lambda model: pickle.dumps(model, protocol=5), "model.pkl")
        wrapper_case("xgboost-pickle-3.2-regressor-joblib-gzip", "xgboost 3.2.0 XGBRegressor dumped by joblib with "
                     "compress=('gzip', 3) to model.joblib (gzip by its content, not its name)",
                     xgb.XGBRegressor(n_estimators=10, max_depth=4), None,
                     lambda model: joblib_bytes(model, compress=("gzip", 3)), "model.joblib")
        early_stopped_case()
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        X = synthetic(np.random.default_rng(5), 100, 4)
        pipeline = Pipeline([("scale", StandardScaler()), ("model", xgb.XGBRegressor(n_estimators=3))]).fit(X, X[:, 0])
        write_load_error_case("pickle-refused-pipeline", "a scikit-learn Pipeline around an XGBRegressor, dumped by "
                              "joblib: refused at startup naming sklearn.pipeline.Pipeline and ONNX as the way out",
                              {"model.joblib": joblib_bytes(pipeline)}, "sklearn.pipeline.Pipeline")
    else:
        raise SystemExit(f"no pickle cases for xgboost {VERSION}")


if __name__ == "__main__":
    cases()
