"""Generates Berth's ONNX fixtures: scikit-learn models exported by skl2onnx and MLPs built with onnx.helper,
laid out like /opt/ml, with requests and the answers onnxruntime gives for them.

Every expected number comes from onnxruntime (InferenceSession.run on the same float32 rows the request bodies
hold) and is formatted the way docs/models.md says ONNX answers are formatted: a classifier's probabilities in
class order (CSV, JSON Lines as {"score": [...]}) and, in JSON, {"predicted_label": <onnxruntime's label>,
"probabilities": [...]}; a regressor's values like reg:squarederror. Berth never writes these files.

Run through ./generate.sh, which creates the pinned environment.
"""

import json
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from sklearn.cluster import KMeans
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier, BaggingRegressor, GradientBoostingClassifier, GradientBoostingRegressor, IsolationForest,
                              RandomForestClassifier)
from sklearn.calibration import CalibratedClassifierCV
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor, Ridge, SGDClassifier
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import BernoulliNB, GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import Binarizer, KBinsDiscretizer, OneHotEncoder, PolynomialFeatures, QuantileTransformer, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, OneClassSVM

HERE = os.path.dirname(os.path.abspath(__file__))


def run(model_bytes, X):
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: X.astype(np.float32)}), [o.name for o in session.get_outputs()]


def class_order(zipmap_rows, labels):
    return np.array([[row[label] for label in labels] for row in zipmap_rows], dtype=np.float32)


def write_case(name, description, model_files, X, values=None, probabilities=None, labels=None, predicted=None):
    """A fixture case: `values` [N] or [N, K] for a regressor; `probabilities` [N, C] with the class `labels` and
    onnxruntime's `predicted` labels for a classifier."""
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("model", "requests", "expected"):
        os.makedirs(os.path.join(folder, sub))
    for relative, data in model_files.items():
        with open(os.path.join(folder, "model", relative), "wb") as handle:
            handle.write(data)
    X = X.astype(np.float32)

    def number(v):
        return "" if np.isnan(v) else repr(float(v))

    rows = [[None if np.isnan(v) else float(v) for v in row] for row in X]
    bodies = {
        "rows.csv": "\n".join(",".join(number(v) for v in row) for row in X) + "\n",
        "rows.json": json.dumps({"instances": rows}),
        "rows.jsonl": "".join(json.dumps(row) + "\n" for row in rows),
    }
    import io
    buffer = io.BytesIO()
    np.save(buffer, X)
    bodies["rows.npy"] = buffer.getvalue()

    if probabilities is not None:
        table = probabilities
        def plain(label):
            return label.item() if hasattr(label, "item") else label
        json_rows = [{"predicted_label": plain(label), "probabilities": [float(p) for p in row]}
                     for label, row in zip(predicted, probabilities)]
        jsonl_rows = [{"score": [float(p) for p in row]} for row in probabilities]
    else:
        table = values
        json_rows = [{"score": [float(v) for v in row] if np.ndim(row) else float(row)} for row in values]
        jsonl_rows = json_rows
    table = np.asarray(table, dtype=np.float32)
    if table.ndim == 1:
        csv = "".join(repr(float(v)) + "\n" for v in table)
    else:
        csv = "".join(",".join(repr(float(v)) for v in row) + "\n" for row in table)
    expected = {
        "rows.csv": csv,
        "rows.json": json.dumps({"predictions": json_rows}),
        "rows.jsonl": "".join(json.dumps(row) + "\n" for row in jsonl_rows),
    }
    for relative, data in [("requests/" + k, v) for k, v in bodies.items()] + [("expected/" + k, v) for k, v in expected.items()]:
        with open(os.path.join(folder, relative), "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
    requests = [
        ("rows.csv", "text/csv", "text/csv", "rows.csv"),
        ("rows.json", "application/json", "application/json", "rows.json"),
        ("rows.jsonl", "application/jsonlines", "application/jsonlines", "rows.jsonl"),
        ("rows.npy", "application/x-npy", "text/csv", "rows.csv"),
    ]
    manifest = {
        "description": description,
        "onnxruntime": ort.__version__,
        "environment": {},
        "features": int(X.shape[1]),
        "rows": int(X.shape[0]),
        "labels": None if labels is None else [plain_label(label) for label in labels],
        "requests": [{"body": "requests/" + b, "content_type": c, "accept": a, "expected": "expected/" + e}
                     for b, c, a, e in requests],
    }
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")


def plain_label(label):
    return label.item() if hasattr(label, "item") else label


def classifier_case(name, description, model, X_train, y_train, R, zipmap=True, most_probable_label=False):
    """`most_probable_label`: the expected label is the class onnxruntime's probabilities rank first (what Berth answers
    for every classifier), not onnxruntime's label output — for SVC, whose label is libsvm's pairwise vote, which
    disagrees with the most probable class where two classes' probabilities are close (scikit-learn's predict and
    predict_proba disagree there too)."""
    model.fit(X_train, y_train)
    options = None if zipmap else {id(model): {"zipmap": False}}
    onx = to_onnx(model, X_train[:1].astype(np.float32), options=options, target_opset={"": 17, "ai.onnx.ml": 3})
    data = onx.SerializeToString()
    outputs, names = run(data, R)
    labels = list(model.classes_)
    if zipmap:
        probabilities = class_order(outputs[1], labels)
    else:
        probabilities = outputs[1]
    predicted = [labels[int(np.argmax(row))] for row in probabilities] if most_probable_label else outputs[0]
    write_case(name, description, {"model.onnx": data}, R, probabilities=probabilities, labels=labels, predicted=predicted)


def regressor_case(name, description, model, X_train, y_train, R, files=None):
    model.fit(X_train, y_train)
    onx = to_onnx(model, X_train[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3})
    data = onx.SerializeToString()
    outputs, _ = run(data, R)
    values = outputs[0]
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    write_case(name, description, files or {"model.onnx": data}, R, values=values)


def mlp_classifier_case():
    """skl2onnx's default export of an MLPClassifier: ZipMap probabilities, and a label output computed by ArgMax →
    ArrayFeatureExtractor → Cast, operators only the label needs. Its own generator:
    `.venv-onnx/bin/python -c 'import generate_onnx as g; g.mlp_classifier_case()'`."""
    rng = np.random.default_rng(37)
    X = rng.normal(size=(400, 5)).round(3)
    R = rng.normal(size=(20, 5)).round(3)
    y = np.digitize(X[:, 0] * 2 + X[:, 1], [-1, 1])
    classifier_case("onnx-mlp-classifier",
                    "skl2onnx make_pipeline(StandardScaler, MLPClassifier), 3 integer classes, ZipMap; the label output needs "
                    "ArrayFeatureExtractor, which Berth does not run and the answer does not need",
                    make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0)), X, y, R)
    names = np.array(["ant", "bee", "cat"])[y]
    classifier_case("onnx-mlp-classifier-strings",
                    "skl2onnx MLPClassifier with 3 string classes, zipmap=False: the class names are a STRING initializer "
                    "that only the label output (ArgMax, ArrayFeatureExtractor) reads; the probabilities' labels come from it",
                    make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0)), X, names, R,
                    zipmap=False)


def class_names_mismatch_case():
    """A 3-class MLP whose label branch (ArgMax, ArrayFeatureExtractor) names 2 classes: refused when it loads, since
    the names cannot label the probabilities' 3 columns (ModelLoaderTests). Its own generator:
    `.venv-onnx/bin/python -c 'import generate_onnx as g; g.class_names_mismatch_case()'`."""
    model = mlp_graph(np.random.default_rng(41), 4, 8, 3, opset=13)
    names = helper.make_tensor("classes", TensorProto.STRING, [2], [b"ant", b"bee"])
    model.graph.initializer.append(names)
    model.graph.node.extend([helper.make_node("ArgMax", ["probabilities"], ["best"], name="argmax", axis=1),
                             helper.make_node("ArrayFeatureExtractor", ["classes", "best"], ["label"], name="names",
                                              domain="ai.onnx.ml")])
    model.graph.output.append(helper.make_tensor_value_info("label", TensorProto.STRING, ["batch", 1]))
    model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 1))
    folder = os.path.join(HERE, "onnx-class-names-mismatch", "model")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as handle:
        handle.write(model.SerializeToString())


def mlp_graph(rng, features, hidden, classes, opset):
    """Linear → ReLU → Linear → Softmax, as torch.onnx.export writes it: Gemm with transB=1 (weights [out, in])."""
    w1 = rng.normal(scale=0.5, size=(hidden, features)).astype(np.float32)
    b1 = rng.normal(scale=0.1, size=hidden).astype(np.float32)
    w2 = rng.normal(scale=0.5, size=(classes, hidden)).astype(np.float32)
    b2 = rng.normal(scale=0.1, size=classes).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["logits"], name="fc2", transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", classes])],
        initializer=[numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="berth-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    rng = np.random.default_rng(31)
    X = rng.normal(size=(400, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3)
    y_binary = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] > 0).astype(int)
    y_multi = np.digitize(X[:, 0] + X[:, 4], [-0.7, 0.7])
    names = np.array(["low", "mid", "high"])[y_multi]
    y_regression = 2 * X[:, 0] - X[:, 1] ** 2 + 0.3 * X[:, 5]

    classifier_case("onnx-logistic-binary", "skl2onnx make_pipeline(StandardScaler, LogisticRegression), binary, ZipMap output",
                    make_pipeline(StandardScaler(), LogisticRegression()), X, y_binary, R)
    classifier_case("onnx-logistic-multiclass-strings",
                    "skl2onnx LogisticRegression with 3 string classes, zipmap=False (LinearClassifier SOFTMAX + Normalizer)",
                    LogisticRegression(max_iter=500), X, names, R, zipmap=False)
    regressor_case("onnx-linear-regression", "skl2onnx LinearRegression (LinearRegressor)", LinearRegression(), X, y_regression, R)
    regressor_case("onnx-mlp-pipeline", "skl2onnx make_pipeline(StandardScaler, MLPRegressor): Scaler, Cast, MatMul/Add/Relu, Reshape",
                   make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0)),
                   X, y_regression, R)
    R_missing = R.copy()
    R_missing[rng.random(R.shape) < 0.15] = np.nan
    classifier_case("onnx-random-forest-binary",
                    "skl2onnx RandomForestClassifier, binary (one class column widened to two), ZipMap; requests hold missing values",
                    RandomForestClassifier(n_estimators=12, max_depth=5, random_state=0), X, y_binary, R_missing)
    classifier_case("onnx-random-forest-multiclass", "skl2onnx RandomForestClassifier with 3 integer classes, ZipMap",
                    RandomForestClassifier(n_estimators=10, max_depth=4, random_state=1), X, y_multi, R_missing)
    classifier_case("onnx-gradient-boosting-binary",
                    "skl2onnx GradientBoostingClassifier, binary (LOGISTIC, one base value), zipmap=False",
                    GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=2), X, y_binary, R_missing, zipmap=False)
    regressor_case("onnx-gradient-boosting-regressor", "skl2onnx GradientBoostingRegressor (TreeEnsembleRegressor, base value)",
                   GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=3), X, y_regression, R_missing)

    mlp = mlp_graph(rng, 6, 32, 3, opset=13)
    data = mlp.SerializeToString()
    outputs, _ = run(data, R)
    write_case("onnx-mlp-gemm", "an MLP as torch.onnx.export writes it (Gemm transB=1, Relu, Gemm, Softmax axis=-1), opset 13",
               {"model.onnx": data}, R, values=outputs[0])

    folder = os.path.join(HERE, "onnx-external-data", "model")
    external = mlp_graph(np.random.default_rng(5), 6, 32, 3, opset=13)
    outputs, _ = run(external.SerializeToString(), R)
    shutil.rmtree(os.path.dirname(folder), ignore_errors=True)
    os.makedirs(folder)
    onnx.save_model(external, os.path.join(folder, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    files = {}
    for name in ("model.onnx", "weights.bin"):
        with open(os.path.join(folder, name), "rb") as handle:
            files[name] = handle.read()
    write_case("onnx-external-data", "the Gemm MLP with its weights in weights.bin beside model.onnx (external data)",
               files, R, values=outputs[0])


def graph_case(name, description, nodes, initializers, features, outputs_count, R, opset, ir_version=8, output="output"):
    """A fixture case from a graph written here: one input `[batch, features]`, one output `[batch, outputs_count]`,
    checked by onnx and answered by onnxruntime on the rows R."""
    graph = helper.make_graph(
        nodes, name.removeprefix("onnx-").replace("-", "_"),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", outputs_count])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="berth-fixtures")
    model.ir_version = ir_version
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    outputs, _ = run(data, R)
    write_case(name, description, {"model.onnx": data}, R, values=outputs[0])


def integer_arithmetic_case():
    """Integer tensors, which onnxruntime divides as C does (truncating toward zero: -7 / 3 is -2) and whose mean, norm
    and power it truncates to their type: the request cast to int64 and divided by a constant and by a computed
    integer, its mean and L2 norm a row, a Pow of its magnitude, TopK's indices and an ArgMax halved; rows of whole
    numbers and fractions of both signs, none missing (a missing value cast to an integer is the platform's choice)."""
    rng = np.random.default_rng(71)
    features = 4
    initializers = [numpy_helper.from_array(np.array(3, dtype=np.int64), "three"),
                    numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
                    numpy_helper.from_array(np.array(2, dtype=np.int64), "two"),
                    numpy_helper.from_array(np.array([2], dtype=np.int64), "k"),
                    numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half")]
    nodes = [
        helper.make_node("Cast", ["input"], ["whole"], name="to_int64", to=TensorProto.INT64),
        helper.make_node("Div", ["whole", "three"], ["thirds"], name="by_three"),
        helper.make_node("ReduceMean", ["whole"], ["mean"], name="mean", axes=[1], keepdims=1),
        helper.make_node("ReduceL2", ["whole"], ["norm"], name="norm", axes=[1], keepdims=1),
        helper.make_node("Abs", ["whole"], ["magnitude"], name="magnitude"),
        helper.make_node("Pow", ["magnitude", "half"], ["root"], name="root"),
        helper.make_node("Add", ["magnitude", "one"], ["divisor"], name="divisor"),
        helper.make_node("Div", ["whole", "divisor"], ["ratio"], name="ratio"),
        helper.make_node("TopK", ["input", "k"], ["top", "top_index"], name="top"),
        helper.make_node("Div", ["top_index", "two"], ["top_half"], name="top_half"),
        helper.make_node("ArgMax", ["input"], ["largest"], name="largest", axis=1, keepdims=1),
        helper.make_node("Div", ["largest", "two"], ["largest_half"], name="largest_half"),
        helper.make_node("Concat", ["thirds", "mean", "norm", "root", "ratio", "top_half", "largest_half"], ["joined"],
                         name="joined", axis=1),
        helper.make_node("Cast", ["joined"], ["output"], name="to_float", to=TensorProto.FLOAT),
    ]
    R = (rng.normal(size=(24, features)) * 8).round(1).astype(np.float32)
    R[:4] = [[-7, 7, -8, 8], [-7.9, 7.9, -0.5, 0.5], [1, 2, 4, 0], [-1, -2, -4, 0]]
    graph_case("onnx-integer-arithmetic", "int64 arithmetic: the request cast to int64, Div by 3 and by a computed integer, "
               "ReduceMean, ReduceL2, Pow (each truncated toward zero by onnxruntime), TopK's indices and an ArgMax halved, "
               "Concat, Cast to float (opset 17)", nodes, initializers, features, 17, R, opset=17)


def mlp_activations_case():
    """An MLP through every activation a dense layer folds in, as torch.onnx.export writes nn.Tanh, nn.Sigmoid and
    nn.LeakyReLU (Gemm transB=1) and skl2onnx a layer (MatMul, Add); rows large enough to saturate Tanh and Sigmoid,
    none missing (an MLP answers NaN for a row with one, which JSON cannot write)."""
    rng = np.random.default_rng(53)
    features, hidden, outputs_count = 6, 32, 3
    shapes = {"w1": (hidden, features), "b1": (hidden,), "w2": (hidden, hidden), "b2": (hidden,),
              "w3": (hidden, hidden), "b3": (hidden,), "w4": (outputs_count, hidden), "b4": (outputs_count,)}
    weights = {name: rng.normal(scale=0.6 if name.startswith("w") else 0.2, size=shape).astype(np.float32)
               for name, shape in shapes.items()}
    weights["w3"] = weights["w3"].T.copy()
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Tanh", ["h1"], ["a1"], name="tanh"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], name="fc2", transB=1),
        helper.make_node("Sigmoid", ["h2"], ["a2"], name="sigmoid"),
        helper.make_node("MatMul", ["a2", "w3"], ["m3"], name="fc3"),
        helper.make_node("Add", ["m3", "b3"], ["h3"], name="fc3_bias"),
        helper.make_node("LeakyRelu", ["h3"], ["a3"], name="leaky", alpha=0.2),
        helper.make_node("Gemm", ["a3", "w4", "b4"], ["variable"], name="fc4", transB=1),
    ]
    R = (rng.normal(size=(24, features)) * np.array([0.5, 1, 2, 4, 8, 16])).astype(np.float32)
    graph_case("onnx-mlp-activations", "an MLP through Gemm → Tanh, Gemm → Sigmoid, MatMul → Add → LeakyRelu, Gemm (opset 13); "
               "rows that saturate Tanh and Sigmoid", nodes, [numpy_helper.from_array(value, name) for name, value in weights.items()],
               features, outputs_count, R, opset=13, output="variable")


def torch_layers_case():
    """A tabular network with the layers PyTorch's exporter writes beside Linear (opset 17): Gemm → BatchNormalization
    (nn.BatchNorm1d in eval mode) → Relu → Dropout (eval: passes through) → Gemm → LayerNormalization (nn.LayerNorm) →
    exact GELU as torch writes nn.GELU below opset 20 (Div by √2, Erf, Add 1, Mul by the input, Mul by 0.5) → Gemm."""
    rng = np.random.default_rng(71)
    features, hidden, outputs_count = 8, 16, 3
    weights = {
        "w1": rng.normal(scale=0.5, size=(hidden, features)), "b1": rng.normal(scale=0.1, size=hidden),
        "bn_scale": rng.uniform(0.5, 1.5, size=hidden), "bn_bias": rng.normal(scale=0.2, size=hidden),
        "bn_mean": rng.normal(scale=0.5, size=hidden), "bn_var": rng.uniform(0.2, 2.0, size=hidden),
        "ratio": np.array(0.25),
        "w2": rng.normal(scale=0.4, size=(hidden, hidden)), "b2": rng.normal(scale=0.1, size=hidden),
        "ln_scale": rng.uniform(0.5, 1.5, size=hidden), "ln_bias": rng.normal(scale=0.2, size=hidden),
        "sqrt2": np.array(np.sqrt(2.0)), "one": np.array(1.0), "half": np.array(0.5),
        "w3": rng.normal(scale=0.5, size=(outputs_count, hidden)), "b3": rng.normal(scale=0.1, size=outputs_count),
    }
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("BatchNormalization", ["h1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["n1"], name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["a1"], name="relu1"),
        helper.make_node("Dropout", ["a1", "ratio"], ["d1"], name="dropout1"),
        helper.make_node("Gemm", ["d1", "w2", "b2"], ["h2"], name="fc2", transB=1),
        helper.make_node("LayerNormalization", ["h2", "ln_scale", "ln_bias"], ["n2"], name="ln2", axis=-1, epsilon=1e-5),
        helper.make_node("Div", ["n2", "sqrt2"], ["g_div"], name="gelu_div"),
        helper.make_node("Erf", ["g_div"], ["g_erf"], name="gelu_erf"),
        helper.make_node("Add", ["g_erf", "one"], ["g_add"], name="gelu_add"),
        helper.make_node("Mul", ["n2", "g_add"], ["g_mul"], name="gelu_mul"),
        helper.make_node("Mul", ["g_mul", "half"], ["a2"], name="gelu_half"),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["output"], name="fc3", transB=1),
    ]
    R = (rng.normal(size=(24, features)) * 2).astype(np.float32)
    graph_case("onnx-torch-layers", "a tabular network as torch.onnx.export writes it: Gemm, BatchNormalization, Relu, Dropout, "
               "Gemm, LayerNormalization, exact GELU (Erf), Gemm (opset 17)", nodes,
               [numpy_helper.from_array(value.astype(np.float32), name) for name, value in weights.items()], features, outputs_count, R, opset=17)


def torch_activations_case():
    """Every activation PyTorch exports beyond Relu, LeakyRelu, Sigmoid and Tanh, each after a Gemm (opset 20): ELU,
    SELU, CELU, Softplus, Softsign, Hardsigmoid, Hardswish, Mish, GELU (the Gelu operator, both approximations),
    PReLU with a slope per channel, ThresholdedRelu, and Shrink as Softshrink and Hardshrink write it; rows wide enough
    to reach each function's tails."""
    rng = np.random.default_rng(83)
    features, hidden, outputs_count = 6, 12, 2
    activations = [
        ("Elu", {"alpha": 0.7}), ("Selu", {}), ("Celu", {"alpha": 1.5}), ("Softplus", {}), ("Softsign", {}),
        ("HardSigmoid", {"alpha": 0.25, "beta": 0.4}), ("HardSwish", {}), ("Mish", {}), ("Gelu", {}),
        ("Gelu", {"approximate": "tanh"}), ("PRelu", {}), ("ThresholdedRelu", {"alpha": 0.3}),
        ("Shrink", {"bias": 0.5, "lambd": 0.5}), ("Shrink", {"lambd": 0.2}),
    ]
    initializers = {"w0": rng.normal(scale=0.8, size=(hidden, features)), "b0": rng.normal(scale=0.3, size=hidden),
                    "slope": rng.uniform(-0.5, 0.5, size=hidden)}
    nodes, current = [], "input"
    for index, (op_type, attributes) in enumerate(activations):
        if index > 0:
            initializers[f"w{index}"] = rng.normal(scale=0.35, size=(hidden, hidden))
            initializers[f"b{index}"] = rng.normal(scale=0.3, size=hidden)
        nodes.append(helper.make_node("Gemm", [current, f"w{index}", f"b{index}"], [f"h{index}"], name=f"fc{index}", transB=1))
        inputs = [f"h{index}", "slope"] if op_type == "PRelu" else [f"h{index}"]
        nodes.append(helper.make_node(op_type, inputs, [f"a{index}"], name=f"{op_type.lower()}{index}", **attributes))
        current = f"a{index}"
    initializers["w_out"] = rng.normal(scale=0.5, size=(outputs_count, hidden))
    initializers["b_out"] = rng.normal(scale=0.1, size=outputs_count)
    nodes.append(helper.make_node("Gemm", [current, "w_out", "b_out"], ["output"], name="fc_out", transB=1))
    R = (rng.normal(size=(32, features)) * np.array([0.5, 1, 2, 4, 6, 8])).astype(np.float32)
    graph_case("onnx-torch-activations", "Gemm layers through ELU, SELU, CELU, Softplus, Softsign, HardSigmoid, HardSwish, Mish, "
               "Gelu (exact and tanh), PRelu, ThresholdedRelu and Shrink (opset 20)", nodes,
               [numpy_helper.from_array(value.astype(np.float32), name) for name, value in initializers.items()], features, outputs_count, R,
               opset=20, ir_version=9)


def torch_batch_shape_case():
    """Shapes built from the batch size, as torch writes `x.view(x.size(0), 3, 4)`, `x.view(x.size(0), -1)` and
    `torch.ones(x.size(0), 1)` (opset 17): Shape, Gather of index 0 (a scalar), Unsqueeze, Cast, Concat with constant
    dimensions (one of them a Gather from a constant's Shape), then Reshape or ConstantOfShape."""
    rng = np.random.default_rng(97)
    features = 8
    weights = {
        "w1": rng.normal(scale=0.5, size=(12, features)), "b1": rng.normal(scale=0.1, size=12),
        "w2": rng.normal(scale=0.5, size=(2, 13)), "b2": rng.normal(scale=0.1, size=2),
    }
    initializers = [numpy_helper.from_array(value.astype(np.float32), name) for name, value in weights.items()]
    initializers += [numpy_helper.from_array(np.array(0, np.int64), "zero"), numpy_helper.from_array(np.array([0], np.int64), "axes0"),
                     numpy_helper.from_array(np.array([3], np.int64), "three"), numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
                     numpy_helper.from_array(np.array([1], np.int64), "one"), numpy_helper.from_array(np.zeros((4, 5), np.float32), "four_rows")]
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Shape", ["h1"], ["h1_shape"], name="shape"),
        helper.make_node("Gather", ["h1_shape", "zero"], ["batch"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch_1d"], name="unsqueeze"),
        helper.make_node("Cast", ["batch_1d"], ["batch_1d_cast"], name="cast", to=TensorProto.INT64),
        helper.make_node("Shape", ["four_rows"], ["four_shape"], name="constant_shape"),
        helper.make_node("Gather", ["four_shape", "axes0"], ["four"], name="four", axis=0),
        helper.make_node("Concat", ["batch_1d_cast", "three", "four"], ["shape_3d"], name="concat_3d", axis=0),
        helper.make_node("Reshape", ["h1", "shape_3d"], ["h1_3d"], name="view_3d"),
        helper.make_node("Softmax", ["h1_3d"], ["s_3d"], name="softmax", axis=-1),
        helper.make_node("Concat", ["batch_1d", "minus_one"], ["shape_flat"], name="concat_flat", axis=0),
        helper.make_node("Reshape", ["s_3d", "shape_flat"], ["flat"], name="view_flat"),
        helper.make_node("Concat", ["batch_1d", "one"], ["shape_ones"], name="concat_ones", axis=0),
        helper.make_node("ConstantOfShape", ["shape_ones"], ["ones"], name="ones",
                         value=numpy_helper.from_array(np.array([1.0], np.float32))),
        helper.make_node("Concat", ["flat", "ones"], ["with_ones"], name="append_ones", axis=1),
        helper.make_node("Gemm", ["with_ones", "w2", "b2"], ["output"], name="fc2", transB=1),
    ]
    R = rng.normal(size=(16, features)).astype(np.float32)
    graph_case("onnx-torch-batch-shape", "shapes from the batch size as torch writes x.view(x.size(0), 3, 4), x.view(x.size(0), -1) "
               "and torch.ones(x.size(0), 1): Shape, Gather, Unsqueeze, Cast, Concat, Reshape, ConstantOfShape (opset 17)",
               nodes, initializers, features, 2, R, opset=17)


def torch_embedding_case():
    """Categorical columns through nn.Embedding as torch writes them (opset 17): each code column Sliced, Cast to int64
    and used as Gather indices into a constant table (one Squeezed to [N], one kept [N, 1] and then viewed as
    x.view(x.size(0), -1)), Concatenated with the numeric columns, then Gemm, Relu, Gemm. A code of -1 counts from the
    table's end, as ONNX's Gather does."""
    rng = np.random.default_rng(89)
    tables = {"emb_a": rng.normal(size=(5, 3)), "emb_b": rng.normal(size=(3, 2))}
    weights = {"w1": rng.normal(scale=0.5, size=(8, 9)), "b1": rng.normal(scale=0.1, size=8),
               "w2": rng.normal(scale=0.5, size=(2, 8)), "b2": rng.normal(scale=0.1, size=2)}
    ints = {"s0": [0], "e1": [1], "s1": [1], "e2": [2], "s2": [2], "e6": [6], "axis1": [1], "minus_one": [-1], "axes0": [0]}
    initializers = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in {**tables, **weights}.items()]
    initializers += [numpy_helper.from_array(np.array(v, np.int64), k) for k, v in ints.items()]
    initializers.append(numpy_helper.from_array(np.array(0, np.int64), "zero"))
    nodes = [
        helper.make_node("Slice", ["input", "s0", "e1", "axis1"], ["code_a"], name="slice_a"),
        helper.make_node("Cast", ["code_a"], ["code_a_int"], name="cast_a", to=TensorProto.INT64),
        helper.make_node("Squeeze", ["code_a_int", "axis1"], ["code_a_1d"], name="squeeze_a"),
        helper.make_node("Gather", ["emb_a", "code_a_1d"], ["vec_a"], name="embedding_a"),
        helper.make_node("Slice", ["input", "s1", "e2", "axis1"], ["code_b"], name="slice_b"),
        helper.make_node("Cast", ["code_b"], ["code_b_int"], name="cast_b", to=TensorProto.INT64),
        helper.make_node("Gather", ["emb_b", "code_b_int"], ["vec_b_3d"], name="embedding_b"),
        helper.make_node("Shape", ["vec_b_3d"], ["shape_b"], name="shape_b"),
        helper.make_node("Gather", ["shape_b", "zero"], ["batch"], name="batch"),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch_1d"], name="batch_1d"),
        helper.make_node("Concat", ["batch_1d", "minus_one"], ["flat_shape"], name="flat_shape", axis=0),
        helper.make_node("Reshape", ["vec_b_3d", "flat_shape"], ["vec_b"], name="view_b"),
        helper.make_node("Slice", ["input", "s2", "e6", "axis1"], ["numeric"], name="slice_numeric"),
        helper.make_node("Concat", ["vec_a", "vec_b", "numeric"], ["features"], name="concat", axis=1),
        helper.make_node("Gemm", ["features", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["output"], name="fc2", transB=1),
    ]
    R = np.column_stack([rng.integers(0, 5, size=16), rng.integers(0, 3, size=16), rng.normal(size=(16, 4))]).astype(np.float32)
    R[3, 0], R[7, 1] = -1, -1
    graph_case("onnx-torch-embedding", "categorical codes through nn.Embedding as torch writes it: Slice, Cast, Squeeze, Gather "
               "from a constant table by the codes (-1 from its end), a batch-size view, Concat, Gemm, Relu, Gemm (opset 17)",
               nodes, initializers, 6, 2, R, opset=17)
    # Codes outside the tables (5 and -6 for the first, 3 for the second, NaN), which onnxruntime fails the request for.
    outside = R[:6].copy()
    outside[1, 0], outside[2, 1], outside[4, 0], outside[5, 0] = 5, 3, -6, np.nan
    refused_case("onnx-torch-embedding", outside)


def torch_split_case():
    """Split as torch writes nn.GLU (two halves: one times the Sigmoid of the other) and torch.split into runs of 2, 3
    and 3, each run through its own activation before a Concat (opset 17, the sizes an input)."""
    rng = np.random.default_rng(101)
    features = 6
    weights = {"w1": rng.normal(scale=0.5, size=(16, features)), "b1": rng.normal(scale=0.1, size=16),
               "w2": rng.normal(scale=0.5, size=(2, 8)), "b2": rng.normal(scale=0.1, size=2)}
    initializers = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()]
    initializers += [numpy_helper.from_array(np.array([8, 8], np.int64), "halves"),
                     numpy_helper.from_array(np.array([2, 3, 3], np.int64), "runs")]
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Split", ["h1", "halves"], ["value", "gate"], name="glu_split", axis=1),
        helper.make_node("Sigmoid", ["gate"], ["gate_sigmoid"], name="glu_sigmoid"),
        helper.make_node("Mul", ["value", "gate_sigmoid"], ["glu"], name="glu_mul"),
        helper.make_node("Split", ["glu", "runs"], ["r0", "r1", "r2"], name="split_runs", axis=-1),
        helper.make_node("Tanh", ["r0"], ["t0"], name="tanh"),
        helper.make_node("Relu", ["r2"], ["t2"], name="relu"),
        helper.make_node("Concat", ["t2", "r1", "t0"], ["joined"], name="concat", axis=1),
        helper.make_node("Gemm", ["joined", "w2", "b2"], ["output"], name="fc2", transB=1),
    ]
    R = rng.normal(size=(16, features)).astype(np.float32)
    graph_case("onnx-torch-split", "Split as torch writes nn.GLU (Split in halves, Sigmoid, Mul) and torch.split into runs of "
               "2, 3 and 3 (axis -1), each through its own activation, Concat, Gemm (opset 17)", nodes, initializers, features, 2, R, opset=17)


def tree_modes_graph(aggregate, post_transform="NONE"):
    """A hand-written TreeEnsembleRegressor using every node mode, missing-value tracking and two targets."""
    # Tree 0: node 0 x0 <= 0.5 ? 1 : 2; node 1 x1 < -0.25 ? 3 : 4; node 2 x2 >= 0.75 ? 5 : 6; node 4 x3 == 1 ? 7 : 8;
    # node 6 x4 != 2 ? 9 : 10 (NaN → true); node 5 x0 > 1.5 ? 11 : 12. Tree 1: x5 <= 0 (NaN tracks true).
    modes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "LEAF", "BRANCH_EQ", "BRANCH_GT", "BRANCH_NEQ",
             "LEAF", "LEAF", "LEAF", "LEAF", "LEAF", "LEAF"]
    features = [0, 1, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0]
    values = [0.5, -0.25, 0.75, 0, 1.0, 1.5, 2.0, 0, 0, 0, 0, 0, 0]
    trues = [1, 3, 5, 0, 7, 11, 9, 0, 0, 0, 0, 0, 0]
    falses = [2, 4, 6, 0, 8, 12, 10, 0, 0, 0, 0, 0, 0]
    tracks = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    leaves = {3: 1.0, 7: 2.0, 8: -3.0, 9: 4.5, 10: -0.5, 11: 7.25, 12: 0.125}
    attributes = dict(
        nodes_treeids=[0] * 13 + [1, 1, 1], nodes_nodeids=list(range(13)) + [0, 1, 2],
        nodes_featureids=features + [5, 0, 0], nodes_values=values + [0.0, 0, 0],
        nodes_modes=modes + ["BRANCH_LEQ", "LEAF", "LEAF"], nodes_truenodeids=trues + [1, 0, 0],
        nodes_falsenodeids=falses + [2, 0, 0], nodes_missing_value_tracks_true=tracks + [1, 0, 0],
        target_treeids=[0] * len(leaves) + [0, 1, 1, 1], target_nodeids=list(leaves) + [3, 1, 2, 1],
        target_ids=[0] * len(leaves) + [1, 0, 0, 1], target_weights=list(leaves.values()) + [10.0, 0.3, -0.7, 0.9],
        n_targets=2, aggregate_function=aggregate, base_values=[0.25, -1.0], post_transform=post_transform)
    node = helper.make_node("TreeEnsembleRegressor", ["input"], ["variable"], name="trees", domain="ai.onnx.ml", **attributes)
    graph = helper.make_graph([node], "tree_modes", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 6])],
                              [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8
    return model


def mode_rows():
    """Rows on both sides of, and exactly at, every threshold, with NaN in each feature."""
    cases = []
    for x0 in [0.0, 0.5, 0.6, 1.5, 2.0, np.nan]:
        for x1 in [-0.5, -0.25, np.nan]:
            for x2 in [0.75, 0.2, np.nan]:
                for x3 in [1.0, 0.0, np.nan]:
                    for x4 in [2.0, 3.0, np.nan]:
                        for x5 in [0.0, 0.1, np.nan]:
                            cases.append([x0, x1, x2, x3, x4, x5])
    rng = np.random.default_rng(3)
    rows = np.array(cases, dtype=np.float32)
    return rows[rng.choice(len(rows), size=60, replace=False)]


def operator_zoo_graph():
    """One graph through the remaining default-domain operators and Imputer, as onnxruntime runs them."""
    rng = np.random.default_rng(11)
    w = rng.normal(size=(6, 4)).astype(np.float32)
    shift = rng.normal(size=4).astype(np.float32)
    scale = np.abs(rng.normal(size=4)).astype(np.float32) + 0.5
    wt = rng.normal(size=(3, 8)).astype(np.float32)  # transposed at load: [8, 3]
    nodes = [
        helper.make_node("Imputer", ["input"], ["imputed"], domain="ai.onnx.ml", name="impute",
                         imputed_value_floats=[0.5, -0.5, 0.0, 1.0, 2.0, -1.0], replaced_value_float=float("nan")),
        helper.make_node("MatMul", ["imputed", "w"], ["m"], name="matmul"),
        helper.make_node("Sub", ["m", "shift"], ["s"], name="sub"),
        helper.make_node("Div", ["s", "scale"], ["d"], name="div"),
        helper.make_node("Constant", [], ["two"], name="two", value=numpy_helper.from_array(np.array(2.0, dtype=np.float32))),
        helper.make_node("Mul", ["d", "two"], ["doubled"], name="mul"),
        helper.make_node("LeakyRelu", ["doubled"], ["leaky"], name="leaky", alpha=0.1),
        helper.make_node("Sigmoid", ["d"], ["sig"], name="sigmoid"),
        helper.make_node("Tanh", ["d"], ["tanh"], name="tanh"),
        helper.make_node("Concat", ["leaky", "sig"], ["cat"], name="concat", axis=1),
        helper.make_node("Transpose", ["wt"], ["wt_t"], name="transpose", perm=[1, 0]),
        helper.make_node("MatMul", ["cat", "wt_t"], ["z"], name="project"),
        helper.make_node("Unsqueeze", ["z", "axes"], ["z3"], name="unsqueeze"),
        helper.make_node("Squeeze", ["z3", "axes"], ["z2"], name="squeeze"),
        helper.make_node("Flatten", ["z2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Add", ["flat", "tanh_head"], ["mixed"], name="add"),
        helper.make_node("LogSoftmax", ["mixed"], ["logp"], name="logsoftmax", axis=1),
        helper.make_node("Normalizer", ["logp"], ["normalized"], domain="ai.onnx.ml", name="l2", norm="L2"),
        helper.make_node("Gemm", ["tanh", "head", "head_bias"], ["tanh_head"], name="head", transB=0, alpha=0.5, beta=2.0),
    ]
    # The Gemm that feeds "add" is listed last in the file; ONNX requires topological order, so reorder it.
    nodes = nodes[:15] + [nodes[18]] + nodes[15:18]
    head = rng.normal(size=(4, 3)).astype(np.float32)
    head_bias = rng.normal(size=3).astype(np.float32)
    graph = helper.make_graph(
        nodes, "zoo", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 6])],
        [helper.make_tensor_value_info("normalized", TensorProto.FLOAT, ["N", 3])],
        initializer=[numpy_helper.from_array(a, n) for a, n in [
            (w, "w"), (shift, "shift"), (scale, "scale"), (wt, "wt"), (np.array([2], dtype=np.int64), "axes"),
            (head, "head"), (head_bias, "head_bias")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def linear_binary_graph():
    """LinearClassifier with ONE coefficient row and two labels: onnxruntime widens the score to [1 - σ(s), σ(s)]."""
    node = helper.make_node("LinearClassifier", ["input"], ["label", "probabilities"], domain="ai.onnx.ml", name="linear",
                            coefficients=[0.5, -1.0, 0.25, 0.0, 2.0, -0.75], intercepts=[0.1], classlabels_ints=[0, 1],
                            post_transform="LOGISTIC")
    graph = helper.make_graph([node], "linear_binary", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 6])],
                              [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8
    return model


def extra_cases():
    R = mode_rows()
    for aggregate in ["SUM", "AVERAGE", "MIN", "MAX"]:
        model = tree_modes_graph(aggregate)
        data = model.SerializeToString()
        outputs, _ = run(data, R)
        write_case(f"onnx-tree-modes-{aggregate.lower()}",
                   f"hand-written TreeEnsembleRegressor: every node mode, missing-value tracking, 2 targets, aggregate {aggregate}",
                   {"model.onnx": data}, R, values=outputs[0])
    rng = np.random.default_rng(41)
    R = rng.normal(size=(20, 6)).astype(np.float32)
    R[rng.random(R.shape) < 0.1] = np.nan
    zoo = operator_zoo_graph()
    outputs, _ = run(zoo.SerializeToString(), R)
    write_case("onnx-operator-zoo", "Imputer, MatMul, Sub, Div, Constant, Mul, LeakyRelu, Sigmoid, Tanh, Concat, Transpose (folded), "
               "Unsqueeze/Squeeze (axes inputs), Flatten, Gemm (alpha, beta), Add, LogSoftmax, Normalizer L2",
               {"model.onnx": zoo.SerializeToString()}, R, values=outputs[0])
    R = np.nan_to_num(R)
    binary = linear_binary_graph()
    outputs, _ = run(binary.SerializeToString(), R)
    write_case("onnx-linear-classifier-one-row", "LinearClassifier with one coefficient row, two labels, LOGISTIC (onnxruntime's widening)",
               {"model.onnx": binary.SerializeToString()}, R, probabilities=outputs[1], labels=[0, 1], predicted=outputs[0])


def svm_cases():
    """libsvm's models (SVMClassifier, SVMRegressor) with each kernel type; classifiers with Platt's probabilities."""
    rng = np.random.default_rng(43)
    X = rng.normal(size=(300, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    y_binary = (X[:, 0] - 0.7 * X[:, 1] + 0.4 * X[:, 2] * X[:, 3] > 0).astype(int)
    y_multi = np.digitize(X[:, 0] + X[:, 4] - 0.5 * X[:, 5], [-0.8, 0.8])
    y_regression = 2 * X[:, 0] - X[:, 1] ** 2 + 0.3 * X[:, 5]
    classifier_case("onnx-svc-rbf-multiclass", "skl2onnx SVC(probability=True), RBF kernel, 3 classes (pairwise coupling), ZipMap",
                    SVC(probability=True, random_state=0), X, y_multi, R, most_probable_label=True)
    classifier_case("onnx-svc-linear-binary", "skl2onnx SVC(kernel='linear', probability=True), binary, zipmap=False",
                    SVC(kernel="linear", probability=True, random_state=0), X, y_binary, R, zipmap=False,
                    most_probable_label=True)
    classifier_case("onnx-svc-sigmoid-multiclass", "skl2onnx SVC(kernel='sigmoid', probability=True), 3 classes, zipmap=False",
                    SVC(kernel="sigmoid", gamma=0.05, probability=True, random_state=0), X, y_multi, R, zipmap=False,
                    most_probable_label=True)
    regressor_case("onnx-svr-rbf", "skl2onnx SVR, RBF kernel (SVMRegressor)", SVR(C=3.0), X, y_regression, R)
    regressor_case("onnx-svr-poly", "skl2onnx SVR(kernel='poly', degree=3, coef0=1)", SVR(kernel="poly", degree=3, coef0=1.0), X,
                   y_regression, R)
    one_class = OneClassSVM(gamma="auto", nu=0.2).fit(X)
    data = to_onnx(one_class, X[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    outputs, names = run(data, R)
    write_case("onnx-one-class-svm", "skl2onnx OneClassSVM: SVMRegressor scores (the answer), Sign for the label output",
               {"model.onnx": data}, R, values=outputs[names.index("scores")][:, 0])
    for name, description, y, zipmap in [
            ("onnx-svc-decisions-binary", "skl2onnx SVC() (no probabilities), binary, ZipMap: the answer is onnxruntime's two "
             "decision columns [-d, d], unlabelled (they are not one a class)", y_binary, True),
            ("onnx-svc-decisions-multiclass", "skl2onnx SVC() (no probabilities), 3 classes, zipmap=False: the pairwise decisions "
             "turned into one score a class by skl2onnx's nodes (Less, Neg, Sum, Abs, ArrayFeatureExtractor, Concat)", y_multi, False)]:
        svc = SVC(random_state=0).fit(X, y)
        options = None if zipmap else {id(svc): {"zipmap": False}}
        data = to_onnx(svc, X[:1].astype(np.float32), options=options, target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
        outputs, _ = run(data, R)
        scores = class_order(outputs[1], list(svc.classes_)) if zipmap else outputs[1]
        write_case(name, description, {"model.onnx": data}, R, values=scores)


def arithmetic_cases():
    """Models skl2onnx writes with arithmetic, comparison and reduction nodes (Pow, Exp, Log, Reciprocal, Not,
    Greater, Less, ReduceSum, ReduceLogSumExp) and ArrayFeatureExtractor by constant indices."""
    rng = np.random.default_rng(47)
    X = rng.normal(size=(300, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    y_binary = (X[:, 0] - 0.7 * X[:, 1] + 0.4 * X[:, 2] > 0).astype(int)
    y_multi = np.digitize(X[:, 0] + X[:, 4] - 0.5 * X[:, 5], [-0.8, 0.8])
    y_regression = 2 * X[:, 0] - X[:, 1] ** 2 + 0.3 * X[:, 5]
    classifier_case("onnx-gaussian-nb", "skl2onnx GaussianNB, 3 classes, ZipMap: Reshape to 3-D, Sub, Pow, Div, ReduceSum, "
                    "ReduceLogSumExp, Exp", GaussianNB(), X, y_multi, R)
    classifier_case("onnx-bernoulli-nb-binarizer", "skl2onnx make_pipeline(Binarizer, BernoulliNB), 3 classes, ZipMap: "
                    "Binarizer, Greater, Log, Exp (folded), ReduceSum, MatMul, ReduceLogSumExp",
                    make_pipeline(Binarizer(threshold=0.2), BernoulliNB()), X, y_multi, R)
    # Missing values, which onnxruntime's Binarizer fails the request for (as scikit-learn refuses them).
    missing = R[:5].copy()
    missing[1, 3], missing[3, 0], missing[3, 5] = np.nan, np.nan, np.nan
    refused_case("onnx-bernoulli-nb-binarizer", missing)
    classifier_case("onnx-sgd-log-loss", "skl2onnx SGDClassifier(loss='log_loss'), 3 classes one against the rest, zipmap=False: "
                    "Exp, Reciprocal, ReduceSum, Cast to bool, Not", SGDClassifier(loss="log_loss", random_state=0), X, y_multi, R,
                    zipmap=False)
    regressor_case("onnx-kbins-ordinal-ridge", "skl2onnx make_pipeline(KBinsDiscretizer(encode='ordinal'), Ridge): "
                   "ArrayFeatureExtractor by constant indices, Less, Mul, Add, Concat",
                   make_pipeline(KBinsDiscretizer(n_bins=4, encode="ordinal"), Ridge()), X, y_regression, R)
    svc = LinearSVC(random_state=0).fit(X, y_binary)
    data = to_onnx(svc, X[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    outputs, names = run(data, R)
    write_case("onnx-linear-svc-binary", "skl2onnx LinearSVC, binary: LinearClassifier, then ArrayFeatureExtractor picks the "
               "positive class's decision, the answer (a score a row, no probabilities)",
               {"model.onnx": data}, R, values=outputs[1][:, 0])
    regressor_case("onnx-polynomial-ridge", "skl2onnx make_pipeline(PolynomialFeatures(degree=2), Ridge): ArrayFeatureExtractor "
                   "and ReduceProd a term, the bias column a ConstantOfShape of a Shape, Concat",
                   make_pipeline(PolynomialFeatures(degree=2), Ridge()), X, y_regression, R)


def encoder_cases():
    """Pipelines that one-hot encode: a ColumnTransformer's OneHotEncoder of integer-valued columns (Gather, Cast to
    int64, OneHotEncoder, Concat) and KBinsDiscretizer's one-hot bins."""
    rng = np.random.default_rng(53)
    X = np.hstack([rng.integers(0, 4, size=(300, 3)), rng.normal(size=(300, 3)).round(3)]).astype(np.float64)
    R = np.hstack([rng.integers(0, 4, size=(20, 3)), rng.normal(size=(20, 3)).round(3)]).astype(np.float32)
    R[0, 0] = 5  # a category the encoder never saw: zeros, as handle_unknown='ignore' answers
    y = ((X[:, 0] == 2) + X[:, 3] - 0.5 * X[:, 4] > 0.3).astype(int)
    columns = ColumnTransformer([("categories", OneHotEncoder(handle_unknown="ignore"), [0, 1, 2]),
                                 ("numbers", StandardScaler(), [3, 4, 5])])
    classifier_case("onnx-one-hot-logistic", "skl2onnx make_pipeline(ColumnTransformer(OneHotEncoder of 3 integer columns, "
                    "StandardScaler), LogisticRegression), ZipMap; one request row holds a category never seen",
                    make_pipeline(columns, LogisticRegression(max_iter=500)), X, y, R)
    # handle_unknown='error' (skl2onnx writes zeros=0): onnxruntime fails a request holding a category never seen.
    # The answered requests hold known categories only; the refused one mixes rows of both, and records which rows
    # onnxruntime refuses when each is run alone.
    known = R.copy()
    known[0, 0] = 1
    refusing = ColumnTransformer([("categories", OneHotEncoder(), [0, 1, 2]), ("numbers", StandardScaler(), [3, 4, 5])])
    classifier_case("onnx-one-hot-refusing", "skl2onnx make_pipeline(ColumnTransformer(OneHotEncoder(handle_unknown='error') "
                    "of 3 integer columns, StandardScaler), LogisticRegression), ZipMap: OneHotEncoder zeros=0; "
                    "the refused request holds categories never seen, which onnxruntime fails the request for",
                    make_pipeline(refusing, LogisticRegression(max_iter=500)), X, y, known)
    unknown = known[:6].copy()
    unknown[1, 2] = 7
    unknown[4, 0] = -1
    refused_case("onnx-one-hot-refusing", unknown)
    classifier_case("onnx-kbins-one-hot-logistic", "skl2onnx make_pipeline(KBinsDiscretizer(encode='onehot-dense'), "
                    "LogisticRegression), zipmap=False: ArrayFeatureExtractor, Less, OneHotEncoder a column",
                    make_pipeline(KBinsDiscretizer(n_bins=3, encode="onehot-dense"), LogisticRegression(max_iter=500)),
                    X[:, 3:], y, R[:, 3:], zipmap=False)


def refused_case(name, X):
    """Adds to fixture `name` a request of the rows `X` that onnxruntime fails, as CSV and JSON bodies, and records in
    its manifest (`refused`) onnxruntime's message and which rows (from 1) it fails when each runs alone."""
    folder = os.path.join(HERE, name)
    with open(os.path.join(folder, "model", "model.onnx"), "rb") as handle:
        data = handle.read()
    X = X.astype(np.float32)
    message = None
    try:
        run(data, X)
    except Exception as error:  # onnxruntime raises its own Fail for the whole request
        message = str(error)
    assert message is not None, "onnxruntime answered the request meant to be refused"
    rows = []
    for index in range(X.shape[0]):
        try:
            run(data, X[index:index + 1])
        except Exception:
            rows.append(index + 1)
    bodies = {
        "refused.csv": "\n".join(",".join(repr(float(v)) for v in row) for row in X) + "\n",
        "refused.json": json.dumps({"instances": [[float(v) for v in row] for row in X]}),
    }
    for relative, text in bodies.items():
        with open(os.path.join(folder, "requests", relative), "w") as handle:
            handle.write(text)
    with open(os.path.join(folder, "manifest.json")) as handle:
        manifest = json.load(handle)
    manifest["refused"] = {
        "onnxruntime": message,
        "rows": rows,
        "requests": [{"body": "requests/refused.csv", "content_type": "text/csv"},
                     {"body": "requests/refused.json", "content_type": "application/json"}],
    }
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")


def knn_cases():
    """k-nearest-neighbours models: skl2onnx writes scipy's cdist as a Scan over the training rows, then TopK, the
    neighbours' labels or targets by ArrayFeatureExtractor, and the votes or the mean from them."""
    rng = np.random.default_rng(47)
    X = rng.normal(size=(250, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    y_multi = np.digitize(X[:, 0] + X[:, 3] - 0.5 * X[:, 5], [-0.8, 0.8])
    y_names = np.array(["cat", "dog"])[(X[:, 1] - X[:, 2] > 0).astype(int)]
    y_regression = 2 * X[:, 0] - X[:, 1] ** 2 + 0.3 * X[:, 5]
    classifier_case("onnx-knn-classifier", "skl2onnx StandardScaler → KNeighborsClassifier(5), 3 classes, Euclidean, "
                    "uniform votes, ZipMap", make_pipeline(StandardScaler(), KNeighborsClassifier(5)), X, y_multi, R)
    classifier_case("onnx-knn-classifier-distance-manhattan", "skl2onnx KNeighborsClassifier(4, weights='distance', "
                    "metric='manhattan'), string classes, zipmap=False", KNeighborsClassifier(4, weights="distance",
                    metric="manhattan"), X, y_names, R, zipmap=False)
    regressor_case("onnx-knn-regressor", "skl2onnx KNeighborsRegressor(4, weights='distance'), Euclidean",
                   KNeighborsRegressor(4, weights="distance"), X, y_regression, R)
    regressor_case("onnx-knn-regressor-minkowski", "skl2onnx KNeighborsRegressor(3, p=3): Minkowski, Pow inside the Scan "
                   "and after it", KNeighborsRegressor(3, p=3), X, y_regression, R)
    regressor_case("onnx-knn-regressor-two-targets", "skl2onnx KNeighborsRegressor(5) with two targets: the neighbours' "
                   "targets from a 2-D table, Reshape to [2, -1, 5], Transpose [1, 0, 2], ReduceMean",
                   KNeighborsRegressor(5), X, np.c_[y_regression, X[:, 2] - X[:, 4]], R)


def boosting_and_clustering_cases():
    """AdaBoostClassifier (SAMME: Where picks each tree's vote), KMeans (Gemm with a computed C, the row norms),
    OneVsRestClassifier (Slice, LpNormalization) and IsolationForest (LabelEncoder of each tree's leaves)."""
    rng = np.random.default_rng(53)
    X = rng.normal(size=(300, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    y_multi = np.digitize(X[:, 0] - X[:, 2] + 0.5 * X[:, 4], [-0.8, 0.8])
    classifier_case("onnx-adaboost-classifier", "skl2onnx AdaBoostClassifier(20 trees), 3 classes, ZipMap: TreeEnsembleClassifier, "
                    "ArgMax, Equal and Where a tree's vote, Sum", AdaBoostClassifier(n_estimators=20, random_state=0), X, y_multi, R)
    kmeans = KMeans(4, n_init=3, random_state=0).fit(X)
    data = to_onnx(kmeans, X[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    outputs, names = run(data, R)
    write_case("onnx-kmeans", "skl2onnx KMeans(4): the distances to the 4 centres (the scores output; the label, their ArgMin, "
               "is not an answer): ReduceSumSquare, Gemm with a computed C, Add, Sqrt", {"model.onnx": data}, R,
               values=outputs[names.index("scores")])
    classifier_case("onnx-one-vs-rest", "skl2onnx OneVsRestClassifier(LogisticRegression), 3 classes, zipmap=False: Slice each "
                    "classifier's positive column, Concat, LpNormalization (p=1)", OneVsRestClassifier(LogisticRegression()), X,
                    y_multi, R, zipmap=False)
    forest = IsolationForest(n_estimators=15, random_state=0).fit(X)
    data = to_onnx(forest, X[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    outputs, names = run(data, R)
    write_case("onnx-isolation-forest", "skl2onnx IsolationForest(15 trees): the scores output (decision_function); each tree's "
               "leaf by TreeEnsembleRegressor, its sample count and depth by LabelEncoder", {"model.onnx": data}, R,
               values=outputs[names.index("scores")][:, 0])


def adaboost_regressor_case():
    """AdaBoostRegressor: each row's weighted median of its trees' predictions. skl2onnx sorts them (TopK of the
    negated predictions), looks the trees' weights up in that order (ArrayFeatureExtractor of a 1-D table, Reshape
    [-1, k]), sums them (CumSum), finds the first sum reaching half the total (Less, Cast, ArgMin) and picks that
    tree's prediction (two GatherElements). Some request values are missing."""
    rng = np.random.default_rng(67)
    X = rng.normal(size=(300, 5)).round(3)
    R = rng.normal(size=(20, 5)).round(3).astype(np.float32)
    R[rng.random(R.shape) < 0.1] = np.nan
    regressor_case("onnx-adaboost-regressor", "skl2onnx AdaBoostRegressor(12 trees): the weighted median by TopK, "
                   "ArrayFeatureExtractor and Reshape, CumSum, Less, ArgMin and GatherElements",
                   AdaBoostRegressor(n_estimators=12, random_state=0), X, X[:, 0] * X[:, 1] - X[:, 2] + 0.1 * rng.normal(size=300), R)


def knn_distance_targets_case():
    """KNeighborsRegressor(4, weights='distance') of three targets: the neighbours' targets from a 2-D table
    (ArrayFeatureExtractor, Reshape [3, -1, 4], Transpose [1, 0, 2]), then weighed by moving the batch axis to the
    middle (Transpose [1, 0, 2]), a Mul by the [N, 4] weights, and the Transpose back; a request row equal to a
    training row (distance 0)."""
    rng = np.random.default_rng(79)
    X = rng.normal(size=(80, 3)).round(3)
    Y = np.c_[X[:, 0], 2 * X[:, 1], X[:, 2] - X[:, 0]]
    R = rng.normal(size=(20, 3)).round(3).astype(np.float32)
    R[3] = X[5]
    regressor_case("onnx-knn-regressor-distance-targets", "skl2onnx KNeighborsRegressor(4, weights='distance') of 3 targets: "
                   "Scan, TopK, the targets' lookup, Transpose [1, 0, 2] to move the batch axis to the middle, Mul by the "
                   "weights, Transpose back, ReduceSum, Div", KNeighborsRegressor(4, weights="distance"), X, Y, R)


def quantile_transformer_case():
    """make_pipeline(QuantileTransformer, Ridge): skl2onnx flattens the request's values into one row (Flatten at axis
    0), binary-searches each in its feature's quantiles with int64 arithmetic (Div by 2 truncating, Gather from the 1-D
    quantile tables), interpolates, and reshapes the row back to the request's Shape. Requests beyond the quantiles'
    range, at them, and at -0; none missing (the Ridge would answer NaN, which JSON cannot write)."""
    rng = np.random.default_rng(73)
    X = rng.normal(size=(300, 4)).round(3)
    R = (rng.normal(size=(20, 4)) * 1.5).round(3).astype(np.float32)
    R[0] = [100, -100, 0, -0.0]
    R[1] = X[0]
    R[2] = X[:, 0].max(), X[:, 1].min(), X[:, 2].max(), X[:, 3].min()
    regressor_case("onnx-quantile-transformer", "skl2onnx make_pipeline(QuantileTransformer(n_quantiles=50), Ridge): Flatten "
                   "at axis 0, int64 Cast, Mul, Add and Div, Gather from the quantile tables, GreaterOrEqual, Where, the "
                   "interpolation, Reshape to the request's Shape, LinearRegressor",
                   make_pipeline(QuantileTransformer(n_quantiles=50), Ridge()), X, X[:, 0] * 2 + X[:, 1] - X[:, 3], R)


def batch_axis_stack_cases():
    """Exports that stack tensors along the batch axis. BaggingClassifier and BaggingRegressor: each estimator's answer
    Reshaped to [1, -1, C], the answers Concatenated on axis 0 and averaged by a ReduceMean over axis 0 (Berth runs the
    mean of the parts). QuadraticDiscriminantAnalysis: each class's [N, 1] distance Concatenated on axis 0, Reshaped to
    [K, -1] and Transposed (Berth puts the parts side by side)."""
    rng = np.random.default_rng(61)
    X = rng.normal(size=(300, 5)).round(3)
    R = rng.normal(size=(20, 5)).round(3).astype(np.float32)
    y_names = np.array(["low", "mid", "high"])[np.digitize(X[:, 0] + X[:, 1] * X[:, 2], [-0.6, 0.6])]
    classifier_case("onnx-bagging-classifier", "skl2onnx BaggingClassifier(5 trees), 3 string classes, ZipMap: each tree's "
                    "probabilities Reshaped to [1, -1, 3], Concat axis 0, ReduceMean axis 0",
                    BaggingClassifier(n_estimators=5, random_state=0), X, y_names, R)
    regressor_case("onnx-bagging-regressor", "skl2onnx BaggingRegressor(4 trees): Reshape [1, -1, 1], Concat axis 0, ReduceMean axis 0",
                   BaggingRegressor(n_estimators=4, random_state=0), X, X[:, 0] - 2 * X[:, 3] + 0.1 * rng.normal(size=300), R)
    classifier_case("onnx-quadratic-discriminant", "skl2onnx QuadraticDiscriminantAnalysis, 3 string classes, ZipMap: each "
                    "class's distance ReduceSum'd to [N, 1], Concat axis 0, Reshape [3, -1], Transpose [1, 0]",
                    QuadraticDiscriminantAnalysis(), X, y_names, R, most_probable_label=True)


def gaussian_process_case():
    """GaussianProcessRegressor (RBF kernel): the training rows over the length scale (a Div of constants), the cdist Scan,
    a ConstantOfShape of [N, 1] from the batch size, MatMul by the dual coefficients, and a [1, 1] mean added to the
    [N] predictions before a Reshape to [-1, 1]."""
    rng = np.random.default_rng(67)
    X = rng.normal(size=(80, 4)).round(3)
    R = rng.normal(size=(20, 4)).round(3).astype(np.float32)
    regressor_case("onnx-gaussian-process", "skl2onnx GaussianProcessRegressor (RBF): Scan distances to the 80 training rows, "
                   "ConstantOfShape of the batch size, Exp, MatMul, a [1, 1] Add, Reshape [-1, 1]",
                   GaussianProcessRegressor(), X, np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2], R)


def glm_and_calibration_cases():
    """A PoissonRegressor (MatMul by a 1-D vector, Exp) and an isotonic CalibratedClassifierCV (Clip, ArgMin)."""
    rng = np.random.default_rng(59)
    X = rng.normal(size=(300, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    counts = rng.poisson(np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 0.2))
    regressor_case("onnx-poisson-regressor", "skl2onnx PoissonRegressor: MatMul by a 1-D vector of coefficients, Add, Exp",
                   PoissonRegressor(), X, counts, R)
    y_multi = np.digitize(X[:, 0] + X[:, 3] - 0.5 * X[:, 5], [-0.8, 0.8])
    classifier_case("onnx-calibrated-isotonic", "skl2onnx CalibratedClassifierCV(LogisticRegression, method='isotonic', cv=3), "
                    "3 classes, zipmap=False: each fold's isotonic fit by ArgMin over its thresholds, Clip",
                    CalibratedClassifierCV(LogisticRegression(), method="isotonic", cv=3), X, y_multi, R, zipmap=False)


def naive_bayes_labels_case():
    """GaussianNB with string classes exported with zipmap=False: the probabilities are Exp(scores - log-sum-exp), and
    the label branch names the classes of the scores, which the probabilities carry."""
    rng = np.random.default_rng(61)
    X = rng.normal(size=(300, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3).astype(np.float32)
    y = np.array(["low", "mid", "high"])[np.digitize(X[:, 0] - X[:, 3], [-0.6, 0.6])]
    classifier_case("onnx-gaussian-nb-strings", "skl2onnx GaussianNB, string classes, zipmap=False: Sub, ReduceLogSumExp, Exp; "
                    "the class names from the label branch", GaussianNB(), X, y, R, zipmap=False)


def catboost_cases():
    """CatBoost's own ONNX export (`save_model(format="onnx")`: TreeEnsembleClassifier with a ZipMap, or
    TreeEnsembleRegressor), served through Berth's ONNX path; onnxruntime's answers, checked against CatBoost's."""
    import catboost
    rng = np.random.default_rng(43)
    X = rng.normal(size=(500, 6)).round(3)
    R = rng.normal(size=(20, 6)).round(3)
    labels = np.array(["churn", "stay"])[(X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] > 0).astype(int)]
    for name, model, target in [
        ("onnx-catboost-classifier", catboost.CatBoostClassifier(iterations=30, depth=4, random_seed=1, verbose=0, allow_writing_files=False), labels),
        ("onnx-catboost-regressor", catboost.CatBoostRegressor(iterations=30, depth=4, random_seed=1, verbose=0, allow_writing_files=False),
         2 * X[:, 0] - X[:, 1] ** 2),
    ]:
        model.fit(X, target)
        path = os.path.join(HERE, name + ".onnx")
        model.save_model(path, format="onnx")
        with open(path, "rb") as handle:
            data = handle.read()
        os.remove(path)
        outputs, _ = run(data, R)
        if isinstance(model, catboost.CatBoostClassifier):
            classes = [str(label) for label in model.classes_]
            probabilities = class_order(outputs[1], classes)
            assert np.allclose(probabilities, model.predict_proba(R), rtol=1e-5, atol=1e-6), "onnxruntime disagrees with CatBoost"
            write_case(name, f"CatBoost {catboost.__version__} save_model(format='onnx'): TreeEnsembleClassifier with the "
                       "string classes churn and stay, ZipMap", {"model.onnx": data}, R, probabilities=probabilities,
                       labels=classes, predicted=outputs[0])
        else:
            assert np.allclose(outputs[0][:, 0], model.predict(R), rtol=1e-5, atol=1e-5), "onnxruntime disagrees with CatBoost"
            write_case(name, f"CatBoost {catboost.__version__} save_model(format='onnx'): TreeEnsembleRegressor",
                       {"model.onnx": data}, R, values=outputs[0][:, 0])


def refused_cases():
    """Models Berth must refuse at load, each with a fragment of the message it must give (refusals.json)."""
    folder = os.path.join(HERE, "onnx-refused")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    refusals = {}

    def save(name, model, fragment, raw=None):
        data = raw if raw is not None else model.SerializeToString()
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)
        refusals[name] = fragment

    def model_of(nodes, inputs, outputs, initializers=(), opset=17):
        graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", 1)])
        m.ir_version = 8
        return m

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    mlp = mlp_graph(np.random.default_rng(1), 6, 8, 2, opset=13).SerializeToString()
    save("truncated.onnx", None, "is not a valid ONNX model", raw=mlp[: len(mlp) // 2])
    save("unsupported-ops.onnx", model_of([helper.make_node("Sin", ["input"], ["e"], name="sin_1"),
                                           helper.make_node("Conv", ["e", "w"], ["y"], name="conv_7")],
                                          [x], [y], [numpy_helper.from_array(np.ones((4, 4, 1), np.float32), "w")]),
         "uses operators Berth does not run: Sin (node 'sin_1'), Conv (node 'conv_7')")
    # Many nodes of one operator must not hide another one (the message names each operator once).
    sines = [helper.make_node("Sin", ["input" if i == 0 else f"e{i - 1}"], [f"e{i}"], name=f"sin_{i}") for i in range(12)]
    save("many-unsupported-nodes.onnx", model_of(sines + [helper.make_node("Conv", ["e11", "w"], ["y"], name="conv_12")],
                                                 [x], [y], [numpy_helper.from_array(np.ones((4, 4, 1), np.float32), "w")]),
         "uses operators Berth does not run: Sin (12 nodes, the first 'sin_0'), Conv (node 'conv_12')")
    symbolic = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", "features"])
    save("symbolic-feature-dimension.onnx", model_of([helper.make_node("Relu", ["input"], ["y"])], [symbolic], [y]),
         "only the batch dimension may be symbolic")
    big = TensorProto()
    big.name = "w"
    big.data_type = TensorProto.FLOAT
    big.dims.extend([1 << 27, 4])
    big.raw_data = b"\0" * 16
    save("declared-2gb-tensor.onnx", model_of([helper.make_node("MatMul", ["input", "w"], ["y"])], [x], [y], [big]),
         "declares 536870912 elements (2147483648 bytes) but holds 16 bytes")
    save("opset-23.onnx", model_of([helper.make_node("Relu", ["input"], ["y"])], [x], [y], opset=23), "opset 23")
    # An If with subgraphs (what k-NN exports' Scan also holds): refused naming the operator, not as a malformed file.
    branch = helper.make_graph([helper.make_node("Relu", ["input"], ["r"])], "branch", [],
                               [helper.make_tensor_value_info("r", TensorProto.FLOAT, ["N", 4])])
    condition = numpy_helper.from_array(np.array(True), "condition")
    save("subgraph-if.onnx", model_of([helper.make_node("If", ["condition"], ["y"], name="choose", then_branch=branch, else_branch=branch)],
                                      [x], [y], [condition]),
         "uses operators Berth does not run: If (node 'choose')")
    cyclic = helper.make_node("TreeEnsembleRegressor", ["input"], ["y"], domain="ai.onnx.ml", name="cycle",
                              nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 1, 0],
                              nodes_values=[0.0, 0.0, 0.0], nodes_modes=["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"],
                              nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 2, 0],
                              target_treeids=[0], target_nodeids=[2], target_ids=[0], target_weights=[1.0])
    save("cyclic-tree.onnx", model_of([cyclic], [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])]),
         "roots (a cycle or a forest)")
    nan_threshold = helper.make_node("TreeEnsembleRegressor", ["input"], ["y"], domain="ai.onnx.ml", name="nan",
                                     nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0],
                                     nodes_values=[float("nan"), 0.0, 0.0], nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"],
                                     nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0],
                                     target_treeids=[0, 0], target_nodeids=[1, 2], target_ids=[0, 0], target_weights=[1.0, 2.0])
    save("nan-threshold.onnx", model_of([nan_threshold], [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])]),
         "NaN threshold")
    depth = 10000
    ids = list(range(2 * depth + 1))
    deep = helper.make_node("TreeEnsembleRegressor", ["input"], ["y"], domain="ai.onnx.ml", name="deep",
                            nodes_treeids=[0] * len(ids), nodes_nodeids=ids, nodes_featureids=[0] * len(ids),
                            nodes_values=[0.0] * len(ids),
                            nodes_modes=["BRANCH_LEQ" if i < depth else "LEAF" for i in range(len(ids))],
                            nodes_truenodeids=[i + 1 if i < depth else 0 for i in ids],
                            nodes_falsenodeids=[depth + 1 + i if i < depth else 0 for i in ids],
                            target_treeids=[0], target_nodeids=[depth], target_ids=[0], target_weights=[1.0])
    save("tree-of-depth-10000.onnx", model_of([deep], [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])]),
         "deeper than 4096 levels")
    outside = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 6])
    ext = model_of([helper.make_node("MatMul", ["input", "w"], ["y"])], [outside], [y])
    w = TensorProto()
    w.name = "w"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([6, 4])
    w.data_location = TensorProto.EXTERNAL
    for key, value in [("location", "../../etc/passwd"), ("offset", "0"), ("length", "96")]:
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    ext.graph.initializer.append(w)
    save("external-data-outside.onnx", ext, "outside the model's folder")
    # The deep tree compresses from half a megabyte to a few kilobytes; the test inflates it.
    import gzip
    deep_path = os.path.join(folder, "tree-of-depth-10000.onnx")
    with open(deep_path, "rb") as handle:
        compressed = gzip.compress(handle.read(), mtime=0)
    os.remove(deep_path)
    with open(deep_path + ".gz", "wb") as handle:
        handle.write(compressed)
    refusals[os.path.basename(deep_path) + ".gz"] = refusals.pop(os.path.basename(deep_path))
    with open(os.path.join(folder, "refusals.json"), "w") as handle:
        json.dump(refusals, handle, indent=2)
        handle.write("\n")


if __name__ == "__main__":
    main()
    mlp_classifier_case()
    class_names_mismatch_case()
    extra_cases()
    mlp_activations_case()
    integer_arithmetic_case()
    svm_cases()
    arithmetic_cases()
    encoder_cases()
    knn_cases()
    boosting_and_clustering_cases()
    adaboost_regressor_case()
    quantile_transformer_case()
    knn_distance_targets_case()
    batch_axis_stack_cases()
    gaussian_process_case()
    glm_and_calibration_cases()
    naive_bayes_labels_case()
    torch_layers_case()
    torch_activations_case()
    torch_batch_shape_case()
    torch_embedding_case()
    torch_split_case()
    refused_cases()
    catboost_cases()
