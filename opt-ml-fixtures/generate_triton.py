"""Triton FIL model repositories under opt-ml-fixtures/triton-fil-*: a `config.pbtxt` per FIL answer option over
models and predictions xgboost wrote, and the answers Triton's FIL backend gives for them.

The scores are xgboost's own: `Booster.predict` (xgboost 3.2) for the JSON and UBJSON models, and for the legacy
binary model the predictions xgboost 1.7.6 wrote into the xgboost-binary-legacy fixture. FIL's answer options are
applied to them as fil_backend documents and implements them (its model configuration guide; src/tl_model.h): a classifier
without predict_proba answers 1.0 where the probability is strictly greater than `threshold` (binary) or the first
most probable class (multi-class); with predict_proba, [1 - p, p] for a binary model whose output dims are [2], each
class's probability for a multi-class one; a regressor its values. Dims of size 1 are squeezed from the answer's
shape, as FIL does. Run by generate.sh with the xgboost 3.2 environment.
"""

import gzip
import io
import json
import os
import shutil
import tarfile

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def fixture_rows(fixture):
    """A fixture's request rows (None for a missing value), from its JSON request."""
    with open(os.path.join(HERE, fixture, "requests", "rows.json")) as handle:
        instances = json.load(handle)["instances"]
    return [row["features"] if isinstance(row, dict) else row for row in instances]


def as_matrix(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float32)


def config_text(name, model_type, features, output_dims, parameters, version_policy=None):
    lines = [f'name: "{name}"', 'backend: "fil"', "max_batch_size: 32768",
             f'input [\n  {{\n    name: "input__0"\n    data_type: TYPE_FP32\n    dims: [ {features} ]\n  }}\n]',
             f'output [\n  {{\n    name: "output__0"\n    data_type: TYPE_FP32\n    dims: [ {", ".join(map(str, output_dims))} ]\n  }}\n]',
             "instance_group [{ kind: KIND_CPU }]"]
    if version_policy:
        lines.append(version_policy)
    entries = [("model_type", model_type)] + parameters + [("storage_type", "AUTO")]
    lines.append("parameters [\n" + ",\n".join(f'  {{\n    key: "{k}"\n    value: {{ string_value: "{v}" }}\n  }}' for k, v in entries) + "\n]")
    lines.append("dynamic_batching { }")
    return "\n".join(lines) + "\n"


def fil_answer(scores, classifier, predict_proba, threshold, output_dims):
    scores = np.asarray(scores, dtype=np.float32)
    if scores.ndim == 1:
        scores = scores[:, None]
    if not classifier:
        answer = scores
    elif scores.shape[1] == 1:
        p = scores[:, 0]
        if predict_proba:
            answer = np.stack([np.float32(1) - p, p], axis=1) if output_dims == [2] else scores
        else:
            answer = (p > np.float32(threshold)).astype(np.float32)[:, None]
    else:
        answer = scores if predict_proba else np.argmax(scores, axis=1).astype(np.float32)[:, None]
    shape = [len(answer)] + [d for d in output_dims if d != 1]
    return answer.reshape(shape)


def write_case(case, description, name, model_type, model_bytes, rows, scores, classifier, predict_proba, threshold,
               output_dims, versions=(1,), broken_versions=(), parameter_names=("is_classifier",), version_policy=None):
    folder = os.path.join(HERE, case)
    shutil.rmtree(folder, ignore_errors=True)
    repository = os.path.join(folder, "model", name)
    file_name = {"xgboost": "xgboost.model", "xgboost_json": "xgboost.json", "xgboost_ubj": "xgboost.ubj"}[model_type]
    for version in versions:
        os.makedirs(os.path.join(repository, str(version)), exist_ok=True)
        with open(os.path.join(repository, str(version), file_name), "wb") as handle:
            handle.write(b"not a model: this version must not be read\n" if version in broken_versions else model_bytes)
    parameters = [(parameter_names[0], "true" if classifier else "false")]
    if classifier:
        parameters.append(("threshold", repr(threshold)))
    parameters.append(("predict_proba", "true" if predict_proba else "false"))
    features = len(rows[0])
    with open(os.path.join(repository, "config.pbtxt"), "w") as handle:
        handle.write(config_text(name, model_type, features, output_dims, parameters, version_policy))
    answer = fil_answer(scores, classifier, predict_proba, threshold, output_dims)
    os.makedirs(os.path.join(folder, "requests"))
    os.makedirs(os.path.join(folder, "expected"))
    request = {"id": case, "inputs": [{"name": "input__0", "shape": [len(rows), features], "datatype": "FP32", "data": rows}]}
    with open(os.path.join(folder, "requests", "infer.json"), "w") as handle:
        json.dump(request, handle)
    with open(os.path.join(folder, "expected", "infer.json"), "w") as handle:
        json.dump({"shape": list(answer.shape), "data": [float(v) for v in answer.ravel()]}, handle)
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump({"description": description, "model_name": name, "features": features, "rows": len(rows),
                   "fil": {"model_type": model_type, "is_classifier": classifier, "predict_proba": predict_proba,
                           "threshold": threshold, "output_dims": output_dims}}, handle, indent=2)
        handle.write("\n")


def main():
    # The legacy binary model (xgboost 1.7.6, binary:logistic, 12 features) and the probabilities 1.7.6 wrote.
    legacy = open(os.path.join(HERE, "xgboost-binary-legacy", "model", "xgboost-model"), "rb").read()
    legacy_rows = fixture_rows("xgboost-binary-legacy")
    with open(os.path.join(HERE, "xgboost-binary-legacy", "expected", "rows.csv")) as handle:
        legacy_scores = [float(line) for line in handle.read().split()]
    write_case("triton-fil-binary-proba", "binary:logistic (legacy binary xgboost.model), output_class (FIL's name before 25.09) true, "
               "predict_proba true, output dims [2]: [1 - p, p] per row", "churn", "xgboost", legacy, legacy_rows,
               legacy_scores, True, True, 0.5, [2], parameter_names=("output_class",))
    write_case("triton-fil-binary-class", "binary:logistic, is_classifier true, threshold 0.3, predict_proba false: the class "
               "(p > 0.3); versions 1 (not a model) and 2: the highest is served", "churn", "xgboost", legacy, legacy_rows,
               legacy_scores, True, False, 0.3, [1], versions=(1, 2), broken_versions=(1,))

    # multi:softprob with 3 classes (UBJSON), predicted by xgboost 3.2.
    with tarfile.open(os.path.join(HERE, "xgboost-multiclass-ubjson", "model", "model.tar.gz")) as archive:
        softprob = archive.extractfile("xgboost-model").read()
    booster = xgb.Booster()
    booster.load_model(bytearray(softprob))
    rows = fixture_rows("xgboost-multiclass-ubjson")
    probabilities = booster.predict(xgb.DMatrix(as_matrix(rows)))
    write_case("triton-fil-multiclass-proba", "multi:softprob, 3 classes (xgboost.ubj), predict_proba true, output dims [3]",
               "iris", "xgboost_ubj", softprob, rows, probabilities, True, True, 0.5, [3])
    write_case("triton-fil-multiclass-class", "multi:softprob, 3 classes (xgboost.ubj), predict_proba false: the most probable "
               "class; version_policy specific [1] with a version 2 that is not a model", "iris", "xgboost_ubj", softprob, rows,
               probabilities, True, False, 0.5, [1], versions=(1, 2), broken_versions=(2,),
               version_policy="version_policy: { specific: { versions: [ 1 ] } }")

    # reg:squarederror (JSON), predicted by xgboost 3.2.
    regression = gzip.decompress(open(os.path.join(HERE, "xgboost-regression-json-gz", "model", "xgboost-model.json.gz"), "rb").read())
    booster = xgb.Booster()
    booster.load_model(bytearray(regression))
    rows = fixture_rows("xgboost-regression-json-gz")
    write_case("triton-fil-regression", "reg:squarederror (xgboost.json), is_classifier false: the values, shape [rows]",
               "prices", "xgboost_json", regression, rows, booster.predict(xgb.DMatrix(as_matrix(rows))), False, False, 0.5, [1])
    print("Triton FIL repositories written under", HERE)


if __name__ == "__main__":
    main()
