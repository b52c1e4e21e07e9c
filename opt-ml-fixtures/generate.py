"""Generates Berth's fixtures: real XGBoost models laid out like /opt/ml, requests, and expected responses.

Every expected response is computed by xgboost itself (Booster.predict on the same numbers the request body
holds) and formatted the way the official SageMaker XGBoost container formats it (CSV: one row per line, values
as Python's repr of the float32 result; JSON: {"predictions": [{"score": ...}]}). Berth never writes these files.

Run through ./generate.sh, which creates the two pinned environments: xgboost 3.2.0 for JSON/UBJSON models and
xgboost 1.7.6 for the legacy binary format that SageMaker's 1.3-1 … 1.7-1 containers write. Each case is produced
by the environment whose xgboost version it needs; `--only-legacy` / `--only-modern` select them.
"""

import argparse
import gzip
import io
import json
import os
import shutil
import tarfile
import tempfile

import numpy as np
import xgboost as xgb

import recordio_protobuf

HERE = os.path.dirname(os.path.abspath(__file__))
MODERN = xgb.__version__.startswith("3.")


def synthetic(rng, rows, features, missing_rate=0.0):
    X = rng.normal(size=(rows, features)).round(3)
    if missing_rate:
        X[rng.random(size=X.shape) < missing_rate] = np.nan
    return X


def fmt(value):
    """A request number the way a client would write it; '' for missing (SageMaker CSV convention)."""
    return "" if np.isnan(value) else repr(float(value))


def thresholds_of(booster, limit):
    """(feature, threshold) pairs of the first numerical splits, read from the model's own JSON."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.json")
        booster.save_model(path)
        with open(path) as handle:
            model = json.load(handle)
    booster_json = model["learner"]["gradient_booster"]
    trees = booster_json.get("model", booster_json.get("gbtree", {}).get("model", {})).get("trees", [])
    pairs = set()
    for tree in trees:
        types = tree.get("split_type", [0] * len(tree["left_children"]))
        for node, left in enumerate(tree["left_children"]):
            if left != -1 and types[node] == 0:
                pairs.add((tree["split_indices"][node], float(np.float32(tree["split_conditions"][node]))))
    pairs = sorted(pairs)
    step = max(1, len(pairs) // max(limit, 1))
    return pairs[::step][:limit]


def request_rows(rng, features, count, booster=None, missing_rate=0.1):
    """Rows for requests: random values, some missing, plus rows sitting exactly on split thresholds."""
    X = synthetic(rng, count, features, missing_rate)
    if booster is not None:
        for index, (feature, threshold) in enumerate(thresholds_of(booster, count // 2)):
            X[index, feature] = threshold
    return X


def score_json(values):
    out = []
    for row in values:
        out.append({"score": [float(v) for v in row] if np.ndim(row) else float(row)})
    return out


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def libsvm_line(label, row):
    """A libsvm row as sklearn's dump_svmlight_file writes one: label, then zero-based index:value for present features."""
    return " ".join([str(label)] + [f"{j}:{float(v)!r}" for j, v in enumerate(row) if not np.isnan(v)])


# SageMaker's selectable outputs (SAGEMAKER_INFERENCE_OUTPUT) as the official container derives them from the
# xgboost prediction of one row (sagemaker-xgboost-container serve_utils.get_selected_predictions).
OFFICIAL_KEY_ORDER = ["predicted_label", "labels", "probability", "probabilities", "raw_score", "raw_scores", "predicted_score"]


def selected(objective, num_class, raw):
    """All selectable values of one row; `raw` is the float32 prediction (a scalar or one value per class)."""
    if objective == "multi:softprob":
        return {"predicted_label": int(np.argmax(raw)), "labels": list(range(num_class)),
                "probability": float(max(raw)), "probabilities": [float(v) for v in raw],
                "raw_score": float(max(raw)), "raw_scores": [float(v) for v in raw]}
    if objective in ("binary:logistic", "binary:logitraw", "binary:hinge", "multi:softmax"):
        p = float(raw)
        labels = [0, 1] if objective.startswith("binary:") else list(range(num_class))
        label = {"binary:logistic": int(raw > 0.5), "binary:logitraw": int(raw > 0)}.get(objective, p)
        values = {"predicted_label": label, "labels": labels, "raw_score": p, "raw_scores": [1.0 - p, p]}
        if objective == "binary:logistic":
            values.update({"probability": p, "probabilities": [1.0 - p, p]})
        return values
    return {"predicted_score": float(raw)}


def selectable_answers(predictions, keys, objective, num_class, batch):
    """Expected bodies per Accept for selected outputs, formatted as the official container formats them."""
    rows = []
    for raw in predictions:
        values = selected(objective, num_class, raw)
        rows.append({key: values[key] for key in OFFICIAL_KEY_ORDER if key in keys})
    csv_lines = []
    for row in rows:
        csv_lines.append(",".join('"{}"'.format(row[k]) if isinstance(row[k], list) else str(row[k]) for k in keys))
    csv_text = "\n".join(csv_lines) + ("\n" if batch else "")
    json_text = json.dumps({"predictions": rows}) + ("\n" if batch else "")
    jsonl_text = "".join(json.dumps(row) + "\n" for row in rows)
    recordio = recordio_protobuf.frame(
        recordio_protobuf.label_record([(k, v if isinstance(v, list) else [v]) for k, v in row.items()]) for row in rows)
    # Berth's extension: the selected keys as float32 columns in the variable's order, lists spread out.
    columns = [[x for k in keys for x in (row[k] if isinstance(row[k], list) else [row[k]])] for row in rows]
    return csv_text, json_text, jsonl_text, recordio, npy_bytes(np.array(columns, dtype="<f4"))


def default_answers(predictions, batch, npy_dtype="<f4"):
    """Expected bodies per Accept for the model's scores, as the official container writes them (OBS-2); NPY in
    the dtype the library's predict returns (float32 for xgboost, float64 for LightGBM)."""
    if predictions.ndim == 1:
        csv_text = "".join(repr(float(v)) + "\n" for v in predictions)
    else:
        csv_text = "".join(",".join(repr(float(v)) for v in row) + "\n" for row in predictions)
    scores = score_json(predictions)
    json_text = json.dumps({"predictions": scores}) + ("\n" if batch else "")
    jsonl_text = "".join(json.dumps(score) + "\n" for score in scores)
    if batch:
        # Batch mode: each line is the row's bare scores, a list for several (as the official container writes them).
        bare = [json.dumps([float(v) for v in row] if predictions.ndim > 1 else float(row)) + "\n" for row in predictions]
        jsonl_text = "".join(bare)
        if predictions.ndim > 1:
            csv_text = "".join(bare)
    recordio = recordio_protobuf.frame(
        recordio_protobuf.label_record([("score", [float(v) for v in np.atleast_1d(row)])]) for row in predictions)
    return csv_text, json_text, jsonl_text, recordio, npy_bytes(predictions.astype(npy_dtype))


def write_case(name, description, model_files, X, predictions, environment=None, selection=None, variants=None,
               library=None, precision="float32", extra_answers=None):
    """One fixture: the model, the same rows in every request content type, and the library's answers in every
    response content type. `selection` is (keys, objective, num_class) when SAGEMAKER_INFERENCE_OUTPUT is set;
    `variants` adds requests of other dtypes and framings: {file: (bytes, content_type, expected_csv_text)}.
    `library` is (name, version), xgboost's by default; `precision` "float64" (LightGBM) sends RecordIO rows as
    float64 tensors, so rows one double-ulp above a threshold stay there, and expects float64 NPY answers.
    `extra_answers` adds answers to the CSV rows for other Accept values: {file: (accept, bytes)}; an `Accept`
    of `application/json` replaces the JSON request's answer instead (a case whose environment changes it)."""
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "model"))
    os.makedirs(os.path.join(folder, "requests"))
    os.makedirs(os.path.join(folder, "expected"))
    for relative, data in model_files.items():
        with open(os.path.join(folder, "model", relative), "wb") as handle:
            handle.write(data)
    environment = environment or {}
    batch = environment.get("SAGEMAKER_BATCH", "").lower() in ("true", "1")

    features = X.shape[1]
    instances = [[None if np.isnan(v) else float(v) for v in row] for row in X]
    bodies = {
        "rows.csv": "\n".join(",".join(fmt(v) for v in row) for row in X) + "\n",
        "rows.json": json.dumps({"instances": [{"features": row} for row in instances]}),
        "rows.jsonl": "".join(json.dumps(row) + "\n" for row in instances),
        "rows.libsvm": "".join(libsvm_line(index % 2, row) + "\n" for index, row in enumerate(X)),
        "rows.npy": npy_bytes(X.astype("<f8")),
        "rows.recordio": recordio_protobuf.frame(recordio_protobuf.feature_record(row, tensor=precision) for row in X),
        "rows-sparse.recordio": recordio_protobuf.frame(
            recordio_protobuf.feature_record(row, tensor=precision, sparse=True) for row in X),
    }
    if selection:
        keys, objective, num_class = selection
        answers = selectable_answers(predictions, keys, objective, num_class, batch)
    else:
        answers = default_answers(predictions, batch, npy_dtype="<f8" if precision == "float64" else "<f4")
    expected = dict(zip(["rows.csv", "rows.json", "rows.jsonl", "rows.recordio", "rows.npy"], answers))
    requests = [
        ("rows.csv", "text/csv", "text/csv", "rows.csv"),
        ("rows.json", "application/json", "application/json", "rows.json"),
        ("rows.jsonl", "application/jsonlines", "application/jsonlines", "rows.jsonl"),
        ("rows.libsvm", "text/libsvm", "text/csv", "rows.csv"),
        ("rows.npy", "application/x-npy", "application/x-npy", "rows.npy"),
        ("rows.recordio", "application/x-recordio-protobuf", "application/x-recordio-protobuf", "rows.recordio"),
        ("rows-sparse.recordio", "application/x-recordio-protobuf", "application/jsonlines", "rows.jsonl"),
    ]
    for file, (accept, answer) in (extra_answers or {}).items():
        if accept == "application/json":
            expected["rows.json"] = answer
            continue
        expected[file] = answer
        requests.append(("rows.csv", "text/csv", accept, file))
    for file, (body, content_type, expected_csv) in (variants or {}).items():
        bodies[file] = body
        expected[file + ".csv"] = expected_csv
        requests.append((file, content_type, "text/csv", file + ".csv"))
    for relative, data in [("requests/" + k, v) for k, v in bodies.items()] + [("expected/" + k, v) for k, v in expected.items()]:
        with open(os.path.join(folder, relative), "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
    library_name, library_version = library or ("xgboost", xgb.__version__)
    manifest = {
        "description": description,
        library_name: library_version,
        "environment": environment,
        "features": features,
        "rows": int(X.shape[0]),
        "requests": [{"body": "requests/" + body, "content_type": content_type, "accept": accept,
                      "expected": "expected/" + answer} for body, content_type, accept, answer in requests],
    }
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")


def csv_answer(predictions):
    return default_answers(np.asarray(predictions), False)[0]


def dtype_variants(booster, X):
    """The same rows as other .npy dtypes, orders and format versions, and other RecordIO tensor types."""
    integers = np.nan_to_num(np.round(X * 4)).astype("<i4")
    as_float = integers.astype(np.float64)
    without_first = X.copy()
    without_first[:, 0] = np.nan
    return {
        "rows-f4-fortran.npy": (npy_bytes(np.asfortranarray(X.astype("<f4"))), "application/x-npy", csv_answer(predict(booster, X))),
        "rows-big-endian-v2.npy": (npy_bytes(X.astype(">f4"), version=(2, 0)), "application/x-npy", csv_answer(predict(booster, X))),
        "rows-v3.npy": (npy_bytes(X, version=(3, 0)), "application/x-npy", csv_answer(predict(booster, X))),
        "rows-int32.npy": (npy_bytes(integers), "application/x-npy", csv_answer(predict(booster, as_float))),
        "rows-uint8.npy": (npy_bytes(np.abs(integers).astype("|u1")), "application/x-npy",
                           csv_answer(predict(booster, np.abs(integers).astype(np.float64)))),
        "row-1d.npy": (npy_bytes(X[0]), "application/x-npy", csv_answer(predict(booster, X[:1]))),
        "rows-float64.recordio": (recordio_protobuf.frame(recordio_protobuf.feature_record(row, tensor="float64") for row in X),
                                  "application/x-recordio-protobuf", csv_answer(predict(booster, X))),
        "rows-int32.recordio": (recordio_protobuf.frame(recordio_protobuf.feature_record(row, tensor="int32") for row in integers),
                                "application/x-recordio-protobuf", csv_answer(predict(booster, as_float))),
        "row-bare.recordio": (recordio_protobuf.feature_record(X[0]), "application/x-recordio-protobuf",
                              csv_answer(predict(booster, X[:1]))),
        # Zero-based rows that never name feature 0: the official container shifts them by one (FMT-SVM-2).
        "rows-without-feature-0.libsvm": ("".join(libsvm_line(1, row) + "\n" for row in without_first), "text/libsvm",
                                          csv_answer(predict(booster, without_first))),
    }


def write_load_error_case(name, description, model_files, expected_error, library=None):
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "model"))
    for relative, data in model_files.items():
        with open(os.path.join(folder, "model", relative), "wb") as handle:
            handle.write(data)
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        library_name, library_version = library or ("xgboost", xgb.__version__)
        json.dump({"description": description, library_name: library_version, "environment": {},
                   "expected_load_error": expected_error, "requests": []}, handle, indent=2)
        handle.write("\n")


def saved(booster, suffix):
    """The bytes `save_model` writes for a file name ending in `suffix` ('' = SageMaker's extension-less name)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "xgboost-model" + suffix)
        booster.save_model(path)
        with open(path, "rb") as handle:
            return handle.read()


def tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def predict(booster, X):
    return booster.predict(xgb.DMatrix(X, missing=np.nan))


def legacy_cases():
    rng = np.random.default_rng(17)
    # binary:logistic saved extension-less by xgboost 1.7: the legacy binary `binf` format of SageMaker 1.7-1.
    X = synthetic(rng, 400, 12, missing_rate=0.05)
    y = (X[:, 0] + np.nan_to_num(X[:, 3]) * X[:, 5] > 0.2).astype(float)
    params = {"objective": "binary:logistic", "max_depth": 5, "eta": 0.3, "base_score": 0.3, "seed": 1}
    booster = xgb.train(params, xgb.DMatrix(X, label=y, missing=np.nan), num_boost_round=40)
    model = saved(booster, "")
    assert model[:4] == b"binf", "xgboost 1.7 should write the legacy binary format"
    R = request_rows(rng, 12, 24, booster)
    write_case("xgboost-binary-legacy",
               "binary:logistic, legacy binary `xgboost-model` as SageMaker's 1.7-1 container writes it, base_score 0.3; "
               "requests also as npy of other dtypes/orders/versions and RecordIO of other tensor types",
               {"xgboost-model": model}, R, predict(booster, R), variants=dtype_variants(booster, R))
    keys = ["probabilities", "predicted_label", "labels", "probability", "raw_score", "raw_scores"]
    write_case("xgboost-binary-selectable",
               "the binary:logistic legacy model with every selectable output, listed out of the official JSON order",
               {"xgboost-model": model}, R, predict(booster, R),
               environment={"SAGEMAKER_INFERENCE_OUTPUT": "probabilities, predicted_label,labels,Probability,raw_score,raw_scores"},
               selection=(keys, "binary:logistic", 0))

    # k-fold artifact: three legacy models served as one ensemble (mean), as SAGEMAKER_INFERENCE_ENSEMBLE does.
    boosters = []
    for fold in range(3):
        mask = np.arange(len(X)) % 3 != fold
        boosters.append(xgb.train(dict(params, seed=fold), xgb.DMatrix(X[mask], label=y[mask]), num_boost_round=15))
    R = request_rows(rng, 12, 12)
    mean = np.mean([predict(b, R) for b in boosters], axis=0)
    write_case("xgboost-kfold-ensemble",
               "three legacy binary:logistic models xgboost-model-0..2 (k-fold training), served as their mean",
               {f"xgboost-model-{fold}": saved(b, "") for fold, b in enumerate(boosters)}, R, mean,
               environment={"SAGEMAKER_INFERENCE_ENSEMBLE": "true"})


def legacy_categorical_cases():
    """A model with categorical splits as xgboost 1.7 (and 2.0, 2.1) saves it: JSON and UBJSON whose categorical nodes
    carry a NaN split condition (the JSON as the bare token `NaN`), which later versions write as 1e-45. Its own
    generator: `.venv-xgb17/bin/python -c 'import generate; generate.legacy_categorical_cases()'`."""
    rng = np.random.default_rng(43)
    X = synthetic(rng, 600, 4, missing_rate=0.05)
    X[:, 1] = rng.integers(0, 8, size=len(X)).astype(float)
    X[:, 2] = rng.integers(0, 40, size=len(X)).astype(float)
    X[rng.random(len(X)) < 0.05, 1] = np.nan
    y = np.nan_to_num(X[:, 0]) + np.isin(X[:, 1], [1, 3, 5]) * 2 - (X[:, 2] % 7 == 0) * 1.5
    types = ["q", "c", "c", "q"]
    train = xgb.DMatrix(X, label=y, feature_types=types, enable_categorical=True)
    # Partition splits on the 40-category feature, one-hot splits on the 8-category one.
    booster = xgb.train({"objective": "reg:squarederror", "tree_method": "hist", "max_depth": 5, "max_cat_to_onehot": 10, "seed": 43},
                        train, num_boost_round=20)
    R = request_rows(rng, 4, 24, booster, missing_rate=0.1)
    R[:, 1] = [0, 1, 3, 5, 7, 2, 9, 0, 4, 6, 1, 3] * 2
    R[:, 2] = [0, 7, 14, 39, 40, 3, 21, 28, 35, 1, 2, 100] * 2
    R[5, 1] = np.nan
    expected = booster.predict(xgb.DMatrix(R, feature_types=types, enable_categorical=True))
    json_model = saved(booster, ".json")
    assert b"NaN" in json_model, "xgboost 1.7 writes a categorical node's split condition as NaN"
    for suffix, name, form in [(".json", "xgboost-1.7-categorical-json", "JSON"), (".ubj", "xgboost-1.7-categorical-ubjson", "UBJSON")]:
        write_case(name, f"reg:squarederror with partition and one-hot categorical splits, saved by xgboost 1.7 as {form}: its "
                   "categorical nodes' split conditions are NaN", {"xgboost-model" + suffix: saved(booster, suffix)}, R, expected)


def high_category_case():
    """A categorical feature whose codes are all high (200-263, and 500): some splits' sets start far above code 0
    (others list the unseen codes below 200 too), and Berth's packed sets keep their own words alone (docs/model-formats.md §2.4). Its own generator, so
    it can be written alone: `.venv-xgb3/bin/python -c 'import generate; generate.high_category_case()'`."""
    rng = np.random.default_rng(41)
    X = synthetic(rng, 800, 4, missing_rate=0.1)
    X[:, 3] = rng.integers(200, 264, size=len(X)).astype(float)
    X[rng.random(len(X)) < 0.05, 3] = 500
    X[rng.random(len(X)) < 0.05, 3] = np.nan
    y = ((np.nan_to_num(X[:, 0]) > 0) ^ (np.nan_to_num(X[:, 3]) % 7 < 3)).astype(float)
    types = ["q", "q", "q", "c"]
    train = xgb.DMatrix(X, label=y, feature_types=types, enable_categorical=True)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 5, "max_cat_to_onehot": 1, "seed": 41},
                        train, num_boost_round=30)
    R = request_rows(rng, 4, 24, booster, missing_rate=0.2)
    R[:, 3] = [200, 201, 203, 224, 250, 263, 500, 0, 31, 199, 264, 5000] * 2
    R[10, 3] = -1
    R[23, 3] = np.nan
    expected = booster.predict(xgb.DMatrix(R, feature_types=types, enable_categorical=True))
    write_case("xgboost-high-categories",
               "binary:logistic with a categorical feature of codes 200-263 and 500 (JSON); requests hold codes below, between and above them",
               {"xgboost-model.json": saved(booster, ".json")}, R, expected)


def modern_cases():
    rng = np.random.default_rng(23)
    # multi:softprob, UBJSON (xgboost 3.x's default for an extension-less name), inside model.tar.gz.
    X = synthetic(rng, 450, 8)
    y = (np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])).astype(float)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 4, "seed": 2},
                        xgb.DMatrix(X, label=y), num_boost_round=25)
    model = saved(booster, "")
    assert model[:1] == b"{" and model[1:2] != b'"', "xgboost 3 should write UBJSON for an extension-less name"
    R = request_rows(rng, 8, 18, booster, missing_rate=0.05)
    write_case("xgboost-multiclass-ubjson", "multi:softprob with 3 classes, UBJSON `xgboost-model` inside model/model.tar.gz",
               {"model.tar.gz": tar_gz({"xgboost-model": model})}, R, predict(booster, R))
    write_case("xgboost-multiclass-selectable-batch",
               "the multi:softprob model with selected outputs in batch transform (SAGEMAKER_BATCH=True, local mode's spelling)",
               {"model.tar.gz": tar_gz({"xgboost-model": model})}, R, predict(booster, R),
               environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probabilities,probability,labels",
                            "SAGEMAKER_BATCH": "True"},
               selection=(["predicted_label", "probabilities", "probability", "labels"], "multi:softprob", 3))

    # multi:softmax: the class index as a float, and the official container's [1 - label, label] raw_scores.
    softmax = xgb.train({"objective": "multi:softmax", "num_class": 3, "max_depth": 3, "seed": 7},
                        xgb.DMatrix(X, label=y), num_boost_round=10)
    write_case("xgboost-softmax-selectable", "multi:softmax with 3 classes (JSON) and its selectable outputs",
               {"xgboost-model.json": saved(softmax, ".json")}, R, predict(softmax, R),
               environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels,raw_score,raw_scores"},
               selection=(["predicted_label", "labels", "raw_score", "raw_scores"], "multi:softmax", 3))

    # reg:squarederror, JSON text, delivered as one gzipped file (ModelDataSource with CompressionType=Gzip).
    X = synthetic(rng, 300, 6)
    y = 3 * X[:, 0] - X[:, 2] ** 2 + 10 + rng.normal(scale=0.1, size=len(X))
    booster = xgb.train({"objective": "reg:squarederror", "max_depth": 6, "seed": 3},
                        xgb.DMatrix(X, label=y), num_boost_round=30)
    R = request_rows(rng, 6, 16, booster)
    write_case("xgboost-regression-json-gz", "reg:squarederror, JSON model gzipped as model/xgboost-model.json.gz",
               {"xgboost-model.json.gz": gzip.compress(saved(booster, ".json"), mtime=0)}, R, predict(booster, R))
    write_case("xgboost-regression-selectable-batch",
               "the reg:squarederror model answering predicted_score in batch transform (SAGEMAKER_BATCH=true)",
               {"xgboost-model.json.gz": gzip.compress(saved(booster, ".json"), mtime=0)}, R, predict(booster, R),
               environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_score", "SAGEMAKER_BATCH": "true"},
               selection=(["predicted_score"], "reg:squarederror", 0))
    write_case("xgboost-regression-batch",
               "the reg:squarederror model's default answers in batch transform (SAGEMAKER_BATCH=true): text ends in a newline",
               {"xgboost-model.json.gz": gzip.compress(saved(booster, ".json"), mtime=0)}, R, predict(booster, R),
               environment={"SAGEMAKER_BATCH": "true"})

    # Missing values and a categorical feature (codes 0..5; unseen and negative codes appear in requests).
    X = synthetic(rng, 500, 5, missing_rate=0.2)
    X[:, 4] = rng.integers(0, 6, size=len(X)).astype(float)
    X[rng.random(len(X)) < 0.1, 4] = np.nan
    y = ((np.nan_to_num(X[:, 0]) > 0) ^ np.isin(X[:, 4], [1, 4])).astype(float)
    types = ["q", "q", "q", "q", "c"]
    train = xgb.DMatrix(X, label=y, feature_types=types, enable_categorical=True)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "max_cat_to_onehot": 1, "seed": 4},
                        train, num_boost_round=20)
    R = request_rows(rng, 5, 20, booster, missing_rate=0.25)
    R[:, 4] = [0, 1, 2, 3, 4, 5, 9, 30, -1, np.nan] * 2
    expected = booster.predict(xgb.DMatrix(R, feature_types=types, enable_categorical=True))
    write_case("xgboost-missing-categorical",
               "binary:logistic trained with 20% missing values and a categorical feature (JSON); requests hold empty fields, unseen and negative categories",
               {"xgboost-model.json": saved(booster, ".json")}, R, expected)

    high_category_case()

    # DART: every tree scaled by its weight_drop at inference.
    X = synthetic(rng, 300, 7)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    booster = xgb.train({"booster": "dart", "objective": "reg:squarederror", "rate_drop": 0.3, "max_depth": 4,
                         "seed": 5}, xgb.DMatrix(X, label=y), num_boost_round=20)
    R = request_rows(rng, 7, 12, booster)
    write_case("xgboost-dart", "dart booster (weight_drop), reg:squarederror, UBJSON file named model.ubj",
               {"model.ubj": saved(booster, ".ubj")}, R, predict(booster, R))

    # gblinear with count:poisson: a linear booster and the log link on base_score.
    X = synthetic(rng, 400, 6)
    y = rng.poisson(np.exp(0.3 * X[:, 0] - 0.2 * X[:, 1] + 1))
    booster = xgb.train({"booster": "gblinear", "objective": "count:poisson", "seed": 6},
                        xgb.DMatrix(X, label=y), num_boost_round=30)
    R = request_rows(rng, 6, 12)
    write_case("xgboost-gblinear-poisson", "gblinear booster with count:poisson (log link on base_score), JSON",
               {"xgboost-model.json": saved(booster, ".json")}, R, predict(booster, R))

    gblinear_multiclass_case()
    logistic_one_class_case()


def gblinear_multiclass_case():
    # gblinear with multi:softprob: xgboost 3.1+ saves a base_score per class, and its linear booster adds the first
    # of them to every class's margin (its trees add each class's own).
    rng = np.random.default_rng(29)
    X = synthetic(rng, 300, 4)
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5]).astype(float)
    booster = xgb.train({"booster": "gblinear", "objective": "multi:softprob", "num_class": 3, "seed": 8},
                        xgb.DMatrix(X, label=y), num_boost_round=20)
    assert saved(booster, ".json").count(b"base_score\":\"[") == 1, "xgboost 3.1+ saves one base_score per class"
    R = request_rows(rng, 4, 12)
    write_case("xgboost-gblinear-multiclass", "gblinear booster with multi:softprob: a base_score per class, the first added to every class",
               {"xgboost-model.json": saved(booster, ".json")}, R, predict(booster, R))


def logistic_one_class_case():
    # binary:logistic trained on labels that are all 1: base_score is saved as 1, whose logit is infinite; xgboost
    # takes it as 1 - 1e-6 (and 0 as 1e-6) before the link. Its trees are single zero leaves, so every prediction is
    # 0.999998927, within the prediction tests' tolerance of 1.0: the margins of its explanations are the check.
    rng = np.random.default_rng(31)
    X = synthetic(rng, 200, 3)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "seed": 9}, xgb.DMatrix(X, label=np.ones(len(X))),
                        num_boost_round=5)
    assert b'base_score":"[1E0]"' in saved(booster, ".json"), "a base_score of exactly 1"
    R = request_rows(rng, 3, 8)
    write_case("xgboost-logistic-one-class", "binary:logistic trained on one class: base_score 1, clamped by xgboost to 1 - 1e-6",
               {"xgboost-model.json": saved(booster, ".json")}, R, predict(booster, R))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-legacy", action="store_true")
    parser.add_argument("--only-modern", action="store_true")
    arguments = parser.parse_args()
    if arguments.only_legacy:
        assert xgb.__version__ == "1.7.6", "legacy cases need xgboost 1.7.6"
        legacy_cases()
        legacy_categorical_cases()
    elif arguments.only_modern:
        assert xgb.__version__ == "3.2.0", "modern cases need xgboost 3.2.0"
        modern_cases()
    else:
        raise SystemExit("run ./generate.sh, which calls this once per pinned xgboost version")
